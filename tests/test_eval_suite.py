"""The eval suite: metrics, saved runs, compare and its exit code, the baseline gate, tags, the HTML page."""

from __future__ import annotations

import html.parser
import json
import os
import sys

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.evaluation.runs import EvalRun, compare, load
from extractor.evaluation.scoring import FieldScore, Summary, calibration, metrics
from extractor.rules import narrative

from .conftest import GOLD

ROOT = os.path.dirname(GOLD)
ALL = [os.path.join(GOLD, "seed"), os.path.join(GOLD, "dev")]
sys.path.insert(0, os.path.join(ROOT, "eval"))


def fs(gold, pred, flagged=False, conf=0.9, at_span=True, path="requests.received", report="r1"):
    from extractor.evaluation.scoring import score_value

    return FieldScore(report, path, gold, pred, score_value(path, gold, pred), flagged, "narrative",
                      "x" if pred is not None else None, conf, "verified", at_span if pred is not None else None)


def test_metrics_on_a_hand_made_table():
    rows = [
        fs(5, 5),                          # right
        fs(5, 6, flagged=True, conf=0.5),  # wrong, caught by review
        fs(5, 7, conf=0.95),               # wrong, NOT flagged: a silent error
        fs(5, None),                       # missed, a plain null ("not stated"): a silent error, not a wrong value
        fs(None, None),                    # a null labelled and predicted: right
        fs(0, None),                       # null for a labelled zero: a confusion, and silent
        fs(4, None, flagged=True),         # missed but in the queue (unread, with a reason): not silent
        fs(3, 3, at_span=False),           # right value, evidence not at its span
    ]
    m = metrics(rows)
    assert m["n"] == 8 and m["correct"] == 3
    assert m["accuracy"] == round(3 / 8, 4)
    assert m["precision"] == round(2 / 4, 4)        # of 4 values given, 2 right
    assert m["recall"] == round(2 / 7, 4)           # of 7 labelled values, 2 found right
    # silent: the unflagged wrong value and the two plain nulls where a value was labelled
    assert m["wrong_values"] == 2 and m["silent_errors"] == 3 and m["review_yield"] == 0.5
    assert m["missed"] == 3
    assert m["null_zero_confusions"] == 1
    assert m["evidence_validity"] == 0.75           # 3 of the 4 values with evidence
    bands = {b["band"]: b for b in calibration(rows)}
    assert bands["0.5-0.7"]["n"] == 1 and bands["0.5-0.7"]["accuracy"] == 0.0
    assert bands["0.9-1.0"]["n"] == 3 and bands["0.9-1.0"]["accuracy"] == round(2 / 3, 4)


def _run(name, *extra, db):
    res = CliRunner().invoke(app, ["eval", "--gold", ALL[0], "--gold", ALL[1], "--save", name, "--db", str(db), *extra])
    assert res.exit_code == 0, res.output
    return res


def test_compare_catches_a_worsened_pattern_and_passes_an_unchanged_one(tmp_path, monkeypatch):
    db = tmp_path / "e.db"
    _run("before", db=db)
    _run("again", db=db)
    same = CliRunner().invoke(app, ["eval", "compare", "before", "again", "--db", str(db)])
    assert same.exit_code == 0 and "no regression" in same.output, same.output
    # worsen a pattern: the sentence rules for requests.received stop matching
    monkeypatch.setattr(narrative, "RULES", [r for r in narrative.RULES if r.path != "requests.received"])
    _run("worse", db=db)
    worse = CliRunner().invoke(app, ["eval", "compare", "before", "worse", "--db", str(db), "--json"])
    assert worse.exit_code == 1, worse.output
    c = json.loads(worse.output)
    assert c["failed"] and "requests.received" in c["regressed"]
    assert any(m["scope"] == "field:requests.received" and m["regressed"] for m in c["metrics"])
    assert not c["improved"]
    # the other way round it is an improvement, not a regression
    back = CliRunner().invoke(app, ["eval", "compare", "worse", "before", "--db", str(db), "--json"])
    assert back.exit_code == 0 and "requests.received" in json.loads(back.output)["improved"]
    # a generous tolerance lets the rates through, but counts that must not grow are not rates: the zeros the
    # dropped pattern used to read are now nulls (confusions), plain nulls where a value was labelled (silent
    # errors), and that still fails
    loose = json.loads(CliRunner().invoke(app, ["eval", "compare", "before", "worse", "--db", str(db), "--json",
                                                "--tolerance", "0.5"]).output)
    failed = {m["metric"] for m in loose["metrics"] if m["regressed"] and m["scope"] == "overall"}
    assert loose["failed"] and failed == {"null_zero_confusions", "silent_errors"}


def test_saved_runs_keep_their_configuration_in_the_database_and_as_json(tmp_path, monkeypatch):
    db = tmp_path / "e.db"
    (tmp_path / "eval").mkdir()
    (tmp_path / "gold").mkdir()  # tmp_path is a project root: --save-file writes its eval/runs/, not the checkout's
    monkeypatch.chdir(tmp_path / "gold")
    _run("one", "--save-file", db=db)
    from extractor.store.db import connect

    from_db, from_file = load("one", connect(str(db))), load(str(tmp_path / "eval" / "runs" / "one.json"))
    for run in (from_db, from_file):
        assert run.config["backend"] == "rules" and run.config["code_version"].startswith("0.")
        assert len(run.scores) > 800
    assert from_db.summary["overall"] == from_file.summary["overall"]
    assert not compare(from_db, from_file).failed and not compare(from_db, from_file).changed


def test_the_committed_baseline_gate(monkeypatch):
    """The CI gate: the offline eval on all bundled gold must not regress against eval/baseline.json."""
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, ["eval", "gate", "--json"])
    c = json.loads(res.output)
    assert res.exit_code == 0, [m for m in c["metrics"] if m["regressed"]] or c["regressed"]
    assert c["only_a"] == 0 and c["only_b"] == 0  # the baseline covers exactly the bundled gold
    base = load(os.path.join(ROOT, "eval", "baseline.json"))
    assert base.summary["overall"]["silent_errors"] == 0


def test_the_gate_runs_from_any_directory_inside_the_checkout(monkeypatch):
    """The baseline, and the gold directories it names, are found under the project root (the directory holding
    eval/ and gold/), not the working directory."""
    monkeypatch.chdir(os.path.join(ROOT, "extractor", "rules"))
    res = CliRunner().invoke(app, ["eval", "gate", "--json"])
    assert res.exit_code == 0, res.output
    c = json.loads(res.output)
    assert not c["failed"] and c["only_a"] == 0 and c["only_b"] == 0  # every case of the baseline scored again


def test_outside_a_checkout_the_eval_says_what_is_missing(tmp_path, monkeypatch):
    from extractor.evaluation import root

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(root, "_PACKAGE", str(tmp_path / "site" / "extractor"))  # an installed wheel: no eval/ beside it
    for args, needed in ((["eval", "gate"], "pass --baseline FILE"), (["eval"], "pass --gold DIR"),
                         (["eval", "update-baseline"], "pass --baseline FILE")):
        res = CliRunner().invoke(app, args)
        lines = res.output.strip().splitlines()
        assert res.exit_code == 2 and len(lines) == 1, res.output
        assert lines[0].startswith("error: no project root (a directory holding eval/ and gold/)") and needed in lines[0]
    assert not (tmp_path / "eval").exists()


def test_tags_filter_the_cases():
    res = CliRunner().invoke(app, ["eval", "--gold", ALL[0], "--gold", ALL[1], "--tag", "format=standard_table",
                                   "--json"])
    d = json.loads(res.output)
    assert set(d["per_format"]) == {"standard_table"} and d["overall"]["n"] > 600
    res = CliRunner().invoke(app, ["eval", "--gold", ALL[0], "--gold", ALL[1], "--tag", "year=2011", "--tag",
                                   "split=seed", "--json"])
    d = json.loads(res.output)
    assert len(d["per_report"]) == 1 and set(d["per_tag"]) >= {"year=2011", "split=seed"}


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_html_report_is_self_contained_and_renders_without_console_errors(tmp_path):
    page = tmp_path / "eval.html"
    res = CliRunner().invoke(app, ["eval", "--gold", ALL[0], "--gold", ALL[1], "--html", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text(encoding="utf-8")
    p = _Tags()
    p.feed(text)
    assert "script" not in p.tags and p.refs == []  # nothing to load, nothing to run
    assert "silent errors" in text and "Wrong values" in text and "class='bar'" in text
    import check_html

    if check_html.chromium() is None:
        pytest.skip("no chromium here: the page was checked statically only (apt-get install chromium)")
    # the checker can fail: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFn()</script></body></html>", encoding="utf-8")
    assert any("undefinedFn" in m for m in check_html.console_messages(str(bad)))
    shot = tmp_path / "eval.png"
    assert check_html.console_messages(str(page), str(shot)) == []
    assert shot.stat().st_size > 10_000


def test_summary_round_trips_through_the_saved_file(tmp_path, rules_backend):
    from extractor.evaluation.evaluate import run_eval

    summary = run_eval(ALL, rules_backend).summary
    run = EvalRun.make("x", summary, {"backend": "rules", "code_version": "t"})
    back = load(run.write(str(tmp_path / "x.json")))
    assert back.summary["per_field"] == Summary(summary.scores).as_dict()["per_field"]
    assert back.summary["overall"] == run.summary["overall"]


def test_a_saved_run_compares_unchanged_with_the_run_it_was_saved_from(tmp_path):
    """A saved run keeps each score to 4 digits: a list scored 8/9 is 0.8889 on file and 0.888... in memory, and the
    same predictions must not read as a regression (nor an improvement) of that field."""
    gold = ["加强政策解读", "开发解读产品", "完善传帮带机制", "加强正面激励"]
    pred = ["加强政策解读", "开发解读产品", "完善传帮带机制", "加强正面激励", "增强队伍凝聚力"]
    rows = [fs(gold, pred, path="assessment.improvements")]
    assert 0.88 < rows[0].score < 0.8889  # 8/9, not exactly what 4 digits keep
    now = EvalRun.make("now", Summary(rows), {})
    path = tmp_path / "saved.json"
    now.write(str(path))
    saved = load(str(path))
    assert saved.scores[0].score == 0.8889
    for a, b in ((saved, now), (now, saved)):
        c = compare(a, b)
        assert not c.regressed and not c.improved and not c.failed
    worse = [fs(gold, pred[:3], path="assessment.improvements")]
    assert compare(saved, EvalRun.make("worse", Summary(worse), {})).regressed == {
        "assessment.improvements": ["r1"]}
