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
    return [r for r, paths in grid.row_paths() if any(p in results for p in paths)]


# what the checks evaluate: every identity whose cells are fields
IDENTITIES = {(i.grid, i.identity.name) for g in GRIDS.values() for i in g.instances(g.row_keys(), g.field_columns())}


def check_identity(results: dict[str, R], inst: Instance, paths: tuple[str, ...]) -> None:
    """Flag the cells of a broken identity (never correct them); a holding one raises their confidence a little.
    `paths`: the paths of `inst.cells()` (`Grid.field_checks`)."""
    nums = []
    for p in paths:  # each cell's number (an int or float, not a bool): the checks' inner loop
        r = results.get(p)
        if r is None:
            return  # a missing or unsettled cell: the identity cannot be checked
        v = r.value
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return
        nums.append(float(v))
    n = len(inst.lhs)
    if inst.holds((sum(nums[:n]), sum(nums[n:]))):
        for p in paths:
            r = results[p]
            c = r.confidence + 0.02
            r.confidence = c if c < 1.0 else 1.0  # min(1.0, c), without the call
        return
    code = f"identity:{inst.code}"
    for p in paths:
        r = results[p]
        for reason in ("identity_failed", code):
            if reason not in r.reasons:
                r.reasons.append(reason)
        c = r.confidence - 0.3
        r.confidence = c if c > 0.0 else 0.0  # max(0.0, c)


def check_standard_table(results: dict[str, R], make: Callable[..., R], failures: Collection[str]) -> None:
    """Every identity of the template, then the summary fields derived from the cells (`failures`: the reasons
    that mark a failed check, carried from the cells into a sum)."""
    present = {}
    for grid in GRIDS.values():
        rows = present[grid.key] = present_rows(results, grid)
        for inst, paths in grid.field_checks(tuple(rows)):
            check_identity(results, inst, paths)
    derive_summaries(results, present, make, failures)


# each summary with its grid and the paths of its cells (fixed by the spec)
_SUMMARIES = [(s, GRIDS[s.grid], tuple(GRIDS[s.grid].path(*k) for k in s.cells)) for s in SUMMARIES]


def derive_summaries(results: dict[str, R], present: dict[str, list[str]], make: Callable[..., R],
                     failures: Collection[str]) -> None:
    versions: dict[str, str] = {}
    for s, grid, paths in _SUMMARIES:
        if s.version is not None:
            if s.grid not in versions:
                versions[s.grid] = grid.version_of(present[s.grid])
            if versions[s.grid] != s.version:
                continue
        if s.copy:
            src = results.get(paths[0])
            if src is None or src.value is None:
                continue
            reasons = [x for x in src.reasons if x != "identity_ok"] + [f"cell:{paths[0][len('standard_table.'):]}"]
            d = make(s.field, src.value, src.evidence, src.span, src.approximate, src.confidence, src.status,
                     reasons, src.method)
        else:
            summed = _sum(results, s.field, paths, make, failures)
            if summed is None:
                continue
            d = summed
        set_summary(results, s.field, d)


def _sum(results: dict[str, R], field: str, paths: tuple[str, ...], make: Callable[..., R],
         failures: Collection[str]) -> R | None:
    """The sum of the cells at `paths`, when each is a number or blank: a blank cell among numbers carries nothing
    (the table's 总计 counts it as 0); any other cell (missing, unsettled): no sum; all blank: null (None)."""
    read: list[R] = []
    nums: list[float] = []
    blank = 0
    for p in paths:
        r = results.get(p)
        if r is not None and isinstance(r.value, (int, float)) and not isinstance(r.value, bool):
            read.append(r)
            nums.append(float(r.value))
        elif r is not None and r.value is None and BLANK_CELL in r.reasons:
            blank += 1
        else:
            return None
    if not read:
        return None
    conf = min(r.confidence for r in read) - (0.05 if blank else 0.0)
    bad = sorted({x for r in read for x in r.reasons if x in failures or x.startswith("identity:")})
    why = [f"sum_of:{len(read)}_cells"] + ([f"blank_as_zero:{blank}_cells"] if blank else [])
    return make(field, int(sum(nums)), None, None, False, min(conf, 0.95), "derived", why + bad, "derived")


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
