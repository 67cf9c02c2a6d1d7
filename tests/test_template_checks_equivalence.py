"""The checks on final values (`template.checks.check_standard_table`, which keeps each identity's paths on the grid
and reads the cells inline) give exactly the results of the straightforward version they replaced, kept below as
it was: the same flags and reasons in the same order, the same confidences, the same summary fields. Compared on
generated tables with cells missing, wrong sums, blanks, unsettled and non-numeric cells and sentences that agree
or disagree with the table, and on the bundled reports."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Collection
from typing import Any

import pytest

from extractor.core.result import CHECK_FAILURES, FieldResult
from extractor.ingest.read import load
from extractor.pipeline import process
from extractor.reconcile import checks as reconcile_checks
from extractor.template import checks, synth
from extractor.template.emit import BLANK_CELL
from extractor.template.grid import Grid, Instance
from extractor.template.spec import SUMMARIES

from .conftest import report_files

# ---- the reference: check_standard_table as it was before the paths were kept on the grid ----


def _old_present_rows(results: dict[str, Any], grid: Grid) -> list[str]:
    return [r for r in grid.row_keys() if any(grid.path(r, c) in results for c in grid.field_columns())]


def _old_blank(results: dict[str, Any], path: str) -> bool:
    r = results.get(path)
    return r is not None and r.value is None and BLANK_CELL in r.reasons


def _old_num(results: dict[str, Any], path: str) -> float | None:
    r = results.get(path)
    if r is None or not isinstance(r.value, (int, float)) or isinstance(r.value, bool):
        return None
    return float(r.value)


def _old_check_identity(results: dict[str, Any], grid: Grid, inst: Instance) -> None:
    cells = inst.cells()
    paths = [grid.path(*k) for k in cells]
    path_of = dict(zip(cells, paths, strict=True))
    sums = inst.sums(lambda k: _old_num(results, path_of[k]))
    if sums is None:
        return
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


def _old_derive_summaries(results: dict[str, Any], present: dict[str, list[str]], make: Callable[..., Any],
                          failures: Collection[str]) -> None:
    for s in SUMMARIES:
        grid = checks.GRIDS[s.grid]
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
            vals = [_old_num(results, p) for p in paths]
            blank = [p for p, v in zip(paths, vals, strict=True) if v is None and _old_blank(results, p)]
            if any(v is None and p not in blank for p, v in zip(paths, vals, strict=True)) or len(blank) == len(paths):
                continue
            read = [p for p in paths if p not in blank]
            conf = min(results[p].confidence for p in read) - (0.05 if blank else 0.0)
            bad = sorted({x for p in read for x in results[p].reasons if x in failures or x.startswith("identity:")})
            why = [f"sum_of:{len(read)}_cells"] + ([f"blank_as_zero:{len(blank)}_cells"] if blank else [])
            d = make(s.field, int(sum(v for v in vals if v is not None)), None, None, False, min(conf, 0.95),
                     "derived", why + bad, "derived")
        checks.set_summary(results, s.field, d)


def _old_check_standard_table(results: dict[str, Any], make: Callable[..., Any], failures: Collection[str]) -> None:
    present = {}
    for grid in checks.GRIDS.values():
        present[grid.key] = _old_present_rows(results, grid)
        for inst in grid.instances(present[grid.key], grid.field_columns()):
            _old_check_identity(results, grid, inst)
    _old_derive_summaries(results, present, make, failures)


# ---- generated variants ----

REASONS = ["sum_mismatch", "identity_ok", "identity:row_sum:disclosed", "ocr", "multiple_candidates", "table"]


def _cell(rng: random.Random, path: str, v: int) -> FieldResult | None:
    """A cell of a table whose identities hold, corrupted now and then."""
    conf = rng.choice([0.0, 0.1, 0.29, 0.5, 0.9, 0.97, 0.99, 1.0])
    reasons = rng.sample(REASONS, rng.choice([0, 0, 0, 1, 2]))
    x = rng.random()
    if x < 0.06:
        return None  # missing
    value: Any = v
    if x < 0.16:
        value = v + rng.choice([-3, -1, 1, 2, 100])  # a wrong sum
    elif x < 0.22:
        value, reasons = None, reasons + [BLANK_CELL]  # printed blank
    elif x < 0.25:
        value = None  # unsettled
    elif x < 0.27:
        value = rng.choice([True, False, "12", v + 0.5, float(v)])
    return FieldResult(path, value, None if value is None else str(value), (0, 1), rng.random() < 0.1, conf,
                       rng.choice(["verified", "verified", "unverified"]), reasons, "table")


def _variant(rng: random.Random) -> dict[str, FieldResult]:
    t = synth.random_tables(rng, rng.choice(["2019", "2021"]), density=rng.choice([0.0, 0.3, 0.9]))
    results: dict[str, FieldResult] = {}
    for grid, table in ((checks.GRIDS["requests"], t.requests), (checks.GRIDS["appeals"], t.appeals)):
        for row, vals in table.items():
            if rng.random() < 0.1:
                continue  # a row the report does not print
            for c, v in zip(grid.field_columns(), vals, strict=True):
                if (cell := _cell(rng, grid.path(row, c), v)) is not None:
                    results[cell.path] = cell
    for s in SUMMARIES:  # a sentence stating the field: agreeing, disagreeing, or null
        if rng.random() < 0.3:
            grid = checks.GRIDS[s.grid]
            cell = results.get(grid.path(*s.cells[0]))
            value = rng.choice([cell.value if cell else 0, 7, None])
            results[s.field] = FieldResult(s.field, value, "x", (2, 3), False, rng.random(), "verified",
                                           rng.sample(REASONS, 1), rng.choice(["sentence", "model"]))
    return dict(sorted(results.items(), key=lambda kv: rng.random()))  # in any order


def _state(results: dict[str, FieldResult]) -> list[tuple[str, str]]:
    return [(k, repr(vars(v))) for k, v in results.items()]


def _compare(results: dict[str, FieldResult]) -> tuple[dict[str, FieldResult], dict[str, FieldResult]]:
    old, new = copy.deepcopy(results), copy.deepcopy(results)
    _old_check_standard_table(old, FieldResult, CHECK_FAILURES)
    checks.check_standard_table(new, FieldResult, CHECK_FAILURES)
    assert _state(new) == _state(old)
    return old, new


@pytest.mark.parametrize("seed", range(4))
def test_the_checks_match_the_straightforward_version_on_corrupted_tables(seed: int) -> None:
    rng = random.Random(seed)
    seen: dict[str, int] = dict.fromkeys(("held", "failed", "blank_as_zero", "disagrees", "copied"), 0)
    for _ in range(150):
        _, new = _compare(_variant(rng))
        reasons = [x for r in new.values() for x in r.reasons]
        seen["failed"] += reasons.count("identity_failed")
        seen["blank_as_zero"] += sum(x.startswith("blank_as_zero:") for x in reasons)
        seen["disagrees"] += reasons.count("source_disagrees")
        seen["copied"] += sum(x.startswith("cell:") for x in reasons)
        seen["held"] += sum(r.path.startswith("standard_table.") and not r.reasons and r.confidence > 0.9
                            for r in new.values())
    # the variants went through every branch: identities held and broken, sums over blanks, sentences overruled
    assert all(n > 0 for n in seen.values()), seen


def test_the_checks_match_the_straightforward_version_on_whole_tables() -> None:
    rng = random.Random(7)
    for version in ("2019", "2021"):
        t = synth.random_tables(rng, version, density=0.9)
        results = {}
        for grid, table in ((checks.GRIDS["requests"], t.requests), (checks.GRIDS["appeals"], t.appeals)):
            for row, vals in table.items():
                for c, v in zip(grid.field_columns(), vals, strict=True):
                    p = grid.path(row, c)
                    results[p] = FieldResult(p, v, str(v), (0, 1), False, 0.9, "verified", [], "table")
        _, new = _compare(results)
        assert not any("identity_failed" in r.reasons for r in new.values())


def test_the_checks_match_the_straightforward_version_on_the_bundled_reports(monkeypatch, rules_backend) -> None:
    compared = []

    def both(results: dict[str, FieldResult], make: Callable[..., FieldResult], failures: Collection[str]) -> None:
        old = copy.deepcopy(results)
        _old_check_standard_table(old, make, failures)
        checks.check_standard_table(results, make, failures)
        assert _state(results) == _state(old)
        compared.append(len(results))

    monkeypatch.setattr(reconcile_checks, "check_standard_table", both)
    for p in report_files("seed", "dev"):
        process(load(p), rules_backend)
    assert len(compared) >= len(report_files("seed", "dev"))
