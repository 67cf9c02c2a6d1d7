"""The old 政府信息公开情况统计表 (2008-2018): rows found by their wording, cells cut by the table's arithmetic,
then by the report's prose, never by guessing.

The table is declared in `template.legacy` (rows and their wordings, columns, arithmetic). `legacy_rows` finds the
header and the rows in the table's region and gives each row's numbers as pieces, in any layout (`|` cells, cells
separated by spaces, cells run together with no separator, blank cells, one or two number columns);
`template.legacy_cells` lists every reading of each row and keeps what the arithmetic and the witnesses allow. A
witness is a number the prose states for a row's field (主动公开政府信息3187条), read by the narrative rules outside
the table. A row left with more than one reading of its cell of the year is null, `ambiguous_split`, every reading
an alternative, for review; a row whose cells break the arithmetic is read and flagged (`identity_failed`).

`mark` claims the table's region first (the prose patterns skip it); `extract` reads it once the prose is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.core.candidates import Candidate
from extractor.core.result import CELLS_NOT_READ
from extractor.rules.common import Context
from extractor.rules.legacy_rows import Header, RowText, header, labels, pinned, rows
from extractor.template.cells import CellValue
from extractor.template.compact import Compact, compact
from extractor.template.emit import BLANK_CELL, ambiguous
from extractor.template.legacy import TABLE_START, THIS_YEAR, YUAN, LegacyRow
from extractor.template.legacy_cells import Reading, Settled, readings, settle
from extractor.text.numbers import reparse, values_equal

CONFIDENCE = {"read": 0.95, "arithmetic": 0.9, "witness": 0.85}
WITNESS_METHODS = ("sentence", "zero_statement")
UNREAD_ROW = "ambiguous_split"  # a row whose cells could not be read is reviewed like one with several readings


def find_region(ctx: Context) -> tuple[int, int] | None:
    text = ctx.body.text
    m = TABLE_START.search(text)
    if not m:
        return None
    stop = text.find("。", m.end())
    return m.start(), len(text) if stop < 0 else stop


def mark(ctx: Context) -> tuple[int, int] | None:
    """The table's region, claimed in `ctx.table_regions` (the prose patterns skip it)."""
    region = find_region(ctx)
    if region is not None and region not in ctx.table_regions:
        ctx.table_regions.append(region)
    return region


def witnesses(prose: list[Candidate]) -> dict[str, set[float]]:
    """field -> the exact numbers the prose states for it."""
    out: dict[str, set[float]] = {}
    for c in prose:
        if c.method in WITNESS_METHODS and isinstance(c.value, (int, float)) and not isinstance(c.value, bool) \
                and not c.approximate:
            out.setdefault(c.path, set()).add(float(c.value))
    return out


def _columns(head: Header | None, texts: list[RowText], layout: str) -> tuple[str, ...] | None:
    """The number columns: the header's; without one, a single column only where that is certain (`|` cells, or
    at most one number in every row of a table separated by spaces)."""
    if head is not None:
        return head.columns
    if layout == "pipes" or (layout == "spaces" and all(len(v) <= 1 for t in texts for v in t.variants)):
        return (THIS_YEAR,)
    return None  # run together with no header: one number column or two cannot be told apart


def _layout(ct: Compact, texts: list[RowText], is_pinned: bool) -> str:
    if is_pinned:
        return "pipes"
    spaced = any(ct.text[t.found.end:p.start][-1:].isspace() for t in texts for v in t.variants[:1] for p in v[:1])
    return "spaces" if spaced else "run_together"


def _multiplier(row: LegacyRow, unit: str | None) -> float:
    if not any(f.endswith("_yuan") for f in row.fields):
        return 1.0
    return float(YUAN.get(unit or row.unit, 1))


def _options(texts: list[RowText], columns: tuple[str, ...]) -> dict[str, list[Reading]]:
    this = columns.index(THIS_YEAR)
    cum = None if len(columns) == 1 else 1 - this
    out: dict[str, list[Reading]] = {}
    for t in texts:
        found: list[Reading] = []
        for v in t.variants:
            if t.pinned:
                if len(v) == len(columns):
                    found.append(tuple(CellValue(_value(p.text), p.start, p.end) for p in v))
            else:
                found += readings(v, len(columns), this, cum)
        out[t.found.row.key] = list(dict.fromkeys(found))
    return out


def _value(text: str) -> int | float | None:
    if not text:
        return None
    s = text.replace(",", "")
    return float(s) if "." in s else int(s)


def row_witnesses(texts: list[RowText], seen: dict[str, set[float]]) -> dict[str, set[float]]:
    """row -> the prose's numbers for its field, in the row's unit (only a row whose cell is that field: not a row
    joining two categories, not 电子邮件 when the table has a 网上 row too)."""
    present = {t.found.row.key for t in texts}
    out = {}
    for t in texts:
        row = t.found.row
        if len(row.fields) == 1 and row.fields[0] in seen and not any(y in present for y in row.yields_to):
            mult = _multiplier(row, t.unit)
            out[row.key] = {v / mult for v in seen[row.fields[0]]}
    return out


@dataclass(frozen=True)
class TableCells:
    """The 统计表 as read: its rows' texts, their readings settled, its number columns and layout."""

    ct: Compact
    texts: list[RowText]
    settled: Settled
    columns: tuple[str, ...]
    layout: str


def read(ctx: Context, prose: list[Candidate] | None = None) -> TableCells | None:
    """The 统计表's rows, every column (历年累计 too), settled by its arithmetic and the prose; None without one."""
    region = mark(ctx)
    if region is None:
        return None
    ct = compact(ctx.body.text, *region)
    found = labels(ct, 0, len(ct.text))
    if not found:
        return None
    head = header(ct, 0, found[0].start)
    is_pinned = pinned(ct, found[0].start, len(ct.text))
    texts = rows(ct, found, len(ct.text), head, is_pinned)
    layout = _layout(ct, texts, is_pinned)
    columns = _columns(head, texts, layout)
    if columns is None:
        return None
    options = _options(texts, columns)
    settled = settle(options, columns, row_witnesses(texts, witnesses(prose or [])))
    return TableCells(ct, texts, settled, columns, layout)


def extract(ctx: Context, prose: list[Candidate] | None = None) -> list[Candidate]:
    """Candidates from the 统计表 (`prose`: the narrative rules' candidates, the witnesses)."""
    t = read(ctx, prose)
    return [] if t is None else _emit(ctx, t.ct, t.texts, t.settled, t.columns, t.layout)


# ---- candidates


def _evidence(ctx: Context, ct: Compact, start: int, cell: CellValue, kind: str, value: float
              ) -> tuple[str, tuple[int, int]] | None:
    """The label through the cell (the cell alone when the label's own numbers get in the way)."""
    assert cell.start is not None and cell.end is not None
    for s in (start, cell.start):
        vs, ve = ct.view_span(s, cell.end)
        evidence, span = ctx.body.evidence(vs, ve)
        parsed = reparse(evidence, kind)
        if parsed is not None and values_equal(parsed.value, value):
            return evidence, span
    return None


def _value_candidates(ctx: Context, ct: Compact, t: RowText, cell: CellValue, conf: float, reasons: list[str],
                      note: str) -> list[Candidate]:
    row = t.found.row
    out: list[Candidate] = []
    if cell.value is None:
        if cell.start is not None:
            out += [Candidate(path=p, value=None, method="table", confidence=conf, reasons=[BLANK_CELL],
                              note=f"{note}: a blank cell") for p in row.fields]
        return out
    if row.combined and cell.value != 0:
        return out  # a row joining two categories says nothing about each unless it is 0
    mult = _multiplier(row, t.unit)
    for p in row.fields:
        kind = "yuan" if p.endswith("_yuan") else "int"
        value = cell.value * mult if kind == "yuan" else cell.value
        value = int(value) if float(value).is_integer() else value
        ev = _evidence(ctx, ct, t.found.start, cell, kind, value)
        if ev is None:
            continue
        why = list(reasons) + (["combined_row"] if row.combined else [])
        c_conf = conf if kind == "int" or t.unit else conf - 0.3  # money without its unit printed: review
        out.append(Candidate(path=p, value=value, evidence=ev[0], span=ev[1], method="table", confidence=c_conf,
                             reasons=why, note=note))
    return out


def _ambiguous(ctx: Context, ct: Compact, t: RowText, options: list[Reading], this: int, note: str
               ) -> list[Candidate]:
    row = t.found.row
    mult = _multiplier(row, t.unit)
    cells = [CellValue(rd[this].value * mult if rd[this].value is not None else None, rd[this].start, rd[this].end)
             for rd in options]
    if row.combined:
        cells = [c for c in cells if c.value == 0]
        if not cells:
            return []
    shown = " or ".join("|".join("" if c.value is None else str(c.value) for c in rd) for rd in options[:8])
    return [ambiguous(ctx, ct, p, cells, f"{note}: {shown}") for p in row.fields]


def _emit(ctx: Context, ct: Compact, texts: list[RowText], settled: Settled, columns: tuple[str, ...],
          layout: str) -> list[Candidate]:
    this = columns.index(THIS_YEAR)
    present = {t.found.row.key for t in texts}
    out: list[Candidate] = []
    for t in texts:
        row = t.found.row
        if not row.fields or any(y in present for y in row.yields_to):
            continue
        note = f"legacy table row {row.key} ({layout}, {len(columns)} number column{'s' * (len(columns) > 1)})"
        if row.key in settled.chosen:
            rd = settled.chosen[row.key]
            how = settled.how.get(row.key, "read")
            failed = settled.failed.get(row.key, [])
            reasons = (["identity_failed"] + [f"identity:{c}" for c in failed] if failed else []) \
                + (["settled_by_witness"] if how == "witness" else [])
            conf = CONFIDENCE[how] - (0.3 if failed else 0.0)
            shown = "|".join("" if c.value is None else str(c.value) for c in rd)
            out += _value_candidates(ctx, ct, t, rd[this], conf, reasons, f"{note}: {shown} ({how})")
        elif row.key in settled.ambiguous:
            opts = settled.ambiguous[row.key]
            if len({rd[this].value for rd in opts}) == 1:  # the readings differ only in the cumulative column
                out += _value_candidates(ctx, ct, t, opts[0][this], 0.85, [], f"{note}: cumulative ambiguous")
            else:
                out += _ambiguous(ctx, ct, t, opts, this, note)
        else:  # the row is there and its cells could not be read as the table's columns: for review, never a value
            out += [Candidate(path=p, value=None, method="table", confidence=0.0, reasons=[UNREAD_ROW, CELLS_NOT_READ],
                              note=f"{note}: its cells do not read as {len(columns)} number column(s)")
                    for p in row.fields]
    return out
