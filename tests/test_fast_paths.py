"""The faster paths of issue 21 do what the slow ones did: each checked against the plain version it replaced, on
generated variants (no speed is asserted here: speed is `benchmarks/bench.py`'s), and the model path's call log
written off the loop, identical calls in flight sent once, the HTTP client sized by the concurrency."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3

import pytest
from pydantic import BaseModel

from extractor.coverage import TABLES
from extractor.ingest.decode import _looks_binary
from extractor.ingest.html import _JS_ASSIGNMENT, _js_assignment
from extractor.llm.logwriter import LogWriter
from extractor.llm.prompts import load_prompt
from extractor.llm.settings import ModelSettings
from extractor.llm.transport import CallFailed, Transport
from extractor.rules import meta
from extractor.store.db import CallLog, CallRecord, connect
from extractor.text import labels
from extractor.text.numbers import reparse
from extractor.text.script import fold, fold_char

from .conftest import bundled_reports
from .fake_openai import FakeOpenAI


def _spans(matches) -> list:
    return [(m.span(), m.groupdict()) for m in matches]


def _titles(rng: random.Random) -> str:
    """Text around title-shaped phrases: bodies, years, the tail's variants, spaces, punctuation, other digits."""
    body = ["某某镇人民政府", "XX县", "(试行)", "关于印发", "现将", "abc", "", "某局"]
    year = ["2019", "2020", "1999", "12019", "20192019", "２０２１", "2021 "]
    tail = ["年", "年度", " 年度 "]
    genre = ["政府信息公开", "政务公开", "信息公开", "公开", "政务信息公开"]
    end = ["工作报告", "报告", "年报", "工作总结", "总结", "工作", ""]
    noise = ["。", "，", "\n", " ", "、", ":", "《", "》", "٣", "的", "x" * 45]
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts += [rng.choice(noise), rng.choice(body), rng.choice(year), rng.choice(tail), rng.choice(genre),
                  rng.choice(end)]
        if rng.random() < 0.3:
            rng.shuffle(parts)
    return "".join(parts)


def test_the_title_finder_finds_what_the_title_pattern_finds():
    rng = random.Random(21)
    found = 0
    for _ in range(4000):
        text = _titles(rng)
        want = _spans(meta.TITLE_RE.finditer(text))
        assert _spans(meta.title_finditer(text)) == want, text
        found += len(want)
    assert found > 1000  # the variants hold titles, not only near misses


def _hits_reference(text: str, negated_too: bool = False, table2: bool = False) -> list[tuple[str, int, int]]:
    """`labels._hits` as it was: a regex per term."""
    text = labels.GENRE.sub(lambda m: "□" * len(m.group()), text)
    out = []
    for path, terms in labels._terms(table2).items():
        for t in terms:
            for m in re.finditer(re.escape(t), text):
                if not negated_too and not t.startswith(("不", "无", "未")) \
                        and labels.NEGATION.search(text[max(0, m.start() - 2):m.start()]):
                    continue
                out.append((path, m.start(), m.end()))
    return out


def test_label_terms_are_found_as_before():
    rng = random.Random(7)
    terms = sorted({t for ts in {**labels.LABEL_TERMS, **labels.TABLE2_TERMS}.values() for t in ts})
    glue = ["不", "未", "没有", "政府信息公开", "信息公开", "，", "12件", "其中", "共", ""]
    for _ in range(1500):
        text = "".join(rng.choice(terms) if rng.random() < 0.5 else rng.choice(glue) for _ in range(rng.randint(0, 12)))
        for negated_too in (False, True):
            for table2 in (False, True):
                want = _hits_reference(text, negated_too, table2)
                assert labels._hits(text, negated_too, table2) == want, text


def test_fold_is_the_characters_folded_one_by_one():
    rng = random.Random(3)
    alphabet = "政府資訊公開報告１２３ＡＢ薴苧㊀ﬁ①⑴ \n。，,申請件數"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert fold(text) == "".join(fold_char(c) for c in text)


def test_table_two_heading_matches_as_the_nested_pattern_did():
    old = re.compile(r"主动公开政府信息情况(?=[^\n]*\n?(?:[^\n]*\n){0,3}?[^\n]*(?:第二十条|信息内容))")
    rng = random.Random(11)
    pieces = ["主动公开政府信息情况", "第二十条", "信息内容", "\n", "\n\n", "表", "第二十", "条", "信息", " ", "(一)"]
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        a, b = old.search(text), TABLES[0].heading.search(text)
        assert (a and a.span()) == (b and b.span()), repr(text)
        found += a is not None
    assert found > 1000


def test_the_binary_check_counts_control_bytes_as_before():
    def reference(data: bytes) -> bool:
        sample = data[:8192]
        return b"\x00" in sample or sum(1 for b in sample if b < 9 or 13 < b < 32) > len(sample) * 0.05

    rng = random.Random(5)
    seen = set()
    for _ in range(400):
        share = rng.random() * 0.12
        data = bytes(rng.randint(0, 31) if rng.random() < share else rng.randint(32, 255)
                     for _ in range(rng.randint(0, 9000)))
        assert _looks_binary(data) == reference(data)
        seen.add(reference(data))
    assert seen == {True, False}


def test_the_javascript_sniff_answers_what_its_pattern_answers():
    """The literal pre-check before the JavaScript-assignment search never turns away a text the search finds."""
    pieces = ["var", "let", "const", " ", "=", ":", "\"", "'", "`", "<", "<p>", "content", "内容", "公开", "\n", "a1",
              "vars", "letter", "x", "：", "。", "2021"]
    rng = random.Random(11)
    seen = set()
    for _ in range(4000):
        head = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        expected = _JS_ASSIGNMENT.search(head) is not None
        assert _js_assignment(head) == expected, repr(head)
        seen.add(expected)
    assert seen == {True, False}


def test_reparse_kept_answers_are_the_answers():
    for evidence in ("收到申请12件", "0", "没有", "约1.5万元", "12", "占35%", "收到申请12件"):
        for kind in ("int", "yuan"):
            assert reparse(evidence, kind) == reparse.__wrapped__(evidence, kind)


def _rec(key: str, status: str = "ok") -> CallRecord:
    return CallRecord("r1", "m", "tools", "p", "1", "h", "i", key, request={"q": key},
                      response={"answer": key} if status == "ok" else None, status=status)


def test_the_log_writer_answers_from_its_queue_and_writes_in_the_background(tmp_path):
    db = str(tmp_path / "run.db")
    log = LogWriter(db)
    log.record(_rec("k1"))
    log.record(_rec("k2", "failed"))
    assert log.cached("k1") == {"answer": "k1"}  # answered, written or not
    assert log.cached("k2") is None  # a failed call answers nothing

    async def flushed() -> None:
        await log.flushed()

    asyncio.run(flushed())
    con = sqlite3.connect(db)
    rows = con.execute("SELECT cache_key, status, ts FROM calls ORDER BY id").fetchall()
    assert [(k, s) for k, s, _ in rows] == [("k1", "ok"), ("k2", "failed")] and all(ts > 0 for _, _, ts in rows)
    log.record(_rec("k3"))
    log.close()  # what is left is written
    assert con.execute("SELECT COUNT(*) FROM calls WHERE cache_key = 'k3'").fetchone()[0] == 1
    assert CallLog(connect(db)).cached("k3") == {"answer": "k3"}


def test_a_log_writer_that_cannot_write_says_so(tmp_path):
    log = LogWriter(str(tmp_path / "run.db"))
    log.con.execute("DROP TABLE calls")  # a database this writer can no longer write
    log.con.commit()
    log.record(_rec("k1"))
    with pytest.raises(sqlite3.OperationalError):
        log.wait_written()
    with pytest.raises(sqlite3.OperationalError):
        log.close()


class _Answer(BaseModel):
    n: int | None = None


def _transport(fake: FakeOpenAI, db: str, **kw) -> Transport:
    settings = ModelSettings(model="m", base_url=fake.base_url, api_key="sk-test", timeout=5.0, backoff=0.01, **kw)
    return Transport(settings, CallLog(connect(db)))


def test_identical_calls_in_flight_are_sent_once(tmp_path):
    prompt = load_prompt("open_fields")
    with FakeOpenAI(lambda body, fields: {"n": 3}) as fake:
        fake.latency = 0.2
        t = _transport(fake, str(tmp_path / "a.db"), concurrency=4)

        async def main() -> list[BaseModel]:
            try:
                return list(await asyncio.gather(*(t.ask(prompt, "sys", "same", _Answer, "r") for _ in range(3)),
                                                 t.ask(prompt, "sys", "other", _Answer, "r")))
            finally:
                await t.aclose()

        got = asyncio.run(main())
        assert [g.model_dump() for g in got] == [{"n": 3}] * 4
        assert len(fake.requests) == 2  # "same" once, "other" once
    statuses = [r[0] for r in t.log.con.execute("SELECT status FROM calls ORDER BY id")] if t.log else []
    assert sorted(statuses) == ["cache_hit", "cache_hit", "ok", "ok"]


def test_a_call_whose_twin_failed_is_made_on_its_own(tmp_path):
    prompt = load_prompt("open_fields")
    with FakeOpenAI(lambda body, fields: {"n": 5}) as fake:
        fake.latency = 0.2
        fake.script = ["fail"]  # every request fails from the first on
        t = _transport(fake, str(tmp_path / "b.db"), concurrency=4, max_attempts=1)

        async def main() -> list[object]:
            try:
                return list(await asyncio.gather(*(t.ask(prompt, "sys", "same", _Answer, "r") for _ in range(2)),
                                                 return_exceptions=True))
            finally:
                await t.aclose()

        got = asyncio.run(main())
        assert all(isinstance(g, CallFailed) for g in got)
        assert len(fake.requests) == 2  # the second made its own attempt, not the first's failure


def test_the_http_client_keeps_as_many_connections_as_calls_in_flight(tmp_path):
    with FakeOpenAI(lambda body, fields: {}) as fake:
        for n in (3, 150):
            t = _transport(fake, str(tmp_path / f"c{n}.db"), concurrency=n)

            async def limits(t: Transport = t) -> tuple[int, int]:
                t._instructor()
                pool = t._http._transport._pool  # httpx's connection pool (httpcore)
                try:
                    return pool._max_connections, pool._max_keepalive_connections
                finally:
                    await t.aclose()

            assert asyncio.run(limits()) == (n, n)


def test_a_response_model_with_async_validators_is_still_refused_every_time(tmp_path):
    checks = pytest.importorskip("instructor.v2.validation.async_validators")
    with FakeOpenAI(lambda body, fields: {}) as fake:
        _transport(fake, str(tmp_path / "d.db"))  # installs the check that walks a model once
    assert getattr(checks.reject_async_validators, "extractor_once", False)

    class Bad(BaseModel):
        n: int | None = None

    def later(cls: type, value: object) -> object:
        return value

    setattr(later, checks.ASYNC_VALIDATOR_KEY, {"fields": ("n",)})
    Bad.later = later  # type: ignore[attr-defined]
    for _ in range(2):
        with pytest.raises(ValueError, match="async validators"):
            checks.reject_async_validators(Bad)
    checks.reject_async_validators(_Answer)
    checks.reject_async_validators(_Answer)  # passed once: not walked again, and still passes


def test_verify_s_number_comparison_is_values_equal():
    """verification's equal-ints shortcut answers as `values_equal` on ints, floats, bools, strings and the sizes
    where floats stop being exact."""
    from extractor.reconcile.verification import _same_number
    from extractor.text.numbers import values_equal

    rng = random.Random(21)
    big = 2 ** 53
    pool: list[object] = [0, 1, -1, 7, 10 ** 6, big - 1, big, big + 1, -big, 2 ** 60, 0.0, 1.0, 7.0, 0.5, 1e-7,
                          True, False, "7", None, 12.0000001]
    pool += [rng.randint(-10 ** 18, 10 ** 18) for _ in range(50)] + [rng.random() * 1000 for _ in range(20)]
    for a in pool:
        for b in pool + [a, a + 1 if isinstance(a, int) else a]:
            assert _same_number(a, b) == values_equal(a, b), (a, b)


def test_coverage_s_fields_a_unit_may_be_are_those_each_field_would_say():
    """The fields grouped by unit (one question per group) are exactly those asked one by one."""
    from extractor.coverage import _counts, _fitted_by, _unit_fits

    units = [None, "", "%", "件", "条", "次", "人", "人次", "个", "元", "万元", "亿元", "千元", "场", "期", "篇",
             "天", "日", "家", "项", "份", "万", "名", "批", "元/件"]
    for unit in units:
        assert _fitted_by(unit) == frozenset(p for p, k in _counts().items() if _unit_fits(p, k, unit)), unit
    assert _fitted_by("件") and _fitted_by("万元") and not _fitted_by(None)


def _top_level_runs(pattern: str) -> list[str]:
    """What re's own parser says a pattern's top level writes: the runs of CJK literals not under a quantifier."""
    import re._constants as c
    import re._parser as p

    runs, run = [], ""
    for op, av in p.parse(pattern):
        if op is c.LITERAL and 0x4E00 <= av <= 0x9FFF:
            run += chr(av)
            continue
        if run:
            runs.append(run)
        run = ""
    return runs + ([run] if run else [])


_PATTERN_PIECES = ["申请", "甲", "乙丙", "(?:甲|乙)", "(?:了)?", "[^。;,\\n|]{0,6}?", "\\s*", "?", "*", "{1,2}",
                   "\\d+", "(?<!申请)", "(?=省|市)", "[]甲]", "[^]乙]", "[\\]甲]", "\\(", "\\)?", "(?P<n>\\d+)", "件",
                   "|", "[甲-丙]", "\\u4e00", "."]


def test_a_rule_s_anchors_are_literal_runs_re_s_parser_sees_at_the_top_level():
    """`narrative.anchors` reads a pattern's text: each anchor is a run of literals at the top level by re's parser
    (so every match contains it), for every narrative and witness rule and generated patterns; with no alternation,
    no group the parser could inline (it takes a common prefix out of 收费|收取…) and no escaped literal, it finds
    every such run."""
    from extractor.rules import narrative
    from extractor.template import witness

    patterns = [rule.pattern for rule in [*narrative.RULES, *witness.RULES]]
    assert sum(bool(narrative.anchors(p)) for p in patterns) > len(patterns) / 2
    rnd = random.Random(21)
    for _ in range(3000):
        pattern = "".join(rnd.choices(_PATTERN_PIECES, k=rnd.randint(1, 8)))
        try:
            re.compile(pattern)
        except re.error:
            continue
        patterns.append(pattern)
    for pattern in patterns:
        found = narrative.anchors(pattern)
        runs = _top_level_runs(pattern)
        assert all(any(a in run for run in runs) for a in found), pattern
        if "|" not in pattern and "(?:" not in pattern and "\\u" not in pattern:  # \u4e00 is a literal to re
            assert list(found) == runs, pattern


def test_a_rule_finds_what_its_pattern_finds():
    """A rule skips a text without its anchors (not compiling its pattern): on the bundled reports and generated texts
    made of its anchors and their neighbours, its matches are the compiled pattern's."""
    from extractor.rules import narrative
    from extractor.template import witness
    from extractor.text.clean import clean

    texts = [clean(open(f, encoding="utf-8").read()).body.text for f in bundled_reports()]
    rnd = random.Random(5)
    rules = [*narrative.RULES, *witness.RULES]
    for rule in rules:
        for text in texts:
            pos = [m.span() for m in rule.finditer(text)]
            assert pos == [m.span() for m in re.finditer(rule.pattern, text)], rule.pattern
        for _ in range(40):  # pieces of the bundled sentences that state this rule's kind of count, cut anywhere
            text = rnd.choice(texts)
            hits = [m.start() for m in re.finditer(rule.pattern, text)] or [rnd.randrange(len(text))]
            at = rnd.choice(hits)
            piece = text[max(0, at - rnd.randint(0, 20)): at + rnd.randint(0, 60)]
            piece = "".join(ch for ch in piece if rnd.random() > 0.05)
            fresh = narrative.Rule(rule.path, rule.pattern)
            assert [m.span() for m in fresh.finditer(piece)] == [m.span() for m in re.finditer(rule.pattern, piece)]
