"""The national template's identities and summary fields on final values, from `spec`. Pure: no I/O.

Every identity instance the cells read can be checked on (`Grid.instances`: row sums in every row read, column
sums over the rows read, in every column) is evaluated after the merge. A failure flags each cell involved with
`identity_failed` and `identity:<name>:<row or column>` and lowers its confidence: the source is reported, never
corrected. Then the summary fields (`spec.SUMMARIES`): a copy of one cell keeps its evidence; a sum of cells is
`derived`. The table's value wins over a sentence that states the same field; a sentence that disagrees is kept
as an alternative.

Works on any result with `FieldResult`'s attributes; `make` builds a new one (reconcile passes `FieldResult`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Protocol, TypeVar

from extractor.core.schema import alternative
from extractor.template.emit import BLANK_CELL
from extractor.template.grid import Grid, Instance
from extractor.template.spec import APPEALS, REQUESTS, SUMMARIES
from extractor.text.numbers import values_equal

GRIDS: dict[str, Grid] = {g.key: g for g in (REQUESTS, APPEALS)}


class Result(Protocol):
    path: str
    value: Any
    evidence: str | None
    span: tuple[int, int] | None
    approximate: bool
    confidence: float
    status: str
    reasons: list[str]
    method: str | None
    alternatives: list[dict[str, Any]]


R = TypeVar("R", bound=Result)


def present_rows(results: dict[str, R], grid: Grid) -> list[str]:
    """The rows of `grid` the results have a cell of."""
    return [r for r in grid.row_keys() if any(grid.path(r, c) in results for c in grid.field_columns())]


def instances(results: dict[str, R], grid: Grid) -> list[Instance]:
    """The identity instances the cells in `results` can be checked on, in the order they are checked."""
    return grid.instances(present_rows(results, grid), grid.field_columns())


# what the checks evaluate: every identity whose cells are fields
IDENTITIES = {(i.grid, i.identity.name) for g in GRIDS.values() for i in g.instances(g.row_keys(), g.field_columns())}


def _blank(results: dict[str, R], path: str) -> bool:
    r = results.get(path)
    return r is not None and r.value is None and BLANK_CELL in r.reasons


def _num(results: dict[str, R], path: str) -> float | None:
    r = results.get(path)
    if r is None or not isinstance(r.value, (int, float)) or isinstance(r.value, bool):
        return None
    return float(r.value)


def check_identity(results: dict[str, R], grid: Grid, inst: Instance) -> None:
    """Flag the cells of a broken identity (never correct them); a holding one raises their confidence a little."""
    cells = inst.cells()
    paths = [grid.path(*k) for k in cells]
    path_of = dict(zip(cells, paths, strict=True))
    sums = inst.sums(lambda k: _num(results, path_of[k]))
    if sums is None:
        return  # a missing or unsettled cell: the identity cannot be checked
    if inst.holds(sums):
        for p in paths:
            results[p].confidence = min(1.0, results[p].confidence + 0.02)
        return
    for p in paths:
        r = results[p]
        for reason in ("identity_failed", f"identity:{inst.code}"):
            if reason not in r.reasons:
                r.reasons.append(reason)
        r.confidence = max(0.0, r.confidence - 0.3)


def check_standard_table(results: dict[str, R], make: Callable[..., R], failures: Collection[str]) -> None:
    """Every identity of the template, then the summary fields derived from the cells (`failures`: the reasons
    that mark a failed check, carried from the cells into a sum)."""
    present = {}
    for grid in GRIDS.values():
        present[grid.key] = present_rows(results, grid)
        for inst in instances(results, grid):
            check_identity(results, grid, inst)
    derive_summaries(results, present, make, failures)


def derive_summaries(results: dict[str, R], present: dict[str, list[str]], make: Callable[..., R],
                     failures: Collection[str]) -> None:
    for s in SUMMARIES:
        grid = GRIDS[s.grid]
        if s.version is not None and grid.version_of(present[s.grid]) != s.version:
            continue
        paths = [grid.path(*k) for k in s.cells]
        if s.copy:
            src = results.get(paths[0])
            if src is None or src.value is None:
                continue
            reasons = [x for x in src.reasons if x != "identity_ok"] + [f"cell:{paths[0][len('standard_table.'):]}"]
            d = make(s.field, src.value, src.evidence, src.span, src.approximate, src.confidence, src.status,
                     reasons, src.method)
        else:
            vals = [_num(results, p) for p in paths]
            blank = [p for p, v in zip(paths, vals, strict=True) if v is None and _blank(results, p)]
            # a blank cell among numbers carries nothing (the table's 总计 counts it as 0); all blank: null
            if any(v is None and p not in blank for p, v in zip(paths, vals, strict=True)) or len(blank) == len(paths):
                continue
            read = [p for p in paths if p not in blank]
            conf = min(results[p].confidence for p in read) - (0.05 if blank else 0.0)
            bad = sorted({x for p in read for x in results[p].reasons if x in failures or x.startswith("identity:")})
            why = [f"sum_of:{len(read)}_cells"] + ([f"blank_as_zero:{len(blank)}_cells"] if blank else [])
            d = make(s.field, int(sum(v for v in vals if v is not None)), None, None, False, min(conf, 0.95),
                     "derived", why + bad, "derived")
        set_summary(results, s.field, d)


def set_summary(results: dict[str, R], target: str, derived: R) -> None:
    """The table's value wins over a sentence; a sentence that disagrees is kept as an alternative."""
    old = results.get(target)
    if old is not None and old.value is not None:
        if values_equal(old.value, derived.value):
            derived.confidence = min(1.0, max(derived.confidence, old.confidence) + 0.03)
        else:
            derived.reasons.append("source_disagrees")
            derived.confidence = max(0.0, derived.confidence - 0.25)
            backend = "model" if old.method == "model" else "rules"
            derived.alternatives.append(alternative(old.value, old.evidence, old.span, old.method, backend, old.status,
                                                    old.reasons))
    results[target] = derived
