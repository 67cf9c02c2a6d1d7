"""Rows of the old 统计表 (2008-2018) the rules left open, asked of a model as units, and what its readings become.

A row is open when the reader found its label and could not settle its cells: its digits cut several ways that the
table's arithmetic and the prose leave standing (`ambiguous_split`), or its cells do not read as the table's number
columns (`cells_not_read`), and a field of it is not settled otherwise. The table is sent once, as it is printed,
with the open rows' labels and the number columns; it is never sent when no row of it is open.

A reading (the row's numbers in column order and a verbatim quote) is checked like a template row's (`rows`), with
the 统计表's own arithmetic (`template.legacy_cells`): the quote must be at its span in the table's text, hold this
row's label where the reader found it and every digit the row prints, and no other row's label; the numbers must be
one of the readings the row's digits allow (a `|` cell is one number; a run of digits is the numbers written one
after another, blank cells leaving no trace); with the other rows, they must keep every identity of the table
(parts sum to their total, a part at most its total, answers at most requests, this year at most the cumulative
number). A reading is `verified` only when the digits, the rows the rules read and the prose allow no other reading;
otherwise it is one witness (`ROW_READING_ONLY`, for review).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from extractor.core.candidates import Candidate
from extractor.core.result import FieldResult
from extractor.llm.passages import Chunk
from extractor.llm.rows import TABLE_CHARS, attr, quoted_span, row_cells, settled_result
from extractor.rules.common import Context
from extractor.rules.legacy_rows import UNIT, Found, labels
from extractor.rules.legacy_table import TableCells, read, row_witnesses, witnesses
from extractor.template.cells import CellValue
from extractor.template.compact import Compact
from extractor.template.legacy import BY_KEY, COLUMNS, CUMULATIVE, THIS_YEAR
from extractor.template.legacy_cells import Piece, Reading, readings, settle
from extractor.template.rowcheck import Judged, RowUnit
from extractor.text.clean import Cleaned, View

TABLE = "legacy"
_VALUE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|无|—+|-|/")
_LEAD = re.compile(r"[\s|]*")
_ORDINAL = re.compile(r"(?<=[\s|])\d{1,2}\s?[.、)]\s*$")
_LABEL = {c.key: c.label for c in COLUMNS}


@dataclass(frozen=True)
class LegacyOpen:
    """The 统计表 with open rows: its text (sent once), the rows asked, and the rules' reading of it."""

    chunk: Chunk
    rows: list[RowUnit]
    cells: TableCells
    view: View
    found: list[Found]  # every row label in the table, in order (compact offsets)
    options: dict[str, list[Reading]]  # row -> every reading its digits allow (compact offsets)
    witnesses: dict[str, set[float]]  # row -> the prose's numbers for its cell of the year

    def read(self, original: str, answers: dict[str, Any], note: str) -> tuple[list[Candidate], list[str]]:
        return _read(self, original, answers, note)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of compact [start, end)."""
        vs, ve = self.cells.ct.view_span(start, end)
        return self.view.evidence(vs, ve)[1]


def _row_field(key: str, present: set[str]) -> str | None:
    """The field a row's cell of the year is, when a model's reading of it can give one: not a row joining two
    categories, not a row that yields to another the table prints, not an amount the reader converts to yuan."""
    row = BY_KEY[key]
    if len(row.fields) != 1 or any(y in present for y in row.yields_to) or row.fields[0].endswith("_yuan"):
        return None
    return row.fields[0]


def _zone(ct: Compact, found: list[Found], f: Found) -> tuple[int, int]:
    """Compact [label end, next label start) of a row, without the next row's ordinal set apart (`| 0 2.信函`)."""
    i = next(k for k, x in enumerate(found) if x.start == f.start)
    stop = found[i + 1].start if i + 1 < len(found) else len(ct.text)
    m = _ORDINAL.search(ct.text, f.end, stop)
    return f.end, m.start() if m else stop


def _pieces(ct: Compact, start: int, stop: int) -> list[Piece]:
    """A row's numbers read afresh (the reader could not cut them as its columns): after the unit, every number;
    each `|` cell or a decimal is one cell, a run of digits any number of cells."""
    pos = _LEAD.match(ct.text, start, stop).end()  # type: ignore[union-attr]
    u = UNIT.match(ct.text, pos, stop)
    if u and not _VALUE.fullmatch(u.group(0)):
        pos = u.end()
    piped = "|" in ct.text[start:stop]
    out = []
    for m in _VALUE.finditer(ct.text, pos, stop):
        v = m.group(0)
        if v == "无":
            out.append(Piece("0", m.start(), m.end(), whole=True))
        elif v[0] in "—-/":
            out.append(Piece("", m.start(), m.start(), whole=True))
        else:
            out.append(Piece(v, m.start(), m.end(), whole=piped or "." in v or "," in v))
    return out


def _options(t: TableCells, found: list[Found]) -> dict[str, list[Reading]]:
    """Row -> every reading of its digits: the reader's, or (a row it could not cut) its numbers read afresh."""
    this = t.columns.index(THIS_YEAR)
    cum = t.columns.index(CUMULATIVE) if CUMULATIVE in t.columns else None
    out: dict[str, list[Reading]] = {}
    for rt in t.texts:
        key = rt.found.row.key
        got: list[Reading] = []
        for v in rt.variants:
            got += [r for r in readings(v, len(t.columns), this, cum, traceless_blanks=not rt.pinned)
                    if not rt.pinned or len(v) == len(t.columns)]
        if not got:
            got = readings(_pieces(t.ct, *_zone(t.ct, found, rt.found)), len(t.columns), this, cum)
        out[key] = list(dict.fromkeys(got))
    return out


def open_legacy(cleaned: Cleaned, results: dict[str, FieldResult], prose: list[Candidate], tid: str
                ) -> tuple[LegacyOpen | None, tuple[int, int] | None]:
    """The 统计表 when the rules left a row of it open (`prose`: the rules' candidates, the witnesses), and the
    original range of the table when the rules read it (no sentence of it is sent on its own)."""
    ctx = Context(cleaned)
    t = read(ctx, prose)
    if t is None or not ctx.table_regions:
        return None, None
    found = labels(t.ct, 0, len(t.ct.text))
    s, e = ctx.table_regions[0]
    if found:  # the table ends with its last row's numbers (the region runs on to the next 。)
        zs, ze = _zone(t.ct, found, found[-1])
        digits = [m.end() for m in re.finditer(r"\d", t.ct.text[zs:ze])]
        e = t.ct.view_span(zs + digits[-1] - 1, zs + digits[-1])[1] if digits else e
    e = min(e, s + TABLE_CHARS)
    text, (os_, oe) = ctx.body.evidence(s, e)
    present = {rt.found.row.key for rt in t.texts}
    options = _options(t, found)
    asked: list[RowUnit] = []
    for rt in t.texts:
        key = rt.found.row.key
        field = _row_field(key, present)
        if field is None or key in t.settled.chosen or settled_result(results.get(field)) or not options[key]:
            continue
        label = ctx.body.evidence(*t.ct.view_span(rt.found.start, rt.found.end))[0]
        asked.append(RowUnit(TABLE, key, label, tuple(_LABEL[c] for c in t.columns),
                             tuple(field if c == THIS_YEAR else None for c in t.columns)))
    region = (os_, oe) if t.settled.chosen else None  # a table the rules read nothing of is text like any other
    if not asked:
        return None, region
    return LegacyOpen(Chunk(tid, os_, oe, text, ctx.body.text[s:e]), asked, t, ctx.body, found, options,
                      row_witnesses(t.texts, witnesses(prose))), region


# ---- judging the readings


def _same(reading: Reading, numbers: list[Any]) -> bool:
    if len(reading) != len(numbers):
        return False
    for c, n in zip(reading, numbers, strict=True):
        if n is None or c.value is None:
            if n is not c.value:  # one null, the other not
                return False
            continue
        if isinstance(n, bool) or not isinstance(n, (int, float)) or float(c.value) != float(n):
            return False
    return True


def _values(r: Reading) -> tuple[Any, ...]:
    return tuple(c.value for c in r)


def _placed(t: LegacyOpen, u: RowUnit, span: tuple[int, int]) -> str:
    """Why a quote at `span` is not this row as the table prints it ('' when it is)."""
    f = next(rt.found for rt in t.cells.texts if rt.found.row.key == u.key)
    zs, ze = _zone(t.cells.ct, t.found, f)
    digits = [m.end() for m in re.finditer(r"\d", t.cells.ct.text[zs:ze])]
    ls, le = t.original_span(f.start, f.end)
    end = t.original_span(zs + digits[-1] - 1, zs + digits[-1])[1] if digits else le
    if not (span[0] <= ls and end <= span[1]):
        return "the quote does not hold this row's label and all its numbers"
    others = [t.original_span(x.start, x.end)[0] for x in t.found if x.start != f.start]
    if any(span[0] <= o < span[1] for o in others):
        return "the quote holds another row's label"
    return ""


def _in_original(t: LegacyOpen, r: Reading) -> tuple[CellValue, ...]:
    out = []
    for c in r:
        if c.start is None or c.end is None or c.end <= c.start:
            at = t.original_span(c.start, c.start + 1)[0] if c.start is not None and c.start < len(t.cells.ct.text) \
                else None
            out.append(CellValue(c.value, at, at))
        else:
            s, e = t.original_span(c.start, c.end)
            out.append(CellValue(c.value, s, e))
    return tuple(out)


def _base(t: LegacyOpen) -> dict[str, list[Reading]]:
    """Per row the readings the rules leave it: their reading when they settled it, else every reading left."""
    out: dict[str, list[Reading]] = {}
    for rt in t.cells.texts:
        key = rt.found.row.key
        s = t.cells.settled
        out[key] = [s.chosen[key]] if key in s.chosen else (s.ambiguous.get(key) or t.options.get(key, []))
    return out


def _read(t: LegacyOpen, original: str, answers: dict[str, Any], note: str) -> tuple[list[Candidate], list[str]]:
    refused: list[str] = []
    base = _base(t)
    got: dict[str, Reading] = {}
    units = {u.key: u for u in t.rows}
    for u in t.rows:
        ans = answers.get(attr(u))
        if ans is None or ans.numbers is None:
            continue
        span = quoted_span(original, ans.quote, t.chunk)
        why = "the quote is not in the table's text" if span is None else _placed(t, u, span)
        if not why:
            match = [r for r in t.options.get(u.key, []) if _same(r, list(ans.numbers))]
            if not match:
                why = "the numbers are not a reading of the row's digits in column order"
            elif not any(_same(r, list(ans.numbers)) for r in base[u.key]):
                why = "the table's arithmetic or the prose rule the reading out"
            else:
                got[u.key] = next(r for r in base[u.key] if _same(r, list(ans.numbers)))
        if why:
            refused.append(f"{TABLE} {u.key} ({why})")
    if not got:
        return [], refused
    alone = settle({k: v for k, v in base.items() if v}, t.cells.columns, t.witnesses)
    withm = settle({k: ([got[k]] if k in got else v) for k, v in base.items() if v}, t.cells.columns, t.witnesses)
    out: list[Candidate] = []
    for k, r in got.items():
        if withm.failed.get(k):
            refused.append(f"{TABLE} {k} (the reading breaks an identity with the other rows)")
            continue
        unique = k in alone.chosen and not alone.failed.get(k) and _values(alone.chosen[k]) == _values(r)
        j = Judged(units[k], _in_original(t, r), unique)
        amb = t.cells.settled.ambiguous.get(k, [])  # a cell all the rules' readings agree on is theirs
        known = {i: tuple(vals) for i in range(len(r)) if len(vals := {x[i].value for x in amb}) == 1}
        out += row_cells(original, j, known, note)
    return out, refused
