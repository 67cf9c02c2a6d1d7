"""Reconcile's steps and what they share with the rest: the reason codes in one place, the percentage a sentence
states read by the rules (the check only checks), verification once per candidate, spans decided in text.spans."""

from __future__ import annotations

import inspect

import pytest

from extractor import coverage
from extractor.core import result as R
from extractor.core.candidates import Candidate
from extractor.ingest import from_text
from extractor.pipeline import process
from extractor.reconcile import checks, decide, merge, verify_all
from extractor.rules import meta
from extractor.template import emit
from extractor.text import spans
from extractor.text.clean import build_view, clean

SHARES = ("某县人民政府2020年政府信息公开工作年度报告\n一、主动公开政府信息情况\n本年度主动公开政府信息100条，其中通过政府网站"
          "公开40条，占40%；通过政务微博公开30条，占总数的50%；通过政务微信公开30条。\n")


def _reasons(record_fields) -> set[str]:
    return {x for f in record_fields.values() for x in f.reasons + [y for a in f.alternatives for y in a["reasons"]]}


def test_every_reason_a_record_carries_is_listed_in_the_core(bundled_results, rules_backend):
    from extractor.evaluation.corpus import FORMATS, report

    seen = set()
    for r in bundled_results.values():
        seen |= _reasons(r.fields)
    for i in range(3):
        for fmt in FORMATS:
            seen |= _reasons(process(from_text(report(i, fmt=fmt).text), rules_backend).fields)
    assert len(seen) > 15  # a real number of codes was looked at
    assert sorted(x for x in seen if not R.known(x)) == []
    assert all(R.STATUSES[s] for s in (R.VERIFIED, R.DERIVED, R.UNVERIFIED, R.CONFLICT, R.AMBIGUOUS, R.UNREAD))
    assert all(meaning.strip() for meaning in [*R.REASONS.values(), *R.PREFIXES.values()])


def test_the_stages_codes_are_the_cores():
    assert (coverage.UNREAD, coverage.TABLE_NOT_READ, coverage.TABLE_MISSING, coverage.ROW_NOT_READ,
            coverage.STATED_NOT_READ, coverage.SECTION_NOT_READ) == (R.UNREAD, *R.UNREAD_REASONS)
    assert (meta.NOT_A_REPORT, meta.PRONOUN_NOT_A_NAME) == (R.NOT_A_REPORT, R.PRONOUN_NOT_A_NAME)
    assert emit.BLANK_CELL == R.BLANK_CELL  # the template keeps its name for it
    assert R.CHECK_FAILURES <= set(R.REASONS) and R.NULL_FLAGS <= set(R.REASONS) and R.HARD_FAILURES <= set(R.REASONS)


def test_the_share_a_sentence_states_is_read_by_the_rules_and_checked(rules_backend):
    got = process(from_text(SHARES), rules_backend).fields
    website, weibo, wechat = got["proactive.website"], got["proactive.weibo"], got["proactive.wechat"]
    assert (website.share, weibo.share, wechat.share) == (40.0, 50.0, None)
    assert R.PERCENT_MISMATCH in weibo.reasons and weibo.needs_review()  # 30 of 100 is not 50%
    assert R.PERCENT_MISMATCH not in website.reasons and website.confidence > wechat.confidence  # 40 of 100: 40%


def test_the_checks_read_the_results_not_the_report(rules_backend):
    assert list(inspect.signature(checks.check).parameters) == ["results"]
    doc = from_text(SHARES)
    cands = rules_backend.propose(doc, clean(doc.original)).candidates
    for c in cands:
        c.share = None  # no reader found a share: nothing to check, whatever the text says
    got = merge(cands, doc.original)
    assert R.PERCENT_MISMATCH not in got["proactive.weibo"].reasons


def test_verify_once_then_add_witnesses_is_the_whole_merge(rules_backend):
    doc = from_text(SHARES)
    rules = rules_backend.propose(doc, clean(doc.original)).candidates
    i = doc.original.index("通过政务微博公开30")
    model = [Candidate("proactive.weibo", 30, "通过政务微博公开30", (i, i + 10), method="model", backend="openai"),
             Candidate("proactive.gazette", 7, "公报7", (0, 3), method="model", backend="openai")]
    verified = verify_all(rules, doc.original)
    before = {p: list(cs) for p, cs in verified.by_path.items()}
    both = verified.add(model)
    assert verified.by_path == before  # adding leaves the rules' set as it was
    want = merge(rules + model, doc.original)
    assert {p: r.as_dict() for p, r in decide(both).items()} == {p: r.as_dict() for p, r in want.items()}
    assert want["proactive.gazette"].method == "model" and want["proactive.gazette"].status == R.UNVERIFIED


@pytest.mark.parametrize("text", ["本年度主动公开信息120条。", "本年度主動公開資訊１２０條。", "ＡＢ ｃ\n公开"])
def test_a_view_maps_back_through_the_spans_module(text):
    view = build_view(text)
    folded, offsets = spans.folded(text)
    assert (view.text, list(view.offsets)) == (folded, list(offsets))
    for a in range(len(view.text)):
        for b in range(a + 1, len(view.text) + 1):
            ev, span = view.evidence(a, b)
            assert (ev, span) == spans.evidence_at(text, offsets, a, b) and spans.at_span(text, ev, span)


def test_a_quote_is_located_in_its_passage_and_cut_at_its_value():
    original = "一、概述\n本年度主動公開政府信息 120 條，其中網站公開80條。\n"
    lo = original.index("本年度")
    passage = (lo, len(original))
    q = spans.locate(original, "主动公开政府信息120条，其中网站公开80条", passage)  # script and spacing differ
    assert q.span is not None and spans.at_span(original, q.text, q.span)
    cut = spans.cut_at_value(q, 120, "int")
    assert cut.text == "主動公開政府信息 120 條" and spans.at_span(original, cut.text, cut.span)
    elsewhere = spans.locate(original, "一、概述", passage)  # in the report, not in the passage named
    assert elsewhere.span == (lo, lo + 4) and not spans.at_span(original, elsewhere.text, elsewhere.span)
    assert not spans.at_span(original, "", (lo, lo))  # an empty span holds no evidence
