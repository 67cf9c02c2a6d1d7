"""The gold checker (`evaluation.goldcheck`, run as `docs/spec/check_gold.py`) checks gold files against the
catalogue and the template's identities from the spec; the bundled gold passes."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from extractor.evaluation.goldcheck import main, problems

from .conftest import GOLD, ROOT

GOLD_FILES = sorted(glob.glob(os.path.join(GOLD, "*", "*.json")))
SCRIPT = os.path.join(ROOT, "docs", "spec", "check_gold.py")


@pytest.fixture
def table_gold():
    with open(os.path.join(GOLD, "dev", "008_pingtan_zone_2021_flattened_tables_sitenoise.json"), encoding="utf-8") as fh:
        return json.load(fh)


def test_every_bundled_gold_file_passes(capsys):
    assert len(GOLD_FILES) >= 10
    assert main(GOLD_FILES) == 0
    assert capsys.readouterr().out == ""


def test_paths_and_values_are_checked_against_the_catalogue():
    gold = {"report": "r.txt", "fields": {
        "meta.template": "2021",  # the code records it; FIELDS.md (and so gold) has no such field
        "bogus.path": 1, "standard_table.requests.disclosed.subtotal": 3,  # 小计 is no field
        "meta.admin_level": "city", "meta.report_year": "2020", "meta.published_on": "2020-1-5",
        "proactive.total": {"any_of": []}, "requests.received": {"any_of": [3, 4]}, "fees.charged_yuan": 1.5}}
    assert problems("g.json", gold) == [
        ("g.json: unknown path meta.template", True),
        ("g.json: unknown path bogus.path", True),
        ("g.json: unknown path standard_table.requests.disclosed.subtotal", True),
        ("g.json: meta.admin_level = 'city' is not a valid enum:province,prefecture,county,township,department,zone,"
         "unknown", True),
        ("g.json: meta.report_year = '2020' is not a valid int", True),
        ("g.json: meta.published_on = '2020-1-5' is not a valid date", True),
        ("g.json: proactive.total = {'any_of': []} is not a valid int", True),
    ]
    assert problems("g.json", {"fields": {}}) == [("g.json: needs 'report' (str) and 'fields' (object)", True)]


def test_a_broken_cell_is_reported_by_every_identity_it_takes_part_in(table_gold):
    f = table_gold["fields"]
    f["standard_table.requests.disclosed.natural_person"] += 1
    got = problems("g.json", table_gold)
    assert [m for m, _ in got] == [
        "g.json: requests row disclosed: columns sum {} != total {}".format(
            sum(f[f"standard_table.requests.disclosed.{c}"] for c in
                ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")),
            f["standard_table.requests.disclosed.total"]),
        "g.json: requests column natural_person: outcome rows sum {} != handled_total {}".format(
            f["standard_table.requests.handled_total.natural_person"] + 1,
            f["standard_table.requests.handled_total.natural_person"]),
    ]
    assert all(counted for _, counted in got)


def test_the_carry_identity_reports_break_is_printed_not_counted(table_gold):
    f = table_gold["fields"]
    f["standard_table.requests.carried_forward.research"] += 2
    f["standard_table.requests.carried_forward.total"] += 2
    got = problems("g.json", table_gold)
    carry = [x for x in got if "new+carried_in" in x[0]]
    assert carry == [(m, False) for m in (
        f"g.json: requests column {c}: new+carried_in {f[f'standard_table.requests.new_received.{c}'] + f[f'standard_table.requests.carried_over_in.{c}']}"
        f" != handled+carried_forward {f[f'standard_table.requests.handled_total.{c}'] + f[f'standard_table.requests.carried_forward.{c}']}"
        " (template identity; flag only)" for c in ("research", "total"))]
    assert [x for x in got if x not in carry] == []


def test_appeals_rows_are_checked(table_gold):
    table_gold["fields"]["standard_table.appeals.litigation_direct.total"] += 1
    (msg, counted), = problems("g.json", table_gold)
    assert msg.startswith("g.json: appeals row litigation_direct: outcomes sum ") and counted


def test_the_script_keeps_its_usage_and_output(tmp_path, table_gold):
    table_gold["fields"]["standard_table.appeals.reconsideration.total"] += 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(table_gold, ensure_ascii=False), encoding="utf-8")
    ok = subprocess.run([sys.executable, SCRIPT, *GOLD_FILES], capture_output=True, text=True, cwd=tmp_path)
    assert (ok.returncode, ok.stdout) == (0, "")
    out = subprocess.run([sys.executable, SCRIPT, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout.splitlines() == [m for m, _ in problems(str(bad), table_gold)]
    assert out.stdout.startswith(f"{bad}: appeals row reconsideration: outcomes sum ")
