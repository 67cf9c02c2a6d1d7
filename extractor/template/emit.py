"""Candidates from the cells a template reader chose: a value with its evidence, or null and the readings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extractor.core.candidates import Candidate
from extractor.core.schema import alternative
from extractor.rules.common import Context
from extractor.template.cells import CellValue, RowSplit
from extractor.template.compact import Compact
from extractor.text.numbers import reparse

BLANK_CELL = "blank_cell"  # the reason on a null cell the table prints empty: read, and it states nothing
PathOf = Callable[[str, int, int], str | None]  # (row, cell index, cells in the row) -> field path or None


@dataclass
class TableRead:
    """Cells chosen for one table, plus the rows left ambiguous and how the values were read."""

    cells: dict[str, RowSplit]
    ambiguous: dict[str, list[RowSplit]]
    layout: str  # row | stream-row-major | stream-column-major | stream-mixed | none
    confidence: float
    unsettled: list[str] = field(default_factory=list)  # rows with too many readings to list

    def ncols(self) -> int:
        for cells in list(self.cells.values()) + [s[0] for s in self.ambiguous.values()]:
            return len(cells)
        return 7


def cell_candidate(ctx: Context, ct: Compact, path: str, cell: CellValue, conf: float, note: str,
                   kind_prefix_start: int | None = None) -> Candidate | None:
    if cell.value is None or cell.start is None or cell.end is None:
        return None
    s = kind_prefix_start if kind_prefix_start is not None else cell.start
    vs, ve = ct.view_span(s, cell.end)
    evidence, span = ctx.body.evidence(vs, ve)
    value = cell.value
    if path.endswith("_yuan"):  # the value is what the evidence states in yuan (万元 header included)
        parsed = reparse(evidence, "yuan")
        if parsed is None:
            return None
        value = parsed.value
    return Candidate(path=path, value=value, evidence=evidence, span=span, method="table", confidence=conf, note=note)


def ambiguous(ctx: Context, ct: Compact, path: str, options: list[CellValue], note: str) -> Candidate:
    alts = []
    for c in options:
        if c.value is None or c.start is None or c.end is None:
            continue
        vs, ve = ct.view_span(c.start, c.end)
        ev, span = ctx.body.evidence(vs, ve)
        alt = alternative(c.value, ev, span, "table", "rules")
        if alt not in alts:
            alts.append(alt)
    return Candidate(path=path, value=None, method="table", confidence=0.0, reasons=["ambiguous_split"],
                     note=note, alternatives=alts)


def unsettled(path: str, note: str) -> Candidate:
    """A cell whose run has too many readings to list: null, for review."""
    return Candidate(path=path, value=None, method="table", confidence=0.0, reasons=["ambiguous_split"],
                     note=f"{note}: too many readings of the run to list")


def emit(ctx: Context, ct: Compact, read: TableRead, path_of: PathOf, label: str) -> list[Candidate]:
    out: list[Candidate] = []
    for row, cells in read.cells.items():
        shown = "|".join("" if c.value is None else str(c.value) for c in cells)
        for i, cell in enumerate(cells):
            p = path_of(row, i, len(cells))
            if p:
                c = cell_candidate(ctx, ct, p, cell, read.confidence, f"{label} {row}: {shown} ({read.layout})")
                if c is None and cell.value is None and cell.start is not None:
                    c = Candidate(path=p, value=None, method="table", confidence=read.confidence, reasons=[BLANK_CELL],
                                  note=f"{label} {row}: a blank cell ({read.layout})")
                if c:
                    out.append(c)
    for row in read.unsettled:
        for i in range(read.ncols()):
            p = path_of(row, i, read.ncols())
            if p:
                out.append(unsettled(p, f"{label} {row}"))
    for row, splits in read.ambiguous.items():
        shown = " or ".join("|".join(str(c.value) for c in s) for s in splits[:6])
        ncells = len(splits[0])
        for i in range(ncells):
            p = path_of(row, i, ncells)
            if p and len({s[i].value for s in splits}) > 1:
                out.append(ambiguous(ctx, ct, p, [s[i] for s in splits], f"{label} {row}: {shown}"))
            elif p:  # the same value under every reading: not ambiguous
                c = cell_candidate(ctx, ct, p, splits[0][i], read.confidence - 0.1, f"{label} {row}: {shown}")
                if c:
                    out.append(c)
    return out
