"""The national template's tables: cutting run-together cells, layouts, identities, and the dev reports."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.evaluation.evaluate import run_eval
from extractor.ingest.read import from_text, load
from extractor.pipeline import process
from extractor.template.cells import Identity, TooManySplits, resolve, split_row, tokenize
from extractor.template.read import template_version
from extractor.template.synth import LAYOUTS, random_tables, render_report

from .conftest import GOLD

ROW = [(6, (0, 1, 2, 3, 4, 5))]
APPEALS = [(4, (0, 1, 2, 3)), (9, (5, 6, 7, 8)), (14, (10, 11, 12, 13))]


def values(splits):
    return [tuple(c.value for c in s) for s in splits]


# ---- cutting a row


def test_run_together_row_has_one_reading():
    assert values(split_row(tokenize("640020470"), 7, ROW)) == [(64, 0, 0, 2, 0, 4, 70)]


def test_partial_spaces_are_cell_boundaries():
    assert values(split_row(tokenize("230 000023"), 7, ROW)) == [(23, 0, 0, 0, 0, 0, 23)]
    assert values(split_row(tokenize("23 0 00 0 023"), 7, ROW)) == [(23, 0, 0, 0, 0, 0, 23)]


def test_row_sum_alone_can_leave_two_readings():
    assert values(split_row(tokenize("270020130"), 7, ROW)) == [(2, 7, 0, 0, 20, 1, 30), (27, 0, 0, 2, 0, 1, 30)]


def test_appeals_run_of_fifteen():
    assert values(split_row(tokenize("10203120001200000"), 15, APPEALS)) == [
        (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)]


def test_no_leading_zeros_and_minus_starts_a_cell():
    assert values(split_row(tokenize("000"), 3)) == [(0, 0, 0)]
    readings = values(split_row(tokenize("2648-18538"), 3, negative_cols=frozenset({1})))
    assert all(r[0] == 2648 and r[1] < 0 for r in readings) and len(readings) == 4


def test_pipes_keep_blank_cells_as_null():
    (reading,) = split_row(tokenize("| 7 |  | 0 | 0 | 0 | 0 | 7 |"), 7, ROW)
    assert [c.value for c in reading] == [7, None, 0, 0, 0, 0, 7]


def test_too_many_readings_is_an_error_not_a_partial_list():
    with pytest.raises(TooManySplits):
        split_row(tokenize("1" * 40), 7, [], max_solutions=64)


def test_column_identity_settles_what_row_sums_cannot():
    rows = {
        "a": split_row(tokenize("270020130"), 7, ROW),  # 27|0|0|2|0|1|30 or 2|7|0|0|20|1|30
        "b": split_row(tokenize("1000001"), 7, ROW),
        "t": split_row(tokenize("280020131"), 7, ROW),  # 28|0|0|2|0|1|31 (one reading)
    }
    res = resolve(rows, [Identity("sum", ("a", "b"), ("t",), tuple(range(7)))])
    assert values([res.chosen["a"]]) == [(27, 0, 0, 2, 0, 1, 30)] and not res.ambiguous


def test_resolve_keeps_ambiguity_when_identities_cannot_decide():
    rows = {"a": split_row(tokenize("270020130"), 7, ROW)}
    res = resolve(rows, [])
    assert "a" in res.ambiguous and "a" not in res.chosen


def test_template_version_from_wording():
    assert template_version("本年制发件数本年废止件数现行有效件数") == "2021"
    assert template_version("本年新制作数量本年新公开数量对外公开总数量") == "2019"
    assert template_version("一、总体情况") is None


# ---- dev reports with standard tables


@pytest.fixture(scope="module")
def dev_scores(rules_backend):
    evaluated = run_eval([os.path.join(GOLD, "dev")], rules_backend)
    summary, results = evaluated.summary, evaluated.results
    return summary, {os.path.basename(r.doc.path): r for r in results}


@pytest.mark.parametrize("report", ["001_huaian_city_gov_2024_pdf.txt", "004_pingtan_zone_2019_flattened_tables.txt",
                                    "008_pingtan_zone_2021_flattened_tables_sitenoise.txt"])
def test_dev_table_cells(dev_scores, report):
    summary, _ = dev_scores
    cells = [s for s in summary.scores if s.report == report and s.path.startswith("standard_table.")]
    assert len(cells) >= 175
    assert summary.accuracy(cells) >= 0.95
    wrong_unflagged = [s.path for s in summary.scores if s.report == report and not s.correct and s.pred is not None
                       and not s.flagged]
    assert wrong_unflagged == []


def test_dev_template_versions(dev_scores):
    _, results = dev_scores
    assert results["004_pingtan_zone_2019_flattened_tables.txt"].value("meta.template") == "2019"
    assert results["008_pingtan_zone_2021_flattened_tables_sitenoise.txt"].value("meta.template") == "2021"
    assert results["001_huaian_city_gov_2024_pdf.txt"].value("meta.template") == "2021"
    assert results["007_pingtan_zone_2014_oldstyle_spaced_table.txt"].value("meta.template") is None


def test_ambiguous_run_goes_to_review_with_its_readings(dev_scores):
    _, results = dev_scores
    r = results["008_pingtan_zone_2021_flattened_tables_sitenoise.txt"].fields["proactive.normative_documents"]
    assert r.value is None and r.status == "ambiguous" and r.needs_review()
    assert 69 in [a["value"] for a in r.alternatives]


def test_summary_fields_come_from_the_cells(dev_scores):
    _, results = dev_scores
    r = results["001_huaian_city_gov_2024_pdf.txt"]
    assert r.value("requests.denied") == 178 and r.fields["requests.denied"].status == "derived"
    assert r.value("appeals.litigation_total") == 46
    assert r.value("proactive.admin_fees_yuan") == 961716000  # 96171.6 万元
    assert r.fields["proactive.admin_fees_yuan"].status == "verified"


def test_a_broken_identity_is_reported_not_corrected(rules_backend):
    t = random_tables(random.Random(5), "2021", density=0.5)
    t.requests["carried_forward"][0] += 1  # the source breaks new + carried-in = handled + carried-forward
    t.requests["carried_forward"][6] += 1
    text, _ = render_report(t, "pipes")
    r = process(from_text(text), rules_backend)
    f = r.fields["standard_table.requests.carried_forward.natural_person"]
    assert f.value == t.requests["carried_forward"][0]  # kept as printed
    assert "identity:new_plus_carried_in:natural_person" in f.reasons and f.needs_review()


# ---- property: every layout parses back exactly or says it is ambiguous, never silently wrong


def check_layout(rules_backend, tmp_path, seed: int, layout: str, version: str, density: float) -> tuple[int, int]:
    t = random_tables(random.Random(seed), version, density)
    text, suffix = render_report(t, layout)
    path = tmp_path / f"r{seed}_{layout}{suffix}"
    path.write_text(text, encoding="utf-8")
    r = process(load(str(path)), rules_backend)
    exact = ambiguous = 0
    for p, v in t.cells().items():
        f = r.fields.get(p)
        assert f is not None, (layout, p)
        if f.value is None:
            assert f.status == "ambiguous" and f.needs_review(), (layout, p, f.status)
            ambiguous += 1
        else:
            assert f.value == v, (layout, p, v, f.value)
            exact += 1
    return exact, ambiguous


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), layout=st.sampled_from(LAYOUTS), version=st.sampled_from(["2019", "2021"]),
       density=st.sampled_from([0.05, 0.3, 0.8]))
def test_random_tables_parse_back_or_say_ambiguous(rules_backend, tmp_path, seed, layout, version, density):
    exact, ambiguous = check_layout(rules_backend, tmp_path, seed, layout, version, density)
    if layout != "run_together":  # separated cells leave nothing to guess
        assert ambiguous == 0
    assert exact > 0


def test_counts_are_never_negative_outside_the_change_column():
    assert split_row(tokenize("5-3"), 2) == []
