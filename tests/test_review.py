"""The review queue: routing, decisions that survive re-runs and kills, export with decisions applied, gold."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import sys

import pexpect
import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.core.catalogue import ENUMS, catalogue
from extractor.ingest.read import load
from extractor.pipeline import process
from extractor.review.queue import Queue, ReviewError, parse_value
from extractor.review.routing import routed_store
from extractor.store.db import connect

from .conftest import GOLD, N_BUNDLED, bundled_reports

ALL = [os.path.join(GOLD, "seed", "reports"), os.path.join(GOLD, "dev", "reports")]


def _run(db, out, *extra):
    res = CliRunner().invoke(app, ["run", *ALL, "--out", str(out), "--db", str(db), "--no-progress", "--workers", "1",
                                   *extra])
    assert res.exit_code == 0, res.output
    return res.output


def _typed(path: str) -> tuple[str, object]:
    """A value a reviewer could type for this field, and what it parses to."""
    kind = catalogue()[path].kind
    return {"int": ("4242", 4242), "yuan": ("1,500", 1500), "list": ("问题一；问题二", ["问题一", "问题二"]),
            "date": ("2020-01-02", "2020-01-02"), "text": ("某某县人民政府", "某某县人民政府")}.get(
        kind, (ENUMS.get(path, ["x"])[0], ENUMS.get(path, ["x"])[0]))


def _review(db, *args, dimensions=(60, 200)):
    return pexpect.spawn(sys.executable, ["-m", "extractor", "review", "--db", str(db), *args], encoding="utf-8",
                         dimensions=dimensions, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})


# The queue's first items are ambiguous nulls (run-together table cells), which have no machine value to accept
# (test_faults_db covers them): the walks below go through one report whose items all carry a value.
REPORT = "001_ada6bcccffd3deee"


def test_interactive_review_end_to_end(tmp_path):
    db, out = tmp_path / "run.db", tmp_path / "out"
    _run(db, out)
    queue = Queue(connect(str(db)))
    first = queue.items(report=REPORT)[:3]
    assert len(first) == 3 and all(it.value is not None for it in first)
    typed, parsed = _typed(first[1].path)

    child = _review(db, "--reviewer", "alice", "--report", REPORT)
    child.expect("decision> ")
    assert first[0].path in child.before  # the item is shown before the prompt
    child.sendline("a")                   # 1: accept the machine's value
    child.expect("saved: ")
    child.expect("decision> ")
    child.sendline("b")                   # back to item 1: it shows the decision just made
    child.expect("decided ")
    child.expect("decision> ")
    child.sendline("s")                   # skip forward again, no decision
    child.expect("decision> ")
    assert first[1].path in child.before
    child.sendline("v")                   # 2: a corrected value
    child.expect("value for ")
    child.sendline(typed)
    child.expect("saved: ")
    child.expect("decision> ")
    child.sendline("n")                   # 3: null
    child.expect("saved: ")
    child.expect("decision> ")
    child.sendline("q")
    child.expect("decisions saved: 3")
    child.expect(pexpect.EOF)

    decided = Queue(connect(str(db))).decisions()
    mine = {k[1]: v for k, v in decided.items()}
    assert len(decided) == 3 and {v["reviewer"] for v in decided.values()} == {"alice"}
    assert mine[first[0].path]["value"] == first[0].value and mine[first[0].path]["action"] == "accept"
    assert mine[first[1].path]["value"] == parsed and mine[first[1].path]["machine_value"] == first[1].value
    assert mine[first[2].path]["value"] is None and mine[first[2].path]["action"] == "null"

    def exported() -> dict[tuple[str, str], object]:
        got = {}
        for fmt in ("jsonl", "csv", "parquet"):
            target = tmp_path / f"data.{fmt}"
            res = CliRunner().invoke(app, ["export", str(target), "--db", str(db)])
            assert res.exit_code == 0 and f"{N_BUNDLED} report(s)" in res.output, res.output
            if fmt == "jsonl":
                for row in map(json.loads, target.read_text(encoding="utf-8").splitlines()):
                    for p in row["decided"]:
                        got[("jsonl", row["id"], p)] = row["values"][p]
            elif fmt == "csv":
                with open(target, encoding="utf-8-sig", newline="") as fh:
                    for row in csv.DictReader(fh):
                        for p in filter(None, row["decided_fields"].split("；")):
                            got[("csv", row["id"], p)] = row[p]
            else:
                import pyarrow.parquet as pq

                for row in pq.read_table(target).to_pylist():
                    for p in row["decided_fields"]:
                        got[("parquet", row["id"], p)] = row[p]
        return got

    def check(got: dict) -> None:
        for it, want in ((first[0], first[0].value), (first[1], parsed), (first[2], None)):
            assert got[("jsonl", it.report_id, it.path)] == want
            assert got[("parquet", it.report_id, it.path)] == want
            shown = got[("csv", it.report_id, it.path)]
            assert shown == ("" if want is None else "；".join(want) if isinstance(want, list) else str(want))
        assert len(got) == 9  # exactly the three decided fields, in each format

    check(exported())
    # re-running the extraction (every report redone) leaves every decision intact and applied
    _run(db, out, "--force")
    assert Queue(connect(str(db))).decisions() == decided
    states = {it.path: it.state for it in Queue(connect(str(db))).items(("decided", "reopened"))}
    assert states == {it.path: "decided" for it in first}
    check(exported())


def test_killing_the_review_loses_no_confirmed_decision(tmp_path):
    db = tmp_path / "run.db"
    _run(db, tmp_path / "out")
    child = _review(db, "--report", REPORT)
    child.expect("decision> ")
    child.sendline("a")
    child.expect("saved: ")
    child.expect("decision> ")
    child.sendline("n")
    child.expect("saved: ")
    child.expect("decision> ")  # the third item is on screen: kill the process there
    child.kill(signal.SIGKILL)
    child.close(force=True)
    assert child.signalstatus == signal.SIGKILL
    rows = sqlite3.connect(db).execute("SELECT action FROM decisions ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["accept", "null"]


def _saved(tmp_path, rules_backend, name="000_"):
    store = routed_store(connect(str(tmp_path / "r.db")))
    path = next(p for p in bundled_reports() if os.path.basename(p).startswith(name))
    result = process(load(path), rules_backend)
    run = store.start_run({"backend": "rules", "code_version": "test"})
    store.save(run, result)
    return store, run, result


def test_a_rerun_with_a_different_machine_value_reopens_the_decided_item(tmp_path, rules_backend):
    store, run, result = _saved(tmp_path, rules_backend)
    queue = Queue(store.con)
    item = queue.items()[0]
    queue.decide(item.id, "value", "7", reviewer="bob") if catalogue()[item.path].kind == "int" else \
        queue.decide(item.id, "null", reviewer="bob")
    decided = queue.decisions()[(item.report_id, item.path)]
    # the same machine value again (the same configuration run again: its items are updated): still decided
    store.save(store.start_run({"backend": "rules", "code_version": "test"}), result)
    assert queue.get(item.id).state == "decided"
    # a different machine value: reopened, showing the decision and the new value; the decision still applies
    old = result.fields[item.path].value
    result.fields[item.path].value = "changed" if isinstance(old, str) else 99999 if not isinstance(old, list) else ["x"]
    store.save(store.start_run({"backend": "rules", "code_version": "test"}), result)
    again = queue.get(item.id)
    assert again.state == "reopened" and again.priority == 0
    assert again.value == result.fields[item.path].value and again.decision["value"] == decided["value"]
    assert queue.items()[0].id == item.id  # reopened items come first
    assert queue.decisions()[(item.report_id, item.path)] == decided  # never overwritten
    # back to the value the decision replaced: decided again
    result.fields[item.path].value = old
    store.save(store.start_run({"backend": "rules", "code_version": "test"}), result)
    assert queue.get(item.id).state == "decided"


def test_routing_order_filters_and_closing(tmp_path, rules_backend):
    store, run, result = _saved(tmp_path, rules_backend, "004_pingtan")
    queue = Queue(store.con)
    items = queue.items()
    assert items and [i.priority for i in items] == sorted(i.priority for i in items)
    assert {i.path for i in items} == {p for p, r in result.fields.items() if r.needs_review()}
    assert all(i.priority == 0 for i in items if i.status in ("conflict", "ambiguous"))
    amb = queue.items(reason="ambiguous_split")
    assert amb and all("ambiguous_split" in i.reasons for i in amb)
    assert all(i.path.startswith("proactive.") for i in queue.items(field="proactive"))
    assert queue.items(report="no-such-report") == []
    # a threshold of 0 routes only what is not verified or failed a check; the rest closes
    routed_store(store.con, threshold=0.0).save(run, result)
    closed = queue.items(("closed",))
    assert closed and all(i.status in ("verified", "derived") for i in closed)


def test_scripted_decisions_and_stats(tmp_path):
    db = tmp_path / "run.db"
    _run(db, tmp_path / "out")
    r = CliRunner()
    stats = r.invoke(app, ["review", "stats", "--db", str(db), "--json"])
    s = json.loads(stats.output)
    assert s["open"] == sum(s["by_field"].values()) == sum(s["by_report"].values()) > 0
    assert s["by_reason"]["ambiguous_split"] >= 1 and s["decisions"] == 0
    items = json.loads(r.invoke(app, ["review", "list", "--db", str(db), "--json", "--reason", "ambiguous_split"]).output)
    target = items[0]
    bad = r.invoke(app, ["review", "decide", str(target["id"]), "--value", "many", "--db", str(db)])
    assert bad.exit_code == 2 and "takes a number" in bad.output
    both = r.invoke(app, ["review", "decide", str(target["id"]), "--accept", "--null", "--db", str(db)])
    assert both.exit_code != 0
    alt = target["alternatives"][0]["value"]
    ok = r.invoke(app, ["review", "decide", str(target["id"]), "--value", str(alt), "--db", str(db), "--reviewer", "carol"])
    assert ok.exit_code == 0 and "carol" in ok.output, ok.output
    shown = json.loads(r.invoke(app, ["review", "show", str(target["id"]), "--db", str(db), "--json"]).output)
    assert shown["state"] == "decided" and shown["decision"]["value"] == alt
    after = json.loads(r.invoke(app, ["review", "stats", "--db", str(db), "--json"]).output)
    assert after["open"] == s["open"] - 1 and after["decisions"] == 1
    text = r.invoke(app, ["review", "stats", "--db", str(db)])
    assert "by reason:" in text.output and "by field:" in text.output


def test_decisions_become_gold_files_the_eval_reads(tmp_path):
    db = tmp_path / "run.db"
    _run(db, tmp_path / "out")
    queue = Queue(connect(str(db)))
    items = queue.items(reason="ambiguous_split")[:2]
    for it in items:
        queue.decide(it.id, "value", str(it.alternatives[0]["value"]), reviewer="dana")
    res = CliRunner().invoke(app, ["review", "to-gold", str(tmp_path / "newgold"), "--db", str(db)])
    assert res.exit_code == 0, res.output
    files = sorted((tmp_path / "newgold").glob("*.json"))
    assert files and all((tmp_path / "newgold" / "reports" / json.loads(f.read_text())["report"]).exists() for f in files)
    labels = {p: v for f in files for p, v in json.loads(f.read_text(encoding="utf-8"))["fields"].items()}
    assert labels == {it.path: it.alternatives[0]["value"] for it in items}
    ev = CliRunner().invoke(app, ["eval", "--gold", str(tmp_path / "newgold"), "--json"])
    assert ev.exit_code == 0, ev.output
    assert json.loads(ev.output)["overall"]["n"] == len(items)


@pytest.mark.parametrize("path,text,want", [
    ("requests.received", " 1,234 ", 1234),
    ("requests.received", "十二", 12),
    ("fees.charged_yuan", "2.5", 2.5),
    ("meta.admin_level", "county", "county"),
    ("assessment.problems", "甲；乙", ["甲", "乙"]),
    ("meta.published_on", "2021-03-04", "2021-03-04"),
])
def test_typed_values_parse_by_field_type(path, text, want):
    assert parse_value(path, text) == want


@pytest.mark.parametrize("path,text", [("requests.received", "many"), ("meta.admin_level", "galaxy"),
                                       ("meta.published_on", "March"), ("requests.received", "  ")])
def test_bad_typed_values_are_refused(path, text):
    with pytest.raises(ReviewError):
        parse_value(path, text)


def test_each_configuration_has_its_own_queue_and_the_decisions_apply_to_all(tmp_path, rules_backend):
    store, run, result = _saved(tmp_path, rules_backend)
    first = Queue(store.con)
    item = first.items()[0]
    first.decide(item.id, "null", reviewer="bob")
    # another configuration (a model, another code version) gives another value for that field and for another
    other = next(i for i in first.items() if i.path != item.path and i.path in result.fields)
    result.fields[item.path].value = "changed" if isinstance(item.value, str) else 99999
    result.fields[other.path].value = new_value = 4242 if catalogue()[other.path].kind in ("int", "yuan") else "另一个值"
    second_run = store.start_run({"backend": "rules", "code_version": "another"})
    store.save(second_run, result)
    latest = Queue(store.con)
    assert latest.run == (second_run.id, second_run.config_hash) and first.run == (run.id, run.config_hash)
    mine = {i.path: i for i in latest.items(("open", "reopened", "decided", "closed"))}
    assert mine[other.path].value == new_value != other.value, "the latest run's configuration's values"
    assert mine[item.path].state == "reopened" and mine[item.path].decision["action"] == "null"
    # the first configuration's queue is as it was, and can still be asked for
    again = Queue(store.con, run=run.id)
    assert {i.path: i.value for i in again.items()} == {i.path: i.value for i in first.items()}
    assert again.get(item.id).state == "decided"
    with pytest.raises(ReviewError):
        Queue(store.con, run=99999)
