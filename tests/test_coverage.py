"""Know what was not read: a table no reader read, a number labelled as a field no reader took, a section of
problems or measures left empty. Each is `unread` with its reason and goes to review; a field the report does not
address stays a plain null. Generated variants of the genre, not a sample's wording."""

from __future__ import annotations

import random
import re

import pytest

from extractor.coverage import (
    ROW_NOT_READ,
    SECTION_NOT_READ,
    STATED_NOT_READ,
    TABLE_MISSING,
    TABLE_NOT_READ,
    UNREAD,
)
from extractor.ingest import from_text
from extractor.pipeline import process
from extractor.template.spec import REQUESTS
from extractor.template.synth import random_tables, render_report

FILLER = ("一、概述\n{y}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息{t}条。\n"
          "二、收费及减免情况\n全年未收取任何费用。\n")


def _unread(res, path: str) -> list[str]:
    r = res.fields.get(path)
    return r.reasons if r is not None and r.status == UNREAD and r.value is None else []


@pytest.mark.parametrize("seed", range(6))
def test_a_template_table_in_a_layout_no_reader_knows_is_unread_and_in_review(seed: int, rules_backend) -> None:
    rng = random.Random(seed)
    t = random_tables(rng, rng.choice(["2019", "2021"]), density=0.5)
    text, _ = render_report(t, "pipes")
    # the rows lose their labels (a scrape that kept only the heading and the digits): no reader can place them
    text = re.sub(r"(?m)^[^|\n\d]*[\u4e00-\u9fff][^|\n]* \| ", "- | ", text)
    res = process(from_text(text), rules_backend)
    assert TABLE_NOT_READ in _unread(res, "standard_table.requests.new_received.total")
    assert TABLE_NOT_READ in _unread(res, "requests.received")  # the summary the table carries
    r = res.fields["standard_table.requests.new_received.total"]
    assert r.needs_review() and r.span is not None
    assert "收到和处理政府信息公开申请情况" in res.doc.original[r.span[0]:r.span[1]]  # the review shows the table


def test_a_template_heading_without_its_numbers_is_table_missing(rules_backend) -> None:
    text = (FILLER.format(y=2021, t=35) + "三、收到和处理政府信息公开申请情况\n（表格详见附件图片）\n"
            "四、政府信息公开行政复议、行政诉讼情况\n（表格详见附件图片）\n五、存在的主要问题及改进情况\n一是更新不够及时。\n")
    res = process(from_text(text), rules_backend)
    assert TABLE_MISSING in _unread(res, "standard_table.requests.handled_total.total")
    assert TABLE_MISSING in _unread(res, "standard_table.appeals.reconsideration.total")
    assert res.fields["standard_table.appeals.reconsideration.total"].needs_review()


def test_a_read_table_leaves_its_blank_cells_plain_nulls(rules_backend) -> None:
    t = random_tables(random.Random(3), "2021", density=0.3)
    text, _ = render_report(t, "pipes")
    res = process(from_text(text), rules_backend)
    assert res.value("standard_table.requests.new_received.total") == t.cells()[
        "standard_table.requests.new_received.total"]
    assert not any(r.status == UNREAD for p, r in res.fields.items() if p.startswith("standard_table."))


@pytest.mark.parametrize("seed,version", [(s, v) for s in range(4) for v in ("2019", "2021")])
def test_a_row_of_a_table_read_in_part_is_unread_not_a_plain_null(seed: int, version: str, rules_backend) -> None:
    rng = random.Random(seed)
    t = random_tables(rng, version, density=0.5)
    text, _ = render_report(t, "pipes")
    # one row's label lost in the scrape (its digits kept): the reader cannot place that row, and reads the rest
    lost = rng.choice(["3.危及“三安全一稳定”", "4.保护第三方合法权益", "1.本机关不掌握相关政府信息"])
    assert lost in text
    text = text.replace(lost, "□□□□", 1)
    res = process(from_text(text), rules_backend)
    row = {"3.危及“三安全一稳定”": "denied_security_stability", "4.保护第三方合法权益": "denied_third_party",
           "1.本机关不掌握相关政府信息": "unable_not_held"}[lost]
    cells = [REQUESTS.path(row, c) for c in REQUESTS.field_columns()]
    for p in cells:
        r = res.fields.get(p)
        # never a plain null: read (a layout may still place it), or unread and in review
        assert r is not None and (r.value == t.cells().get(p) or (ROW_NOT_READ in _unread(res, p) and r.needs_review())), p
    assert any(ROW_NOT_READ in _unread(res, p) for p in cells), "the row the scrape garbled is flagged"
    assert not any(ROW_NOT_READ in r.reasons for p, r in res.fields.items() if f".{row}." not in p)


@pytest.mark.parametrize("sentence,path,value", [
    ("门户网站更新发布各类内容{n}篇。", "proactive.website", None),
    ("全年依法受理的信息公开申请总量达{n}件左右。", "requests.received", None),
])
def test_a_number_labelled_as_a_field_no_reader_took_is_a_suggestion_not_a_value(
        sentence: str, path: str, value: object, rules_backend) -> None:
    for n in (7, 733, 1280):
        text = "某县人民政府2015年政府信息公开工作年度报告\n" + FILLER.format(y=2015, t=2) + \
            "三、其他情况\n" + sentence.format(n=n) + "\n四、存在的问题\n一是公开内容不够全面。\n"
        res = process(from_text(text), rules_backend)
        r = res.fields.get(path)
        if r is not None and r.value is not None:
            continue  # a reader read it: then it is not this test's case
        assert r is not None and STATED_NOT_READ in r.reasons and r.needs_review(), text
        assert [a["value"] for a in r.alternatives] == [n] and r.value is None


@pytest.mark.parametrize("sentence", ["联系电话：0591-23158138，传真：23158138。", "其中现场咨询1600人次，电话咨询3200人次。",
                                      "全县共有机构职能类信息594条。", "办理行政审批事项126件。"])
def test_numbers_that_state_no_disclosure_field_mark_nothing(sentence: str, rules_backend) -> None:
    text = "某县人民政府2015年政府信息公开工作年度报告\n" + FILLER.format(y=2015, t=2) + "三、其他情况\n" + sentence + "\n"
    res = process(from_text(text), rules_backend)
    marked = {p: r.alternatives for p, r in res.fields.items() if STATED_NOT_READ in r.reasons}
    assert marked == {}


def test_a_section_of_measures_left_empty_is_unread(rules_backend) -> None:
    text = ("某县人民政府2015年政府信息公开工作年度报告\n" + FILLER.format(y=2015, t=2) +
            "三、存在的问题和改进措施\n我们的工作还存在一些不足，下一步将认真研究加以改进，努力把工作做得更好更实在更扎实。\n")
    res = process(from_text(text), rules_backend)
    for path in ("assessment.problems", "assessment.improvements"):
        r = res.fields.get(path)
        assert r is not None and (r.value is not None or SECTION_NOT_READ in r.reasons), path


def test_a_report_that_does_not_address_a_field_leaves_it_a_plain_null(rules_backend) -> None:
    text = "某县人民政府2015年政府信息公开工作年度报告\n" + FILLER.format(y=2015, t=12) + "三、存在的问题\n一是更新不够及时。\n"
    res = process(from_text(text), rules_backend)
    for path in ("appeals.litigation_total", "capacity.staff_total", "standard_table.requests.new_received.total"):
        r = res.fields.get(path)
        assert r is None or (r.value is None and r.status != UNREAD), path


def test_a_prose_section_named_like_table_two_is_no_table(rules_backend) -> None:
    """二、主动公开政府信息情况 heads a section of prose in old reports; only the table prints 第二十条 / 信息内容."""
    text = ("某县人民政府2014年政府信息公开工作年度报告\n一、概述\n2014年，本县认真贯彻落实《条例》。\n"
            "二、主动公开政府信息情况\n全年主动公开政府信息120条，其中政府网站公开100条。\n三、存在的问题\n一是更新不够及时。\n")
    res = process(from_text(text), rules_backend)
    assert not [p for p, r in res.fields.items() if r.status == UNREAD and p.startswith("proactive.normative")]
    table = ("二、主动公开政府信息情况\n第二十条第（一）项\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n"
             "规章 | 0 | 0 | 0\n")
    res = process(from_text(text.replace("二、主动公开政府信息情况\n", table.replace("规章 | 0 | 0 | 0", "规章 | ? | ? | ?"))),
                  rules_backend)
    assert TABLE_NOT_READ in _unread(res, "proactive.regulations_issued")  # the real table, its cells unreadable
