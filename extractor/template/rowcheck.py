"""A model's reading of a template table row, checked against the text and the template's arithmetic. Pure: no I/O.

The rows (`units`) are the template's, from `spec`: table 二's rows (`TABLE2`), table 三's rows in the layout's
columns, and table 四's one printed row of 15 numbers. A reading is the row's numbers in column order and a verbatim
quote of the row. `read_quote` places the quote: it must name this row (the earliest row label in it, the longest at
one place, is this row's, as the reader's patterns find labels; table 四: the quote holds the number run after the
table's header) and the numbers must be the quote's cells in order (`fit`: a `|` or spaced cell is one number, a
run of digits is exactly the numbers written one after another, each a cell the template allows: no leading zero,
`-` only in 本年增/减). `judge` then weighs every answered row of a table together: a reading that differs from a
cell the rules read, breaks the row's own sums or an identity with the other rows is refused; one that stands is
`verified` only when it is the only reading the quote's digits, the cells the rules read and every identity allow
(`cells.resolve` over all the rows); otherwise it is one witness among several (`ROW_READING_ONLY`, for review).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractor.template.cells import (
    CellValue,
    Identity,
    RowSplit,
    Sum,
    Token,
    TooManySplits,
    cell_ok,
    resolve,
    split_row,
    sums_ok,
    tokenize,
)
from extractor.template.compact import Compact, compact, find_labels, value_run
from extractor.template.read import flat_row_sums, request_identities, row_pattern, row_sums
from extractor.template.spec import APPEALS, REQUESTS, TABLE2, TABLE4_HEADER_WORDS
from extractor.text.spans import folded

MAX_READINGS = 400
APPEALS_ROW = "all"  # table 四 prints one row of numbers under its two-level header

# table 二's column headings, per version and sub-table (第二十条第(X)项), in cell order
TABLE2_COLUMNS: dict[str, dict[int, tuple[str, ...]]] = {
    "2021": {1: ("本年制发件数", "本年废止件数", "现行有效件数"), 5: ("行政许可本年处理决定数量",),
             6: ("本年处理决定数量",), 8: ("本年收费金额（单位：万元）",)},
    "2019": {1: ("本年新制作数量", "本年新公开数量", "对外公开总数量"), 5: ("上一年项目数量", "本年增/减", "处理决定数量"),
             6: ("上一年项目数量", "本年增/减", "处理决定数量"), 8: ("上一年项目数量", "本年增/减"),
             9: ("采购项目数量", "采购总金额")},
}
TABLE2_LABELS = {"regulations": "规章", "normative": "规范性文件", "licensing": "行政许可", "other_services": "其他对外管理服务事项",
                 "penalty": "行政处罚", "enforcement": "行政强制", "fees": "行政事业性收费", "procurement": "政府集中采购"}


@dataclass(frozen=True)
class RowUnit:
    """One row a model is asked to read: its table, key, wording, columns, and the field of each cell."""

    table: str  # table2 | requests | appeals
    key: str
    label: str
    columns: tuple[str, ...]
    paths: tuple[str | None, ...]  # per cell, its field path (None: a cell that is no field)
    sums: tuple[Sum, ...] = ()
    negative: frozenset[int] = frozenset()
    pattern: re.Pattern[str] | None = None  # the label the reader finds (None: table 四, numbers after the header)

    @property
    def ncells(self) -> int:
        return len(self.columns)


def units(table: str, version: str, ncols: int = 7) -> list[RowUnit]:
    """Every row of a table of this version (table 三 in a layout of `ncols` columns), in template order."""
    if table == "table2":
        return [RowUnit("table2", r.key, TABLE2_LABELS.get(r.key, r.key), TABLE2_COLUMNS[version][r.group][: r.ncells],
                        tuple(r.fields.get(i) for i in range(r.ncells)), (), r.negative_cols, re.compile(r.pattern))
                for r in TABLE2[version]]
    if table == "requests":
        layout = REQUESTS.layout(ncols)
        cols = tuple(REQUESTS.column(c).label for c in layout)
        paths = tuple(REQUESTS.path("{row}", c) if REQUESTS.column(c).field else None for c in layout)
        return [RowUnit("requests", r.key, (r.heading + r.label) if r.heading else r.label, cols,
                        tuple(p.replace("{row}", r.key) if p else None for p in paths), tuple(row_sums(REQUESTS, ncols)),
                        frozenset(), row_pattern(r))
                for r in REQUESTS.rows(version)]
    cols = tuple(f"{r.label}·{c.label}" for r in APPEALS.rows() for c in APPEALS.columns)
    paths4 = tuple(APPEALS.path(r.key, c.key) for r in APPEALS.rows() for c in APPEALS.columns)
    return [RowUnit("appeals", APPEALS_ROW, "行政复议、行政诉讼情况（表中唯一一行数字，按列顺序）", cols, paths4,
                    tuple(flat_row_sums(APPEALS)))]


def header_run(ct: Compact) -> tuple[str, int] | None:
    """Table 四's numbers: the run after the last word of its header (as the reader takes it)."""
    words = list(TABLE4_HEADER_WORDS.finditer(ct.text))
    return value_run(ct, words[-1].end(), len(ct.text)) if words else None


def find_rows(table: Sequence[RowUnit], ct: Compact) -> dict[str, tuple[int, int]]:
    """Row -> (compact start, end) of the numbers after its label, the labels found in template order as the reader
    finds them (table 四: the run after its header)."""
    if table and table[0].pattern is None:
        got = header_run(ct)
        return {table[0].key: (got[1], got[1] + len(got[0]))} if got else {}
    pairs = [(u.key, u.pattern) for u in table if u.pattern is not None]
    found = find_labels(ct, pairs, 0, len(ct.text))
    out = {}
    for i, (key, _s, e) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else len(ct.text)
        run, at = value_run(ct, e, stop)
        out[key] = (at, at + len(run))
    return out


def row_tokens(unit: RowUnit, table: Sequence[RowUnit], ct: Compact) -> list[Token]:
    """The number tokens of a row in a table's compact text."""
    where = find_rows(table, ct).get(unit.key)
    return tokenize(ct.text[where[0]:where[1]], where[0]) if where else []


def readable(unit: RowUnit, table: Sequence[RowUnit], ct: Compact) -> bool:
    """Whether a table prints the row with characters enough for its cells (a run of digits: one at least each)."""
    toks = row_tokens(unit, table, ct)
    room = sum(1 if t.pinned or not t.text else len(re.sub(r"\D", "", t.text)) for t in toks)
    return bool(toks) and room >= unit.ncells


@dataclass(frozen=True)
class Quoted:
    """A quote placed in the original: the tokens of its row's numbers (original offsets), or why not."""

    tokens: list[Token]
    refused: str = ""


def _names_row(unit: RowUnit, table: Sequence[RowUnit], text: str) -> int | None:
    """The compact end of this row's label when it is the first row label in `text` (the longest at one place)."""
    best: tuple[int, int, str] | None = None
    for u in table:
        if u.pattern is None:
            continue
        m = u.pattern.search(text)
        if m and (best is None or (m.start(), -(m.end() - m.start())) < (best[0], -(best[1] - best[0]))):
            best = (m.start(), m.end(), u.key)
    return best[1] if best is not None and best[2] == unit.key else None


def read_quote(original: str, span: tuple[int, int] | None, unit: RowUnit, table: Sequence[RowUnit],
               region: tuple[int, int]) -> Quoted:
    """The number tokens of the row a quote at `span` states, in original offsets; refused when the quote is not at
    its span inside the table's text, or does not name the row."""
    if span is None or not (region[0] <= span[0] < span[1] <= region[1]):
        return Quoted([], "the quote is not in the table's text")
    qs, qe = span
    text, offsets = folded(original[qs:qe])
    ct = compact(text)
    if unit.pattern is None:  # table 四: the run after the header's last word must be in the quote
        head, hoff = folded(original[region[0]:region[1]])
        hct = compact(head)
        toks = [_moved(t, hct.view_at, hoff, region[0]) for t in row_tokens(unit, [unit], hct)]
        if not toks or toks[0].start < qs or toks[-1].end > qe:
            return Quoted([], "the quote does not hold the table's numbers")
        return Quoted(toks)
    end = _names_row(unit, table, ct.text)
    if end is None:
        return Quoted([], "the quote does not name this row")
    run, at = value_run(ct, end, len(ct.text))
    return Quoted([_moved(t, ct.view_at, offsets, qs) for t in tokenize(run, at)])


def _moved(t: Token, view_at: Sequence[int], offsets: Sequence[int], base: int) -> Token:
    """A token of a compact folded text, in original offsets."""
    if t.end <= t.start:
        at = base + offsets[view_at[min(t.start, len(view_at) - 1)]]
        return Token(t.text, at, at, t.pinned)
    return Token(t.text, base + offsets[view_at[t.start]], base + offsets[view_at[t.end - 1]] + 1, t.pinned)


def _shown(n: int | float) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)


def _same(text: str, n: int | float) -> bool:
    try:
        return float(text.replace(",", "")) == float(n)
    except ValueError:
        return False


def fit(tokens: Sequence[Token], numbers: Sequence[int | float | None], unit: RowUnit) -> RowSplit | None:
    """The numbers as the row's cells when they are exactly the tokens' cells in order (a run of digits: the numbers
    written one after another, each a cell the template allows), with each cell's place; else None."""
    if len(numbers) != unit.ncells:
        return None
    cells: list[CellValue] = []
    for t in tokens:
        i = len(cells)
        if t.pinned or not t.text or "," in t.text:  # exactly one cell (a blank one: no number)
            n = numbers[i] if i < len(numbers) else 0
            if i >= len(numbers) or (n is None) != (not t.text) or (n is not None and not _same(t.text, n)):
                return None
            cells.append(CellValue(n, t.start, t.end))
            continue
        pos = 0
        while pos < len(t.text):
            i = len(cells)
            n = numbers[i] if i < len(numbers) else None
            s = _shown(n) if n is not None else ""
            if not s or not t.text.startswith(s, pos) or not cell_ok(s) or (s.startswith("-") and i not in unit.negative):
                return None
            cells.append(CellValue(n, t.start + pos, t.start + pos + len(s)))
            pos += len(s)
    if len(cells) != len(numbers) or not sums_ok(tuple(cells), unit.sums):
        return None
    return tuple(cells)


def readings(tokens: Sequence[Token], unit: RowUnit) -> list[RowSplit] | None:
    """Every reading of the tokens the template allows (None: too many to list)."""
    try:
        return split_row(list(tokens), unit.ncells, unit.sums, MAX_READINGS, unit.negative)
    except TooManySplits:
        return None


@dataclass(frozen=True)
class Reading:
    """A model's reading of a row that fits its quote, and the readings the quote's digits allow (None: too many)."""

    unit: RowUnit
    cells: RowSplit
    allowed: list[RowSplit] | None


@dataclass(frozen=True)
class Judged:
    unit: RowUnit
    cells: RowSplit
    verified: bool  # False: one witness among several readings (for review)
    refused: str = ""  # why the reading is refused (no value is taken from it)


Known = dict[int, tuple[int | float | None, ...]]  # cell index -> the values the rules allow (one: a cell they read)


def _agrees(cells: RowSplit, known: Known) -> bool:
    return all(i < len(cells) and cells[i].value in vals for i, vals in known.items())


def _identities(table: str, rows: list[str], ncols: int) -> list[Identity]:
    return request_identities(rows, ncols) if table == "requests" else []


def judge(readings_: Sequence[Reading], known: dict[str, Known], settled: dict[str, RowSplit],
          printed: Sequence[str]) -> list[Judged]:
    """Every answered row of one table weighed together (`known`: per row the values the rules allow each cell;
    `settled`: the rows the rules read whole; `printed`: the rows the table prints, whose sums an identity takes,
    so that a row not answered leaves it unchecked rather than short)."""
    out: list[Judged] = []
    ok: dict[str, Reading] = {}
    for r in readings_:
        if not _agrees(r.cells, known.get(r.unit.key, {})):
            out.append(Judged(r.unit, r.cells, False, "the numbers differ from the cells the rules read"))
        else:
            ok[r.unit.key] = r
    if not ok:
        return out
    table = next(iter(ok.values())).unit.table
    ncols = next(iter(ok.values())).unit.ncells
    values = {**settled, **{k: r.cells for k, r in ok.items()}}
    rows = list(dict.fromkeys([*printed, *values]))
    idents = _identities(table, rows, ncols)
    broken = {k for i in idents if i.failures(values) for k in i.rows() if k in ok}
    for k in broken:
        out.append(Judged(ok[k].unit, ok[k].cells, False, "the reading breaks an identity with the other rows"))
    options: dict[str, list[RowSplit]] = {k: [v] for k, v in settled.items() if k not in ok}
    for k, r in ok.items():  # a row whose readings are too many to list takes no part: it settles nothing
        if k not in broken and r.allowed is not None:
            options[k] = [s for s in r.allowed if _agrees(s, known.get(k, {}))]
    res = resolve(options, idents)
    for k, r in ok.items():
        if k not in broken:
            unique = k in options and r.cells in options[k] and res.chosen.get(k) == r.cells
            out.append(Judged(r.unit, r.cells, unique))
    return out
