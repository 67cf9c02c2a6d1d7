"""The model reads the rows of the old 统计表 the rules left open, as units; only the checks decide (issue 19).

No bundled report has an open 统计表 row, so the reports are generated (`template.legacy_synth`, every identity
holding) and one row of each is damaged the ways scrapes damage them: the unit cell and the year's number run
together in a `|` table (the reader cannot cut the row), a row's two numbers run together or one of them lost in a
table separated by spaces, a whole table run together (several cuts stand). Over loopback (`FakeOpenAI`) a competent
reader (`adversaries.GoldReader`) and readers that read rows wrongly answer them.
"""

from __future__ import annotations

import random

import pytest

from extractor.core.result import MODEL_ROW, ROW_READING_ONLY
from extractor.ingest.read import from_text
from extractor.llm.backend import OpenAIBackend
from extractor.llm.transport import ModelSettings, Transport
from extractor.pipeline import process
from extractor.template import legacy_synth
from extractor.template.legacy import BY_KEY

from . import adversaries
from .fake_openai import FakeOpenAI


def _damaged(seed: int, layout: str) -> tuple[str, dict]:
    """A generated report with one row of its 统计表 damaged (none in `run_together`: its cuts are the damage)."""
    rng = random.Random(seed)
    t = legacy_synth.random_table(rng, ncols=2, blanks=False)
    text, _suffix, gold = legacy_synth.render_report(t, layout, witnesses=rng.random() < 0.3)
    rows = [r for r in t.rows if None not in r.cells and len(BY_KEY[r.key].fields) == 1]
    if not rows:  # a 历年累计 column left empty
        return text, gold
    row = rng.choice(rows)
    a, b = row.cells
    if layout == "pipes":  # the unit cell and the year's number in one cell
        text = text.replace(f"{row.label} | {row.unit} | {a} | {b}", f"{row.label} | {row.unit} {a} | {b}")
    elif layout == "spaces" and seed % 2:  # the two numbers run together
        text = text.replace(f"{row.label} {row.unit} {a} {b} ", f"{row.label} {row.unit} {a}{b} ")
    elif layout == "spaces":  # the cumulative number lost
        text = text.replace(f"{row.label} {row.unit} {a} {b} ", f"{row.label} {row.unit} {a} ")
    return text, gold


CASES = [(s, lay) for s in range(8) for lay in ("pipes", "spaces", "run_together")]


@pytest.fixture(scope="module")
def damaged(rules_backend):
    out = []
    for seed, layout in CASES:
        text, gold = _damaged(seed, layout)
        out.append((text, gold, process(from_text(text, "t.txt"), rules_backend)))
    return out


def _backend(fake: FakeOpenAI) -> OpenAIBackend:
    s = ModelSettings(model="fake", base_url=fake.base_url, api_key="sk-legacy", timeout=5.0, backoff=0.01)
    return OpenAIBackend(s, None, Transport(s, None))


def _open(r) -> bool:
    return r is None or r.value is None or r.status not in ("verified", "derived")


def _gold_fields(gold: dict) -> dict:
    return {p: v for p, v in gold.items() if not p.startswith("meta.")}


def test_the_damage_leaves_rows_open(damaged):
    left = [p for _t, gold, by_rules in damaged for p in _gold_fields(gold) if _open(by_rules.fields.get(p))]
    assert len(left) > 40
    wrong = [p for _t, gold, r in damaged for p, v in _gold_fields(gold).items()
             if not _open(r.fields.get(p)) and not r.fields[p].needs_review() and r.fields[p].value != v]
    assert wrong == []  # the rules alone: open, never silently wrong


def test_a_competent_reader_fills_open_rows_and_only_the_checks_verify(damaged):
    reader = adversaries.GoldReader([(t, g) for t, g, _r in damaged])
    verified_by_model = in_review = 0
    with FakeOpenAI(reader) as fake:
        backend = _backend(fake)
        for text, gold, by_rules in damaged:
            before = len(fake.requests)
            result = process(from_text(text, "t.txt"), backend)
            assert len(fake.requests) - before <= 1  # one call per report
            for p, want in _gold_fields(gold).items():
                if not _open(by_rules.fields.get(p)):
                    continue
                f = result.fields.get(p)
                if f is None or f.value is None or f.needs_review():
                    in_review += 1
                    continue
                assert f.value == want, (p, f.value, want)  # filled and verified: right; never silently wrong
                verified_by_model += f.method == MODEL_ROW
            for body in fake.requests[before:]:
                user = adversaries.user_text(body)
                for _tid, table in adversaries.tables(body):
                    assert user.count(table) == 1 and table in text  # the table once, verbatim
                    assert not any(table in c for _c, c in adversaries.chunks(body))
                for attr, _tid in adversaries.ROWS_RE.findall(user):  # only rows the rules left open
                    key = attr.split("__", 2)[2]
                    assert any(_open(by_rules.fields.get(p)) for p in BY_KEY[key].fields), attr
    assert reader.rows_answered > 20
    assert verified_by_model >= 4  # the `|` rows the reader could not cut: one reading, the identities hold
    assert in_review > 0  # the run-together rows: one witness among the cuts


def test_a_run_together_row_read_by_the_model_is_one_witness_in_review(damaged):
    reader = adversaries.GoldReader([(t, g) for t, g, _r in damaged])
    witnessed = 0
    with FakeOpenAI(reader) as fake:
        backend = _backend(fake)
        for (_seed, layout), (text, _gold, by_rules) in zip(CASES, damaged, strict=True):
            if layout != "run_together":
                continue
            result = process(from_text(text, "t.txt"), backend)
            for p, f in result.fields.items():
                if f.method == MODEL_ROW and ROW_READING_ONLY in f.reasons:
                    assert f.needs_review() and f.status == "unverified"
                    assert by_rules.fields[p].status == "ambiguous"
                    witnessed += 1
    assert witnessed > 0


def test_a_settled_table_is_never_sent(rules_backend):
    rng = random.Random(3)
    t = legacy_synth.random_table(rng, ncols=2, blanks=False)
    text, _s, gold = legacy_synth.render_report(t, "pipes")
    reader = adversaries.GoldReader([(text, gold)])
    with FakeOpenAI(reader) as fake:
        process(from_text(text, "t.txt"), _backend(fake))
        sent = [adversaries.user_text(b) for b in fake.requests]
    first_row = t.rows[0].label
    assert all("[T1]" not in u and first_row not in u for u in sent)  # neither as a table nor sentence by sentence


@pytest.mark.parametrize("adversary", [adversaries.WrongRows, adversaries.ShiftedColumns,
                                       adversaries.BreaksIdentity, adversaries.RowQuoteNotInText])
def test_legacy_rows_read_wrongly_never_come_out_verified(adversary, damaged):
    adv = adversary([(t, g) for t, g, _r in damaged])
    with FakeOpenAI(adv) as fake:
        backend = _backend(fake)
        results = [(process(from_text(text, "t.txt"), backend), gold) for text, gold, _r in damaged]
    assert all(r.status == "done" for r, _ in results)  # the run completes
    assert adv.planted
    wrong = [(p, f.value) for r, gold in results for p, f in r.fields.items()
             if f.method == MODEL_ROW and f.status == "verified" and f.value is not None and gold.get(p) != f.value]
    assert wrong == []
    assert any("row readings refused" in n for r, _ in results for n in r.notes)


def test_any_answer_about_a_legacy_row_is_judged_without_error(damaged):
    """Random numbers and quotes (pieces of the table, other rows, made up) for every open row: judged or refused, no
    exception, nothing verified that the table does not print."""
    from extractor import backends
    from extractor.llm.legacy_rows import open_legacy
    from extractor.reconcile import merge
    from extractor.text.clean import clean

    class Ans:
        def __init__(self, numbers, quote):
            self.numbers, self.quote, self.chunk = numbers, quote, "T1"

    rng = random.Random(11)
    rules = backends.create("rules")
    verified = 0
    for text, gold, _r in damaged:
        doc = from_text(text, "t.txt")
        cleaned = clean(doc.original)
        said = rules.propose(doc, cleaned)
        t, _region = open_legacy(cleaned, merge(said.candidates, doc.original), said.candidates, "T1")
        if t is None:
            continue
        body = t.chunk.text
        for _ in range(30):
            answers = {}
            for u in t.rows:
                a, b = sorted(rng.sample(range(len(body) + 1), 2))
                at = body.find(u.label)
                quote = rng.choice([body[a:b], body[a:a + 40], "", f"{u.label} | 1 | 2",
                                    body[at:at + rng.randint(len(u.label), len(u.label) + 30)] if at >= 0 else ""])
                n = rng.choice([u.ncells, u.ncells - 1, u.ncells + 1])
                nums = [rng.choice([0, 1, 7, -3, None, 10**12, 2.5, float("nan")]) for _ in range(n)]
                if at >= 0 and rng.random() < 0.4:
                    nums = [gold.get(p) if p else rng.choice([0, 1, None]) for p in u.paths]
                answers[f"row__{u.table}__{u.key}"] = Ans(nums, quote)
            cells, _refused = t.read(doc.original, answers, "fuzz")
            for c in cells:
                if not c.reasons and c.value is not None:
                    assert c.value == gold.get(c.path), (c.path, c.value)
                    verified += 1
    assert verified > 0
