"""A report's stable identity: a re-scraped copy is the same report, a changed body at its source a new version of
it; decisions follow the report where the machine value is unchanged, and the export has one row per report."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.review.queue import Queue
from extractor.store.db import connect
from extractor.text.clean import clean
from extractor.text.identity import body_digest

from .conftest import GOLD

SRC = os.path.join(GOLD, "seed", "reports", "001_ada6bcccffd3deee.txt")
OTHER = os.path.join(GOLD, "seed", "reports", "004_54357c487c647aa5.txt")


def _text(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _digest(text: str) -> str | None:
    return body_digest(clean(text).body.text)


def _write(path, text: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)


def _run(db, out, *inputs):
    res = CliRunner().invoke(app, ["run", *map(str, inputs), "--out", str(out), "--db", str(db), "--no-progress",
                                   "--workers", "1"])
    assert res.exit_code == 0, res.output


def _export(db, tmp_path) -> list[dict]:
    target = tmp_path / "dataset.jsonl"
    res = CliRunner().invoke(app, ["export", str(target), "--db", str(db)])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


# the digest ---------------------------------------------------------------------------------------------------

def test_the_body_digest_ignores_what_a_scrape_adds_around_the_report():
    text = _text(SRC)
    base = _digest(text)
    assert base is not None
    variants = {
        "a trailing newline": text + "\n",
        "CRLF line ends": text.replace("\n", "\r\n"),
        "a crawler header": "来源：某某县人民政府网站\n发布时间：2016-03-01\n" + text,
        "a navigation bar": "首页 | 政务公开 | 信息公开年报\n" + text + "\n【打印】\n【关闭】\n",
        "spaces inside lines": text.replace("，", " ， ").replace("。", "。 "),
    }
    for what, variant in variants.items():
        assert _digest(variant) == base, what


def test_the_body_digest_changes_with_the_body_and_is_absent_for_short_pages():
    text = _text(SRC)
    assert _digest(text.replace("2015年", "2016年", 1)) != _digest(text)
    assert _digest(_text(OTHER)) != _digest(text)
    assert _digest("页面不存在\n您访问的页面已删除或不存在，请返回首页。") is None


# end to end -----------------------------------------------------------------------------------------------------

def _decide_one(db) -> tuple[str, object, str]:
    """Decide the first open item that carries a value with a corrected value; returns (field, value, report id)."""
    queue = Queue(connect(str(db)))
    item = next(it for it in queue.items() if it.value is not None and isinstance(it.value, int))
    queue.decide(item.id, "value", str(item.value + 1), reviewer="tester")
    return item.path, item.value + 1, item.report_id


def test_a_rescraped_copy_is_the_same_report_and_keeps_its_decisions(tmp_path):
    db, out = tmp_path / "run.db", tmp_path / "out"
    first = _write(tmp_path / "crawl1" / "report.txt", _text(SRC))
    _run(db, out, first)
    path, decided, rid = _decide_one(db)
    again = _write(tmp_path / "crawl2" / "page.txt", "来源：湖南省人民政府网站\n" + _text(SRC) + "\n\n")
    _run(db, out, again)
    rows = _export(db, tmp_path)
    assert len(rows) == 1, "one report, however many copies were scraped"
    row = rows[0]
    assert row["report_key"] == rid and len(row["versions"]) == 2 and row["versions"][0] == rid
    assert row["values"][path] == decided and row["status"][path] == "decided"
    queue = Queue(connect(str(db)))
    copy_id = row["versions"][1]
    assert not [it for it in queue.items(report=copy_id) if it.path == path], "a decided field is not asked again"
    [item] = [it for it in queue.items(states=("decided",), report=copy_id) if it.path == path]
    assert item.decision is not None and item.decision["report_id"] == rid and item.decision["value"] == decided


def test_a_changed_body_at_the_same_source_is_a_new_version(tmp_path):
    db, out = tmp_path / "run.db", tmp_path / "out"
    src = tmp_path / "site" / "report.txt"
    _write(src, _text(SRC))
    _run(db, out, src)
    path, decided, rid = _decide_one(db)
    # the site corrects a sentence of the report: another body, the same report (same year, same body or title)
    _write(src, _text(SRC).replace("着力打造", "努力打造", 1) + "\n（本文有修改）\n")
    _run(db, out, src)
    rows = _export(db, tmp_path)
    assert len(rows) == 1
    assert rows[0]["report_key"] == rid and len(rows[0]["versions"]) == 2 and rows[0]["id"] != rid
    assert rows[0]["values"][path] == decided


def test_a_decision_whose_machine_value_changed_in_the_new_version_is_reopened(tmp_path):
    db, out = tmp_path / "run.db", tmp_path / "out"
    src = tmp_path / "site" / "report.txt"
    _write(src, _text(SRC))
    _run(db, out, src)
    queue = Queue(connect(str(db)))
    item = next(it for it in queue.items() if it.value is not None and isinstance(it.value, int)
                and it.evidence and str(it.value) in it.evidence)
    queue.decide(item.id, "accept", reviewer="tester")
    # the new version states another number where the decided value was read
    changed = _text(SRC).replace(item.evidence, item.evidence.replace(str(item.value), str(item.value + 7), 1), 1)
    _write(src, changed)
    _run(db, out, src)
    rows = _export(db, tmp_path)
    assert len(rows) == 1 and len(rows[0]["versions"]) == 2
    queue = Queue(connect(str(db)))
    [again] = [it for it in queue.items(report=rows[0]["id"]) if it.path == item.path]
    assert again.state == "reopened", "the person decided another machine value: asked again, first"


def test_another_report_at_the_same_source_is_another_report(tmp_path):
    db, out = tmp_path / "run.db", tmp_path / "out"
    src = tmp_path / "site" / "report.txt"
    _write(src, _text(SRC))
    _run(db, out, src)
    _write(src, _text(OTHER))  # the file now holds a different body's report of another year
    _run(db, out, src)
    rows = _export(db, tmp_path)
    assert len(rows) == 2 and {len(r["versions"]) for r in rows} == {1}
