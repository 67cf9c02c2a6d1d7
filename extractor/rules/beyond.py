"""The table cells that are no field, read again for the checks across reports: the old 统计表's 历年累计 column
(and its 本年度 column, row by row) and the 2019 table 二's 上一年项目数量 and 本年增/减.

The run database keeps fields only; these cells tie one year to the next (历年累计 of N + 本年度 of N+1 = 历年累计
of N+1), so `extractor check` reads them from the report again, with the same readers the rules use. Only a row
read one way is given (a row left ambiguous, or whose cells break the table's arithmetic, gives nothing), each
cell with its evidence at its span in the original, as `reconcile.across` names it: `legacy.<row>.<column>`,
`table2.<row>.previous` / `.change`. The year's cell of a 统计表 row that is a field names that field too.
"""

from __future__ import annotations

from functools import lru_cache

from extractor.reconcile.across import Cell, legacy_path, table2_path
from extractor.rules import legacy_table, narrative
from extractor.rules.common import Context
from extractor.template.cells import CellValue
from extractor.template.compact import Compact, compact
from extractor.template.legacy import BY_KEY, THIS_YEAR
from extractor.template.read import template_version
from extractor.template.read_table2 import table2_cells
from extractor.template.spec import TABLE2, TABLE3_HEAD
from extractor.text.clean import clean
from extractor.text.numbers import reparse, values_equal

Cells = dict[str, tuple[Cell, str | None]]  # identity path -> (cell, the field it is, if any)
CONFIDENCE = 0.85
_CELLS_2019 = {0: "previous", 1: "change"}


def _cell(ctx: Context, ct: Compact, c: CellValue) -> Cell | None:
    """A cell with its evidence at its span in the original; None when its evidence does not re-parse to it."""
    if c.value is None or c.start is None or c.end is None:
        return None
    vs, ve = ct.view_span(c.start, c.end)
    evidence, span = ctx.body.evidence(vs, ve)
    parsed = reparse(evidence, "int")
    if parsed is None or not values_equal(parsed.value, c.value):
        return None
    return Cell(c.value, "verified", CONFIDENCE, evidence, span)


def _legacy(ctx: Context) -> Cells:
    legacy_table.mark(ctx)
    t = legacy_table.read(ctx, narrative.extract(ctx))
    if t is None:
        return {}
    present = {x.found.row.key for x in t.texts}
    out: Cells = {}
    for key, reading in t.settled.chosen.items():
        if t.settled.failed.get(key):
            continue
        row = BY_KEY[key]
        for col, c in zip(t.columns, reading, strict=False):
            cell = _cell(ctx, t.ct, c)
            if cell is None:
                continue
            field = row.fields[0] if (col == THIS_YEAR and len(row.fields) == 1
                                      and not any(y in present for y in row.yields_to)) else None
            out[legacy_path(key, col)] = (cell, field)
    return out


def _table2(ctx: Context) -> Cells:
    text = ctx.body.text
    version = template_version(text)
    if version != "2019":
        return {}
    ct = compact(text)
    m = TABLE3_HEAD.search(ct.text)
    out: Cells = {}
    rows = {r.key: r for r in TABLE2["2019"]}
    for key, split in table2_cells(ctx, ct, version, m.start() if m else len(ct.text)).items():
        if not rows[key].negative_cols:
            continue
        for i, name in _CELLS_2019.items():
            cell = _cell(ctx, ct, split[i]) if i < len(split) else None
            if cell is not None:
                out[table2_path(key, name)] = (cell, None)
    return out


def cells_of(original: str) -> Cells:
    """The cells that are no field, of one report's original text."""
    ctx = Context(clean(original))
    return {**_legacy(ctx), **_table2(ctx)}


@lru_cache(maxsize=256)
def cells_at(path: str) -> Cells:
    """`cells_of` the report at `path` (read again); nothing when it is gone or unreadable."""
    from extractor.ingest import load

    try:
        return cells_of(load(path).original)
    except Exception:  # noqa: BLE001 - a report moved or unreadable: the checks go on with its stored fields
        return {}
