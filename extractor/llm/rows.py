"""Template table rows the rules left open, asked of a model as units, and what its readings become.

A row of table 二, 三 or 四 is open when a field cell of it has no settled value: the table was not read (`unread`),
the row was run together and several cuts stand (`ambiguous`), or its label is in the table and no cell of it was
read (missing). Only tables with an open row are sent, each once (its text verbatim, as `[T<n>]`), with the open
rows' keys and labels and the columns in order; a table the rules settled is never sent. Every reading is checked by
`template.rowcheck` against the quote and the template's arithmetic, with every other row of the table; only a
reading it verifies is `verified`, one witness among several readings is a suggestion for review
(`row_reading_only`), and a refused one gives no value (a note says which and why).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from extractor.core.candidates import Candidate
from extractor.core.result import (
    AMBIGUOUS,
    BLANK_CELL,
    DERIVED,
    MODEL_ROW,
    ROW_READING_ONLY,
    UNREAD,
    VERIFIED,
    FieldResult,
)
from extractor.coverage import mark_unread
from extractor.llm.passages import Chunk
from extractor.template.cells import CellValue, RowSplit
from extractor.template.compact import Compact, compact
from extractor.template.read import template_version
from extractor.template.rowcheck import (
    Judged,
    Known,
    Reading,
    RowUnit,
    find_rows,
    fit,
    judge,
    read_quote,
    readable,
    readings,
    units,
)
from extractor.template.spec import (
    AFTER_TABLE4,
    ROWS_2021_WORD,
    TABLE2_HEAD,
    TABLE2_LEAD,
    TABLE3_HEAD,
    TABLE4_HEAD,
)
from extractor.text.clean import Cleaned, View
from extractor.text.spans import at_span, locate

TABLE_CHARS = 4000  # the most of one table's text sent
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class OpenTable:
    """A table with open rows: its text (sent once), the rows asked, and what the rules read of it."""

    table: str
    chunk: Chunk
    rows: list[RowUnit]  # the open rows, asked
    every: list[RowUnit]  # every row of the table: a quote must name its own row, not another
    known: dict[str, Known]  # row -> cell -> the values the rules allow it
    settled: dict[str, RowSplit]  # the rows the rules read whole
    printed: list[str]  # the rows the table prints (their labels found, or read)

    def read(self, original: str, answers: dict[str, Any], note: str) -> tuple[list[Candidate], list[str]]:
        return _read_template(self, original, answers, note)


ROW_PREFIX = "row__"


def attr(u: RowUnit) -> str:
    """A row's key in the answer schema."""
    return f"{ROW_PREFIX}{u.table}__{u.key}"


def _heads(view: View) -> dict[str, list[re.Match[str]]]:
    t2 = [m for m in TABLE2_HEAD.finditer(view.text) if TABLE2_LEAD.search(view.text[m.end():m.end() + 200])]
    return {"table2": t2, "requests": list(TABLE3_HEAD.finditer(view.text)),
            "appeals": list(TABLE4_HEAD.finditer(view.text))}


def _region(view: View, table: str, heads: dict[str, list[re.Match[str]]]) -> tuple[int, int] | None:
    """View range of a table: from its heading to the next table's (table 四: to the next section), at most
    TABLE_CHARS; of several headings, the one whose range holds the most digits (not a mention in the prose)."""
    best: tuple[int, int] | None = None
    score = 0
    for m in heads[table]:
        ends = [x.start() for ms in heads.values() for x in ms if x.start() > m.end()]
        if table == "appeals" and (after := AFTER_TABLE4.search(view.text, m.end())):
            ends.append(after.start())
        end = min([*ends, m.start() + TABLE_CHARS, len(view.text)])
        digits = len(_DIGIT.findall(view.text, m.start(), end))
        if digits > score:
            best, score = (m.start(), end), digits
    return best


def settled_result(r: FieldResult | None) -> bool:
    return r is not None and ((r.value is not None and r.status in (VERIFIED, DERIVED)) or BLANK_CELL in r.reasons)


def _known(r: FieldResult | None) -> tuple[Any, ...] | None:
    """The values the rules allow a cell: the one they read, the readings of an ambiguous cut, or any (None)."""
    if r is None or r.status == UNREAD:
        return None
    if r.value is not None or BLANK_CELL in r.reasons:
        return (r.value,)
    if r.status == AMBIGUOUS and r.alternatives:
        return tuple(a["value"] for a in r.alternatives)
    return None


@functools.cache
def _units(table: str, version: str, ncols: int) -> tuple[RowUnit, ...]:
    """A table's rows (frozen), built once per layout: not per report (their patterns, columns and sums)."""
    return tuple(units(table, version, ncols))


def _open_table(view: View, table: str, version: str, ncols: int, results: dict[str, FieldResult],
                region: tuple[int, int], label: str) -> OpenTable | None:
    every = list(_units(table, version, ncols))
    # the table's compact text, and whether the rules read any of its cells: each found once, when first needed
    # (few tables have a row that may be asked)
    ct: Callable[[], Compact] = functools.cache(lambda: compact(view.text, region[0], region[1]))
    read_any: Callable[[], bool] = functools.cache(lambda: any(
        results.get(p) is not None and results[p].status != UNREAD for w in every for p in w.paths if p))
    asked: list[RowUnit] = []
    known: dict[str, Known] = {}
    settled: dict[str, RowSplit] = {}
    for u in every:
        cells = {i: results.get(p) for i, p in enumerate(u.paths) if p}
        if not cells:
            continue
        known[u.key] = {i: k for i, r in cells.items() if (k := _known(r)) is not None}
        if all(settled_result(r) for r in cells.values()):
            settled[u.key] = tuple(CellValue(r.value if (r := cells.get(i)) is not None else None, None, None)
                                   for i in range(u.ncells))
            continue
        if all(r is None for r in cells.values()) and not read_any():
            continue  # no table: nothing read, nothing unread
        if readable(u, every, ct()):  # a row the table does not print with numbers enough for its cells is not asked
            asked.append(u)
    if not asked:
        return None
    text, (s, e) = view.evidence(*region)
    found = find_rows(every, ct())
    printed = [u.key for u in every if u.key in found or u.key in settled
               or any(results.get(p) is not None for p in u.paths if p)]
    return OpenTable(table, Chunk(label, s, e, text, view.text[region[0]:region[1]]), asked, every, known, settled,
                     printed)


def open_tables(cleaned: Cleaned, results: dict[str, FieldResult], marked: bool = False) -> list[OpenTable]:
    """The tables with rows the rules left open (their results marked by coverage first, on a copy, unless `marked`
    says they are already)."""
    if not marked:
        results = dict(results)
        mark_unread(results, cleaned)
    view = cleaned.body
    tmpl = results.get("meta.template")
    version = str(tmpl.value) if tmpl is not None and tmpl.value else template_version(view.text)
    heads = _heads(view)
    out: list[OpenTable] = []
    for table in ("table2", "requests", "appeals"):
        region = _region(view, table, heads)
        if region is None or not _DIGIT.search(view.text, region[0], region[1]):
            continue  # no table, or one with no numbers (an image, lost in the scrape): nothing to read
        v = version or ("2021" if ROWS_2021_WORD in view.text else "2019")
        if table == "table2" and version is None:
            continue
        ncols = 8 if table == "requests" and "小计" in view.text[region[0]:region[1]] else 7
        t = _open_table(view, table, v, ncols, results, region, f"T{len(out) + 1}")
        if t is not None:
            out.append(t)
    return out


HOW_TO_READ = "表格行：numbers 按列序填该行每格的数（空格填null，连写的数按列拆开），quote 照抄该行（行名和全部数字），chunk 填表号。"


def render(tables: Sequence[RowTable]) -> str:
    """What the prompt's {tables} says: how to read a row, the tables' text (each once), the rows asked with their
    columns; nothing when no row is asked."""
    if not tables:
        return ""
    body = "\n\n".join(f"[{t.chunk.id}]\n{t.chunk.text}\n[/{t.chunk.id}]" for t in tables)  # it starts at its heading
    lines: list[str] = []
    for t in tables:
        same = len({u.columns for u in t.rows}) == 1
        if same:
            lines.append(f"{t.chunk.id} 各行的列：{' | '.join(t.rows[0].columns)}")
        for u in t.rows:
            cols = "" if same else f"（列：{' | '.join(u.columns)}）"
            lines.append(f"{attr(u)}：{t.chunk.id} {u.label}{cols}")
    return f"{HOW_TO_READ}\n{body}\n" + "\n".join(lines)


class RowTable(Protocol):
    """A table asked as rows (a template table, the old 统计表): its text, the rows asked, and how a reading of them
    is judged."""

    @property
    def chunk(self) -> Chunk: ...

    @property
    def rows(self) -> list[RowUnit]: ...

    def read(self, original: str, answers: dict[str, Any], note: str) -> tuple[list[Candidate], list[str]]: ...


def candidates(original: str, tables: Sequence[RowTable], answers: dict[str, Any], note: str
               ) -> tuple[list[Candidate], list[str]]:
    """The cells of the model's row readings, as the checks judge them; and the rows refused, with why."""
    out: list[Candidate] = []
    refused: list[str] = []
    for t in tables:
        cells, why = t.read(original, answers, note)
        out += cells
        refused += why
    return out, refused


def quoted_span(original: str, quote: str | None, chunk: Chunk) -> tuple[int, int] | None:
    """Where a row's quote is in the table's text sent (None: nowhere, or not at its span)."""
    q = locate(original, quote or "", (chunk.start, chunk.end)) if quote else None
    if q is None or q.span is None or not at_span(original, q.text, q.span):
        return None
    return q.span


def _read_template(t: OpenTable, original: str, answers: dict[str, Any], note: str
                   ) -> tuple[list[Candidate], list[str]]:
    out: list[Candidate] = []
    refused: list[str] = []
    got: list[Reading] = []
    for u in t.rows:
        ans = answers.get(attr(u))
        if ans is None or ans.numbers is None:
            continue
        span = quoted_span(original, ans.quote, t.chunk)
        if span is None:
            refused.append(f"{u.table} {u.key} (the quote is not in the table's text)")
            continue
        quoted = read_quote(original, span, u, t.every, (t.chunk.start, t.chunk.end))
        cells = fit(quoted.tokens, ans.numbers, u) if not quoted.refused else None
        if cells is None:
            why = quoted.refused or "the numbers are not the quoted row's cells in order"
            refused.append(f"{u.table} {u.key} ({why})")
            continue
        got.append(Reading(u, cells, readings(quoted.tokens, u)))
    for j in judge(got, t.known, t.settled, t.printed):
        if j.refused:
            refused.append(f"{j.unit.table} {j.unit.key} ({j.refused})")
        else:
            out += row_cells(original, j, t.known.get(j.unit.key, {}), note)
    return out, refused


def row_cells(original: str, j: Judged, known: Known, note: str) -> list[Candidate]:
    """Candidates for the open cells of a judged reading (a cell the rules read is theirs); `j.cells` in original
    offsets."""
    out = []
    for i, (path, cell) in enumerate(zip(j.unit.paths, j.cells, strict=True)):
        if path is None or path.endswith("_yuan") or len(known.get(i, ())) == 1:
            continue  # no field; an amount in the table's unit (万元) the reader converts; a cell the rules read
        how = f"{note}: {j.unit.table} {j.unit.key} read as " + "|".join("" if c.value is None else str(c.value)
                                                                          for c in j.cells)
        if cell.value is None:
            if j.verified:
                out.append(Candidate(path, None, method=MODEL_ROW, backend="openai", confidence=0.85,
                                     reasons=[BLANK_CELL], note=how))
            continue
        assert cell.start is not None and cell.end is not None
        out.append(Candidate(path, cell.value, original[cell.start:cell.end], (cell.start, cell.end), method=MODEL_ROW,
                             backend="openai", confidence=0.85 if j.verified else 0.5,
                             reasons=[] if j.verified else [ROW_READING_ONLY], note=how))
    return out
