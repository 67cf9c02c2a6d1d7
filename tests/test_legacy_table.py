"""The old 统计表 (2008-2018): every layout, the label variants, cutting run-together cells by the table's arithmetic
and by the prose, never by guessing; and the generator's property: every table read exactly or left ambiguous."""

from __future__ import annotations

import os
import random

import pytest

from extractor.evaluation.corpus import to_traditional
from extractor.ingest.read import from_text, load
from extractor.pipeline import process
from extractor.template import legacy_synth
from extractor.template.legacy import BY_KEY, CUMULATIVE, THIS_YEAR
from extractor.template.legacy_cells import Check, Piece, checks_for, readings, settle

REPORT = ("某县2013年政府信息公开工作年度报告\n\n一、概述\n\n2013年，某县人民政府扎实推进政府信息公开工作，"
          "全年召开政府信息公开工作会议2次。{prose}\n\n二、存在的主要问题和改进措施\n\n一是公开内容不够全面。\n\n"
          "附表：政府信息公开情况统计表\n{table}\n")
RUN = ("指标名称计量单位本年度历年累计主动公开文件数条318762450其中：1、政府网站公开数条3187624502、政府公报公开数条00"
       "受理依申请公开信息总数条02其中：1、当面申请数条002、网上申请数条003、信函、传真申请数条02行政复议数件00行政诉讼数件00")
SPACES = ("指标名称 计量单位 本年度 历年累计 主动公开信息数 条 612 2087 其中：1.网站公开 条 598 2061 2.政府公报公开 条 14 26 "
          "受理依申请公开信息总数 条 0 0 行政复议数 件 0 0")


def run(table: str, prose: str = ""):
    return process(from_text(REPORT.format(prose=prose, table=table), "t.txt"), _backend()).fields


def _backend():
    from extractor import backends

    return backends.create("rules")


def values(rs):
    return [tuple(c.value for c in r) for r in rs]


# ---- one row's readings


def test_a_run_is_cut_every_way_the_columns_allow():
    rs = values(readings([Piece("318762450", 0, 9)], 2, 0, 1))
    assert (3187, 62450) in rs and (318, 762450) in rs and (None, 318762450) in rs
    assert (31876, 2450) not in rs  # this year at most the cumulative number
    assert (318762450, None) in rs  # a blank cumulative cannot be checked (the column may be left empty)


def test_no_leading_zero_settles_short_runs():
    assert values(readings([Piece("02", 0, 2)], 2, 0, 1)) == [(0, 2)]
    assert values(readings([Piece("00", 0, 2)], 2, 0, 1)) == [(0, 0)]
    assert values(readings([Piece("0", 0, 1)], 2, 0, 1)) == [(0, None), (None, 0)]  # which cell is blank: unknown


def test_whole_pieces_are_one_cell_each():
    assert values(readings([Piece("1", 0, 1, whole=True), Piece("2.5", 2, 5, whole=True)], 2, 0, 1)) == [(1, 2.5)]
    # a row whose only reading breaks `this year <= cumulative` keeps it, and the break is reported
    (only,) = readings([Piece("12", 0, 2, whole=True), Piece("5", 3, 4, whole=True)], 2, 0, 1)
    assert settle({"proactive_total": [only]}, (THIS_YEAR, CUMULATIVE), {}).failed == {
        "proactive_total": ["within_cumulative:proactive_total"]}


# ---- the layouts, read through the whole pipeline


def test_run_together_left_ambiguous_without_a_witness():
    f = run(RUN)
    total = f["proactive.total"]
    assert total.value is None and total.status == "ambiguous" and total.needs_review()
    assert {3, 31, 318, 3187} <= {a["value"] for a in total.alternatives}
    # the short runs settle on their own, the next row's ordinal (`…02、政府公报…`) cut off
    assert f["proactive.gazette"].value == 0 and f["requests.received"].value == 0
    assert f["requests.letter"].value == 0 and f["requests.fax"].value == 0  # 信函、传真 0|2: both 0 this year


def test_run_together_settled_by_the_prose():
    f = run(RUN, prose="全年主动公开政府信息3187条。")
    assert f["proactive.total"].value == 3187 and "settled_by_witness" in f["proactive.total"].reasons
    assert f["proactive.website"].value == 3187  # website + gazette (0|0) = total, in both columns
    assert f["proactive.total"].evidence.endswith("3187") and f["proactive.total"].status == "verified"


def test_space_separated_one_line():
    f = run(SPACES)
    assert (f["proactive.total"].value, f["proactive.website"].value, f["proactive.gazette"].value) == (612, 598, 14)
    assert f["requests.received"].value == 0 and f["appeals.reconsideration_total"].value == 0
    assert not any(r.needs_review() for p, r in f.items() if r.method == "table")


def test_pipes_one_column_with_blank_cells():
    table = ("指标名称 | 计量单位 | 本年度\n主动公开政府信息数 | 条 | 40\n其中：1.网站公开 | 条 | 40\n2.政府公报公开 | 条 | \n"
             "依申请公开信息数 | 条 | 3\n其中：1.当面申请数 | 条 | \n2.信函申请数 | 条 | 3\n对申请的答复数 | 条 | 3\n"
             "行政复议数 | 件 | 0")
    f = run(table)
    assert f["proactive.total"].value == 40 and f["requests.letter"].value == 3
    gazette = f["proactive.gazette"]
    assert gazette.value is None and "blank_cell" in gazette.reasons and not gazette.needs_review()
    assert f["requests.in_person"].value is None and f["requests.handled_total"].value == 3


def test_a_row_joining_two_categories_says_something_only_when_zero():
    head = "指标名称 | 计量单位 | 本年度\n受理依申请公开信息总数 | 条 | {n}\n其中：1.当面申请数 | 条 | 0\n2.信函、传真申请数 | 条 | {n}\n"
    f = run(head.format(n=2) + "接受行政诉讼、举报数 | 件 | 0\n行政复议数 | 件 | 0")
    assert f.get("requests.letter") is None or f["requests.letter"].value is None
    assert f["appeals.complaints"].value == 0 and "combined_row" in f["appeals.complaints"].reasons
    f = run(head.format(n=0) + "行政复议数 | 件 | 0")
    assert f["requests.letter"].value == 0 and f["requests.fax"].value == 0


def test_a_table_that_breaks_its_arithmetic_is_read_and_flagged():
    table = "指标名称 | 计量单位 | 本年度 | 历年累计\n主动公开信息数 | 条 | 50 | 90\n其中：1.网站公开 | 条 | 30 | 60\n2.政府公报公开 | 条 | 5 | 30"
    f = run(table)
    total = f["proactive.total"]
    assert total.value == 50 and "identity_failed" in total.reasons and "identity:proactive_channels:this_year" in \
        total.reasons and total.needs_review()


def test_run_together_without_a_header_is_not_read_but_flagged():
    f = run("政府信息公开情况统计表主动公开文件数条318762450受理依申请公开信息总数条02")
    total = f.get("proactive.total")
    assert total is not None and total.value is None and total.status == "unread" and total.needs_review()


# ---- the generator: every identity holds, and every table is read exactly or left ambiguous, never wrong


def _holds(t: legacy_synth.LegacyTable) -> bool:
    cols = t.columns
    vals = {r.key: tuple(0.0 if c is None else float(c) for c in r.cells) for r in t.rows}
    checks = checks_for(list(vals))
    this, cum = cols.index(THIS_YEAR), (cols.index(CUMULATIVE) if CUMULATIVE in cols else None)
    within = all(cum is None or r.cells[cum] is None or vals[r.key][this] <= vals[r.key][cum] for r in t.rows)
    return within and all(c.holds(vals, len(cols)) for c in checks)


@pytest.mark.parametrize("seed", range(40))
def test_generated_tables_satisfy_every_identity(seed):
    t = legacy_synth.random_table(random.Random(seed))
    assert _holds(t)
    names = {c.name for c in checks_for([r.key for r in t.rows])}
    assert {"proactive_channels", "request_channels", "answers", "part_within_total"} <= names
    changed = {r.key: list(r.cells) for r in t.rows}
    changed["website"][0] = (changed["website"][0] or 0) + 1  # one cell off: the channel sum breaks
    vals = {k: tuple(0.0 if c is None else float(c) for c in v) for k, v in changed.items()}
    assert not Check("proactive_channels", "sum", "proactive_total", ("gazette", "website")).holds(vals, len(t.columns))


@pytest.mark.parametrize("layout", legacy_synth.LAYOUTS)
def test_every_generated_table_is_read_exactly_or_left_ambiguous(layout, rules_backend, tmp_path):
    rng = random.Random(hash(layout) % 1000)
    tally = {"exact": 0, "ambiguous": 0, "wrong": 0}
    for i in range(25):
        t = legacy_synth.random_table(rng)
        text, suffix, gold = legacy_synth.render_report(t, layout, witnesses=rng.random() < 0.5)
        if i % 5 == 4:  # traditional script: 對申請的答覆數
            text = to_traditional(text)
        path = os.path.join(tmp_path, f"{i}{suffix}")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        r = process(load(path), rules_backend)
        verdicts = legacy_synth.judge(gold, r.fields)
        wrong = {p: (gold.get(p), r.fields[p].value if p in r.fields else None) for p, v in verdicts.items()
                 if v == "wrong"}
        assert not wrong, (layout, i, wrong, text[-1200:])
        for p, v in verdicts.items():
            tally[v] += 1
            if v == "ambiguous":
                assert r.fields[p].needs_review()
    assert tally["exact"] > tally["ambiguous"]


def test_every_row_the_generator_prints_is_declared():
    t = legacy_synth.random_table(random.Random(3), ncols=2, blanks=True)
    assert all(r.key in BY_KEY for r in t.rows)
    assert t.gold()["proactive.total"] == t.row("proactive_total").cells[0]


# ---- a real report's table, laid out as other scrapes give it


@pytest.mark.parametrize("layout", ["spaces", "run_together", "one_column"])
def test_the_dev_report_007_in_other_layouts(layout, rules_backend, tmp_path):
    import json
    import re

    from .conftest import GOLD

    name = "007_pingtan_zone_2014_oldstyle_spaced_table"
    src = open(os.path.join(GOLD, "dev", "reports", name + ".txt"), encoding="utf-8").read()
    gold = json.load(open(os.path.join(GOLD, "dev", name + ".json"), encoding="utf-8"))["fields"]
    i, j = src.index("指标名称"), src.index("附件下载")
    table = {"spaces": src[i:j], "run_together": re.sub(r"\s+", "", src[i:j]),
             "one_column": re.sub(r" (\d+) \d+", r" \1", src[i:j]).replace(" 历年累计", "")}[layout]
    path = os.path.join(tmp_path, name + ".txt")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(src[:i] + table + src[j:])
    r = process(load(path), rules_backend)
    table_fields = [p for p in gold if p.startswith(("proactive.", "requests.", "fees.", "appeals."))]
    assert {p: r.value(p) for p in table_fields} == {p: gold[p] for p in table_fields}


@pytest.mark.parametrize("layout", ["rows", "spaces", "run_together"])
def test_the_seed_report_001_in_other_layouts(layout, rules_backend, tmp_path):
    """The 2014-2018 明细表 (one 数量 column, blank cells), a cell per line in the source."""
    import json

    from .conftest import GOLD

    name = "001_ada6bcccffd3deee"
    src = open(os.path.join(GOLD, "seed", "reports", name + ".txt"), encoding="utf-8").read()
    gold = json.load(open(os.path.join(GOLD, "seed", name + ".json"), encoding="utf-8"))["fields"]
    i = src.index("指 标")
    cells = [c.strip() for c in src[i:].split("|")]
    table = {"rows": "\n".join(" | ".join(cells[k:k + 3]) for k in range(0, len(cells), 3)),
             "spaces": " ".join(c for c in cells if c), "run_together": "".join(cells)}[layout]
    path = os.path.join(tmp_path, name + ".txt")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(src[:i] + table + "\n")
    r = process(load(path), rules_backend)
    table_fields = [p for p in gold if p.startswith(("proactive.", "requests.", "fees.", "appeals.", "capacity."))]
    assert {p: r.value(p) for p in table_fields} == {p: gold[p] for p in table_fields}
