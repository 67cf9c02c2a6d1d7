"""The national template's identities are declared once (`template.spec`): the reader, the checks on final values
and the generator evaluate the same set, a generated table satisfies all of them, and a table with one cell
changed fails exactly the identities that cell takes part in, in the reader and in the checks alike."""

from __future__ import annotations

import random

import pytest

from extractor.core.catalogue import catalogue
from extractor.core.result import CHECK_FAILURES, FieldResult
from extractor.ingest.read import load
from extractor.pipeline import process
from extractor.template import checks, read, synth
from extractor.template.cells import CellValue
from extractor.template.spec import APPEALS, NATIONAL, REQUESTS

GRIDS = (REQUESTS, APPEALS)


def test_reader_checks_and_generator_use_the_spec_identities():
    declared = NATIONAL.identities()
    assert declared == {("requests", "row_sum"), ("requests", "org_subtotal"), ("requests", "outcomes_sum_to_handled_total"),
                        ("requests", "new_plus_carried_in"), ("appeals", "row_sum")}
    assert read.IDENTITIES == declared
    assert synth.IDENTITIES == declared
    # the 小计 column is no field: its sum is checked while reading only
    assert checks.IDENTITIES == NATIONAL.identities(fields_only=True) == declared - {("requests", "org_subtotal")}


def test_the_catalogue_cells_are_the_spec_cells():
    cells = [p for p in catalogue() if p.startswith("standard_table.")]
    assert cells == [g.path(r, c) for g in GRIDS for r in g.row_keys() for c in g.field_columns()]
    assert len(REQUESTS.rows("2019")) == 23 and len(REQUESTS.rows("2021")) == 25
    assert len(REQUESTS.field_columns()) == 7 and len(REQUESTS.layout(8)) == 8
    assert len(APPEALS.row_keys()) * len(APPEALS.field_columns()) == 15


def _values(t: synth.Tables) -> dict[tuple[str, str, str], int]:
    out = {}
    for grid, table in ((REQUESTS, t.requests), (APPEALS, t.appeals)):
        for r, vals in table.items():
            for c, v in zip(grid.field_columns(), vals, strict=True):
                out[grid.key, r, c] = v
    return out


def _grid_table(values: dict[tuple[str, str, str], int], grid) -> dict[str, tuple[CellValue, ...]]:
    rows = [r for r in grid.row_keys() if (grid.key, r, grid.field_columns()[0]) in values]
    return {r: tuple(CellValue(values[grid.key, r, c], None, None) for c in grid.field_columns()) for r in rows}


def _reader_failures(values) -> set[str]:
    return set().union(*(read.identity_failures(g, _grid_table(values, g)) for g in GRIDS))


def _checked(values) -> dict[str, FieldResult]:
    results = {}
    for (g, r, c), v in values.items():
        p = (REQUESTS if g == "requests" else APPEALS).path(r, c)
        results[p] = FieldResult(p, v, str(v), (0, 1), False, 0.9, "verified", [], "table")
    checks.check_standard_table(results, FieldResult, CHECK_FAILURES)
    return results


def _check_failures(results: dict[str, FieldResult]) -> set[str]:
    return {x[len("identity:"):] for p, r in results.items() if p.startswith("standard_table.")
            for x in r.reasons if x.startswith("identity:")}


def _expected(values, changed: tuple[str, str, str]) -> tuple[set[str], set[str]]:
    """(codes, cell paths) of the spec instances the changed cell takes part in."""
    codes, cells = set(), set()
    for grid in GRIDS:
        rows = {r for g, r, _c in values if g == grid.key}
        for inst in grid.instances(rows, grid.field_columns()):
            if grid.key == changed[0] and changed[1:] in inst.cells():
                codes.add(inst.code)
                cells |= {grid.path(*k) for k in inst.cells()}
    return codes, cells


@pytest.mark.parametrize("seed,version", [(1, "2021"), (2, "2019"), (3, "2021")])
def test_a_generated_table_passes_every_identity(seed, version):
    t = synth.random_tables(random.Random(seed), version, density=0.6)
    values = _values(t)
    for grid in GRIDS:
        rows = {r for g, r, _c in values if g == grid.key}
        for inst in grid.instances(rows, grid.field_columns()):
            sums = inst.sums(lambda k, g=grid: values[g.key, *k])
            assert sums is not None and inst.holds(sums), inst.code
    assert _reader_failures(values) == set()
    results = _checked(values)
    assert _check_failures(results) == set()
    assert not any("identity_failed" in r.reasons for r in results.values())
    # the 小计 column the generator can add satisfies its own identity, as the reader evaluates it
    eight = {r: tuple(CellValue(v, None, None) for v in synth._values(t, r, True)) for r in t.requests}
    assert read.identity_failures(REQUESTS, eight) == set()


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_one_changed_cell_fails_exactly_its_identities(version):
    t = synth.random_tables(random.Random(7), version, density=0.5)
    base = _values(t)
    for cell in base:
        values = dict(base)
        values[cell] += 1
        codes, cells = _expected(values, cell)
        assert codes, cell  # every cell takes part in some identity
        assert _reader_failures(values) == codes, cell
        results = _checked(values)
        assert _check_failures(results) == codes, cell
        flagged = {p for p, r in results.items() if p.startswith("standard_table.") and "identity_failed" in r.reasons}
        assert flagged == cells, cell


def test_a_changed_subtotal_fails_its_identities_in_the_reader():
    t = synth.random_tables(random.Random(4), "2021", density=0.5)
    eight = {r: [CellValue(v, None, None) for v in synth._values(t, r, True)] for r in t.requests}
    eight["disclosed"][6] = CellValue((eight["disclosed"][6].value or 0) + 1, None, None)
    want = {i.code for i in REQUESTS.instances(t.requests, REQUESTS.layout(8)) if ("disclosed", "subtotal") in i.cells()}
    assert want == {"org_subtotal:disclosed", "outcomes_sum_to_handled_total:subtotal"}
    assert read.identity_failures(REQUESTS, {r: tuple(v) for r, v in eight.items()}) == want


def test_a_partial_other_block_is_checked_as_the_reader_checks_it():
    # a 2021 table whose 2.申请人逾期未按收费通知… row was not read: the outcome rows read no longer add up where
    # that row is not zero, and both the reader and the checks say so; 其他处理 as a whole is not summed
    t = synth.random_tables(random.Random(11), "2021", density=0.8)
    new = [5, 0, 0, 0, 0, 0, 5]
    for c, (was, now) in enumerate(zip(t.requests["other_no_fee"], new, strict=True)):
        t.requests["handled_total"][c] += now - was
        t.requests["new_received"][c] += now - was
    t.requests["other_no_fee"] = new
    values = {k: v for k, v in _values(t).items() if k[:2] != ("requests", "other_no_fee")}
    want = {"outcomes_sum_to_handled_total:natural_person", "outcomes_sum_to_handled_total:total"}
    assert _reader_failures(values) == want
    results = _checked(values)
    assert _check_failures(results) == want
    assert "requests.other_handling" not in results and "requests.denied" in results


def test_summary_fields_come_from_the_spec_cells():
    t = synth.random_tables(random.Random(9), "2019", density=0.8)
    results = _checked(_values(t))
    assert results["requests.received"].value == t.requests["new_received"][6]
    assert results["requests.received"].reasons == ["cell:requests.new_received.total"]
    assert results["requests.other_handling"].value == t.requests["other_other"][6]  # the 2019 row
    assert results["requests.other_handling"].status == "derived"
    assert results["requests.from_organizations"].value == sum(t.requests["new_received"][1:6])
    assert results["appeals.litigation_total"].value == t.appeals["litigation_direct"][4] + \
        t.appeals["litigation_after_reconsideration"][4]


@pytest.mark.parametrize("layout", [x for x in synth.LAYOUTS if x != "pdf_columns"])
def test_tables_with_a_subtotal_column_parse_back_or_say_ambiguous(rules_backend, tmp_path, layout):
    for seed in range(4):
        rng = random.Random(seed)
        t = synth.random_tables(rng, rng.choice(["2019", "2021"]), density=rng.choice([0.05, 0.3, 0.8]))
        text, suffix = synth.render_report(t, layout, subtotal=True)
        path = tmp_path / f"r{seed}{suffix}"
        path.write_text(text, encoding="utf-8")
        r = process(load(str(path)), rules_backend)
        for p, v in t.cells().items():
            f = r.fields[p]
            if f.value is None:
                assert layout == "run_together" and f.status == "ambiguous" and f.needs_review(), (p, f.status)
            else:
                assert f.value == v, (layout, p, v, f.value)
