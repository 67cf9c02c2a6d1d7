"""The model reads the template table rows the rules left open, as units; only the checks decide (issue 19).

Over loopback (`FakeOpenAI`): a competent reader answering from the gold labels (`adversaries.GoldReader`) and
readers that read rows wrongly. The row checks themselves (`template.rowcheck`) are tested on text built here and on
generated tables (`template.synth`) in a wording the rules' reader misses.
"""

from __future__ import annotations

import json
import os
import random
import re

import pytest

from extractor.core.catalogue import NOT_IN_GOLD, catalogue
from extractor.core.result import MODEL_ROW, ROW_READING_ONLY
from extractor.evaluation.evaluate import find_gold, score_case
from extractor.evaluation.scoring import metrics, score_value
from extractor.ingest.read import from_text, load
from extractor.llm.backend import OpenAIBackend
from extractor.llm.groups import GROUPS, NOT_ASKED
from extractor.llm.transport import ModelSettings, Transport
from extractor.pipeline import process
from extractor.template import rowcheck
from extractor.template.spec import APPEALS, REQUESTS
from extractor.template.synth import random_tables, render_report

from . import adversaries
from .conftest import GOLD, ROOT
from .fake_openai import FakeOpenAI

ROW_FIELDS = {p for t in ("table2", "requests", "appeals") for v in ("2019", "2021") for n in (7, 8)
              for u in rowcheck.units(t, v, n) for p in u.paths if p and not p.endswith("_yuan")}


# ---- every catalogue field is askable --------------------------------------------------------------------------

def test_every_catalogue_field_is_asked_or_listed_as_not_asked_with_why():
    grouped = {p for g in GROUPS for p in g.fields}
    cat = catalogue()
    assert sorted(p for p in cat if p not in grouped | ROW_FIELDS | set(NOT_ASKED)) == []
    assert sorted(p for p in NOT_ASKED if p not in cat) == []  # no stale entry
    assert sorted(p for p in NOT_ASKED if p in grouped | ROW_FIELDS) == []  # asked and "not asked" at once
    assert all(len(why) > 20 for why in NOT_ASKED.values())
    assert sorted(p for p in grouped | ROW_FIELDS if p not in cat) == []


def test_the_catalogue_is_fields_md():
    listed: dict[str, str] = {}
    with open(os.path.join(ROOT, "docs", "spec", "FIELDS.md"), encoding="utf-8") as fh:
        for names, kind in re.findall(r"^\| (`[a-z_]+\.[a-z_]+`(?: / `[a-z_.]+`)*) \| (\w+) \|", fh.read(), re.M):
            paths = re.findall(r"`([a-z_.]+)`", names)  # `appeals.litigation_upheld` / `_corrected`: the same stem
            stem = paths[0].rsplit("_", 1)[0]
            listed |= {(stem + p if p.startswith("_") else p): kind for p in paths}
    cat = catalogue()
    scalar = {p: s.kind for p, s in cat.items() if not p.startswith("standard_table.") and p not in NOT_IN_GOLD}
    assert listed == scalar
    cells = {p for p in cat if p.startswith("standard_table.")}
    assert cells == {g.path(r, c) for g in (REQUESTS, APPEALS) for r in g.row_keys() for c in g.field_columns()}
    assert cells <= ROW_FIELDS  # every template cell is asked, as part of its row


# ---- the row checks ---------------------------------------------------------------------------------------------

def _unit(table: str, key: str, version: str = "2021", ncols: int = 7) -> tuple[rowcheck.RowUnit, list]:
    every = rowcheck.units(table, version, ncols)
    return next(u for u in every if u.key == key), every


def _quoted(text: str, quote: str, table: str, key: str, version: str = "2021"):
    unit, every = _unit(table, key, version)
    i = text.index(quote)
    return unit, rowcheck.read_quote(text, (i, i + len(quote)), unit, every, (0, len(text)))


def test_a_pipe_row_is_its_cells_in_order():
    text = "三、收到和处理政府信息公开申请情况\n（一）予以公开 | 7 | 0 | 0 | 0 | 0 | 0 | 7\n（二）部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1\n"
    unit, q = _quoted(text, "（一）予以公开 | 7 | 0 | 0 | 0 | 0 | 0 | 7", "requests", "disclosed")
    assert not q.refused
    cells = rowcheck.fit(q.tokens, [7, 0, 0, 0, 0, 0, 7], unit)
    assert cells is not None and [text[c.start:c.end] for c in cells] == ["7", "0", "0", "0", "0", "0", "7"]
    assert rowcheck.fit(q.tokens, [0, 7, 0, 0, 0, 0, 7], unit) is None  # shifted: not the cells in order
    assert rowcheck.fit(q.tokens, [7, 0, 0, 0, 0, 1, 7], unit) is None
    assert rowcheck.fit(q.tokens, [7, 0, 0, 0, 0, 0], unit) is None  # a cell short
    [j] = rowcheck.judge([rowcheck.Reading(unit, cells, rowcheck.readings(q.tokens, unit))], {}, {}, [])
    assert j.verified and not j.refused


def test_a_quote_must_name_its_own_row():
    text = "（一）予以公开 | 7 | 0 | 0 | 0 | 0 | 0 | 7\n（二）部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1\n"
    _u, q = _quoted(text, "（二）部分公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1", "requests", "disclosed")
    assert q.refused == "the quote does not name this row"
    # 其他 is in 其他法律行政法规禁止公开: the longer label at the same place is the row's
    t2 = "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0\n"
    assert _quoted(t2, t2.strip(), "requests", "other_other")[1].refused
    assert not _quoted(t2, t2.strip(), "requests", "denied_law_prohibited")[1].refused
    unit, every = _unit("requests", "disclosed")
    assert rowcheck.read_quote(text, (5, 40), unit, every, (0, 20)).refused  # outside the table sent


def test_a_run_together_row_is_one_cut_of_its_digits_and_one_witness_only():
    text = "主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000规范性文件898989第二十条"
    unit, q = _quoted(text, "规范性文件898989", "table2", "normative", "2019")
    allowed = rowcheck.readings(q.tokens, unit)
    assert allowed is not None and len(allowed) > 1
    cells = rowcheck.fit(q.tokens, [89, 89, 89], unit)
    assert cells is not None and cells in allowed
    assert rowcheck.fit(q.tokens, [89, 89, 8], unit) is None  # not the digits
    assert rowcheck.fit(q.tokens, [8, 9, 8989], unit) is not None  # another cut: the digits allow it
    assert rowcheck.fit(q.tokens, [89, 8, 9, 89], unit) is None
    [j] = rowcheck.judge([rowcheck.Reading(unit, cells, allowed)], {}, {}, [])
    assert not j.verified and not j.refused  # the model's word is one witness among the cuts: for review
    # the rules' standing readings bound it: a cut they ruled out is refused
    [j] = rowcheck.judge([rowcheck.Reading(unit, cells, allowed)], {"normative": {0: (8, 898)}}, {}, [])
    assert j.refused


def test_an_identity_with_the_other_rows_settles_a_cut_or_refuses_a_reading():
    from extractor.template.cells import CellValue

    def row(*vals):
        return tuple(CellValue(v, None, None) for v in vals)

    unit, every = _unit("requests", "carried_over_in")
    text = "二、上年结转政府信息公开申请数量011000011\n"
    q = rowcheck.read_quote(text, (0, len(text) - 1), unit, every, (0, len(text)))
    allowed = rowcheck.readings(q.tokens, unit)
    assert allowed is not None and len(allowed) == 2  # 0|1|10|0|0|0|11 or 0|11|0|0|0|0|11: both add up
    right = rowcheck.fit(q.tokens, [0, 11, 0, 0, 0, 0, 11], unit)
    other = rowcheck.fit(q.tokens, [0, 1, 10, 0, 0, 0, 11], unit)
    assert right in allowed and other in allowed
    alone = rowcheck.judge([rowcheck.Reading(unit, right, allowed)], {}, {}, ["carried_over_in"])
    assert [(j.verified, j.refused) for j in alone] == [(False, "")]  # no other row: one witness, for review
    settled = {"new_received": row(0, 0, 0, 0, 0, 0, 0), "handled_total": row(0, 11, 0, 0, 0, 0, 11),
               "carried_forward": row(0, 0, 0, 0, 0, 0, 0)}
    printed = [*settled, "carried_over_in"]
    [j] = rowcheck.judge([rowcheck.Reading(unit, right, allowed)], {}, settled, printed)
    assert j.verified  # new + carried-in = handled + forward in every column: the identity is the second witness
    [j] = rowcheck.judge([rowcheck.Reading(unit, other, allowed)], {}, settled, printed)
    assert j.refused and "identity" in j.refused  # the other cut breaks it: no value is taken from it
    unprinted = rowcheck.judge([rowcheck.Reading(unit, right, allowed)], {}, settled, printed + ["partially_disclosed"])
    assert unprinted[0].verified  # a row the table prints but no one read leaves other identities unchecked


# ---- the model path over loopback -------------------------------------------------------------------------------

def _backend(fake: FakeOpenAI, **kw) -> OpenAIBackend:
    s = ModelSettings(model="fake", base_url=fake.base_url, api_key="sk-rows", timeout=5.0, backoff=0.01, **kw)
    return OpenAIBackend(s, None, Transport(s, None))


@pytest.fixture(scope="module")
def bundled(rules_backend):
    cases = list(find_gold([os.path.join(GOLD, "seed"), os.path.join(GOLD, "dev")]))
    docs = {c.report_path: load(c.report_path) for c in cases}
    rules = {c.report_path: process(docs[c.report_path], rules_backend) for c in cases}
    return cases, docs, rules


def _open(r) -> bool:
    """A field the rules left open: no settled value."""
    return r is None or r.value is None or r.status not in ("verified", "derived")


def test_a_competent_reader_fills_what_the_rules_left_open_and_the_checks_decide(bundled):
    cases, docs, rules = bundled
    reader = adversaries.GoldReader([(docs[c.report_path].original, c.fields) for c in cases])
    with FakeOpenAI(reader) as fake:
        backend = _backend(fake)
        scores, size, calls = [], 0, []
        for c in cases:
            before = len(fake.requests)
            doc = docs[c.report_path]
            result = process(doc, backend)
            calls.append(len(fake.requests) - before)
            size += len(doc.original)
            scores += score_case(c, result)
            for path, gold in c.fields.items():
                was, now = rules[c.report_path].fields.get(path), result.fields.get(path)
                if not _open(was) or gold is None or now is None or now.value is None:
                    continue
                ok = score_value(path, gold, now.value) == 1.0
                # filled: verified and right, or in review; never silently wrong
                assert now.needs_review() or (ok and now.status in ("verified", "derived")), (c.report_path, path)
            for f in result.fields.values():
                if f.method == MODEL_ROW and f.value is not None and f.status == "verified":
                    assert c.fields.get(f.path) is None or score_value(f.path, c.fields[f.path], f.value) == 1.0
            for body in fake.requests[before:]:  # a table goes only with its open rows, and its text once
                user = adversaries.user_text(body)
                for _tid, text in adversaries.tables(body):
                    assert user.count(text) == 1 and text in doc.original
                for attr, _tid in adversaries.ROWS_RE.findall(user):  # never a row the rules settled
                    _r, table, key = attr.split("__", 2)
                    unit = next(u for v in ("2019", "2021") for n in (7, 8) for u in rowcheck.units(table, v, n)
                                if u.key == key)
                    assert any(_open(rules[c.report_path].fields.get(p)) for p in unit.paths if p), attr
    m = metrics(scores)
    assert m["accuracy"] >= 0.995 and m["silent_errors"] == 0, m
    assert max(calls) <= 1  # one call per report, fields and rows together
    assert backend.chars_sent <= 0.4 * size
    assert reader.rows_answered >= 5  # table 二's run-together rows of the flattened pages were asked
    # the run-together rows: the reader's cut is the value, for review (one witness among the cuts)
    flat = next(c for c in cases if "004_pingtan_zone_2019_flattened" in c.report_path)
    with FakeOpenAI(reader) as fake:
        f = process(docs[flat.report_path], _backend(fake)).fields["proactive.normative_documents"]
    assert f.value == flat.fields["proactive.normative_documents"] and f.needs_review()
    assert ROW_READING_ONLY in f.reasons and f.status == "unverified" and f.alternatives


def _generated(seed: int, version: str, layout: str) -> tuple[str, dict]:
    """A report whose table 三 the rules do not read (its first row in a wording their reader misses), and the
    cells it prints."""
    t = random_tables(random.Random(seed), version)
    text, _ = render_report(t, layout)
    text = text.replace("本年新收政府信息公开申请数量", "本年度新收到的政府信息公开申请数量")
    truth = {REQUESTS.path(r, c): v for r, vals in t.requests.items()
             for c, v in zip(REQUESTS.field_columns(), vals, strict=True)}
    truth |= {APPEALS.path(r, c): v for r, vals in t.appeals.items()
              for c, v in zip(APPEALS.field_columns(), vals, strict=True)}
    return text, truth


GENERATED = [(s, v, lay) for s in range(2) for v in ("2019", "2021") for lay in ("pipes", "spaces", "run_together")]


@pytest.fixture(scope="module")
def generated():
    return [_generated(*g) for g in GENERATED]


def test_a_table_the_rules_cannot_read_is_read_row_by_row(generated, rules_backend):
    reader = adversaries.GoldReader(generated)
    verified = 0
    with FakeOpenAI(reader) as fake:
        backend = _backend(fake)
        for (_s, _v, layout), (text, truth) in zip(GENERATED, generated, strict=True):
            doc = from_text(text, "t.txt")
            by_rules = process(doc, rules_backend)
            assert all(by_rules.fields[p].status == "unread" for p in truth)
            result = process(doc, backend)
            record = result.record()  # the strict schema holds the model's cells
            assert record["fields"]["standard_table"]
            for p, v in truth.items():
                f = result.fields[p]
                if f.status == "verified":
                    assert f.value == v and f.method == MODEL_ROW, p
                    verified += 1
                elif f.value is not None:
                    assert f.needs_review(), p
            if layout != "run_together":  # every row but the one in the unknown wording
                assert all(result.fields[p].status == "verified" for p in truth if ".new_received." not in p)
    assert verified > len(generated) * 100


@pytest.mark.parametrize("adversary", [adversaries.WrongRows, adversaries.ShiftedColumns,
                                       adversaries.BreaksIdentity, adversaries.RowQuoteNotInText])
def test_rows_read_wrongly_never_come_out_verified(adversary, bundled, generated):
    cases, docs, _rules = bundled
    reports = [(docs[c.report_path].original, c.fields) for c in cases] + generated
    adv = adversary(reports)
    with FakeOpenAI(adv) as fake:
        backend = _backend(fake)
        results = [(process(from_text(text, "t.txt"), backend), labels) for text, labels in reports]
    assert all(r.status == "done" for r, _ in results)  # the run completes
    assert adv.planted  # the adversary did answer rows
    wrong = [(p, f.value) for r, labels in results for p, f in r.fields.items()
             if f.method == MODEL_ROW and f.status == "verified" and f.value is not None
             and (labels.get(p) is None or score_value(p, labels[p], f.value) < 1.0)]
    assert wrong == []
    if adversary is adversaries.RowQuoteNotInText:  # right numbers, a quote from nowhere: nothing taken
        assert not any(f.method == MODEL_ROW for r, _ in results for f in r.fields.values())
    notes = [n for r, _ in results for n in r.notes if "row readings refused" in n]
    assert notes and json.dumps(notes, ensure_ascii=False)


def test_any_answer_about_a_row_is_judged_without_error(generated):
    """Random numbers and quotes (pieces of the table, of other rows, made up) for every row: judged or refused, no
    exception, nothing verified that the table does not print."""
    from extractor.llm.rows import candidates, open_tables
    from extractor.text.clean import clean

    rng = random.Random(7)
    text, truth = generated[0]
    doc = from_text(text, "t.txt")
    cleaned = clean(doc.original)
    from extractor import backends
    from extractor.reconcile import merge

    decided = merge(backends.create("rules").propose(doc, cleaned).candidates, doc.original)
    tables = open_tables(cleaned, decided)
    assert tables and tables[0].rows

    class Ans:
        def __init__(self, numbers, quote):
            self.numbers, self.quote, self.chunk = numbers, quote, "T1"

    verified = 0
    for _ in range(200):
        t = rng.choice(tables)
        answers = {}
        for u in t.rows:
            a, b = sorted(rng.sample(range(len(t.chunk.text) + 1), 2))
            quote = rng.choice([t.chunk.text[a:b], t.chunk.text[a:a + 60], "", " ", f"{u.label} | 1 | 2"])
            n = rng.choice([u.ncells, u.ncells - 1, u.ncells + 1, 0])
            nums = [rng.choice([0, 1, 7, -3, None, 10**12, 2.5, float("nan")]) for _ in range(n)]
            m = u.pattern.search(t.chunk.text) if u.pattern is not None else None
            if m and rng.random() < 0.3:  # the row as printed, from its label on, and its true cells
                quote, nums = t.chunk.text[m.start():], [truth.get(p) if p else None for p in u.paths]
            answers[f"row__{u.table}__{u.key}"] = Ans(nums, quote)
        cells, _refused = candidates(doc.original, [t], answers, "fuzz")
        for c in cells:
            if not c.reasons and c.value is not None:  # verified readings: the table's own cells
                assert c.value == truth.get(c.path), (c.path, c.value)
                verified += 1
    assert verified > 0
