"""The openai backend over real HTTP against a fake server on 127.0.0.1: answers, planted errors, faults, cache."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.ingest.read import load
from extractor.llm.backend import OpenAIBackend
from extractor.llm.groups import group
from extractor.llm.transport import ModelSettings, Transport
from extractor.pipeline import process
from extractor.store.db import CallLog, connect

from .conftest import GOLD, N_BUNDLED, N_DEV, bundled_reports
from .fake_openai import FakeOpenAI

CHUNK_RE = re.compile(r"\[(C\d+)\]\n(.*?)\n\[/\1\]", re.S)
SEED0 = os.path.join(GOLD, "seed", "reports", "000_8dca62f7a151a3a2.txt")


class Oracle:
    """Answers like a careful model: what the rules found (with evidence), quoted from the passage it is in."""

    def __init__(self, rules_backend) -> None:
        self.docs = {p: load(p) for p in bundled_reports()}
        self.results = {p: process(d, rules_backend) for p, d in self.docs.items()}
        self.planted: dict[str, dict] = {}  # attr -> answer, for every report

    def __call__(self, body: dict, fields: list[str]) -> dict:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        chunks = CHUNK_RE.findall(user)
        path = next((p for p, d in self.docs.items() if chunks and chunks[0][1] in d.original), None)
        out: dict = {}
        for attr in fields:
            if attr in self.planted:
                out[attr] = self.planted[attr]
                continue
            r = self.results[path].fields.get(attr.replace("__", ".")) if path else None
            if r is None or r.value is None or not r.evidence:
                continue
            where = next((cid for cid, text in chunks if r.evidence in text), None)
            if where:
                out[attr] = {"value": r.value, "quote": r.evidence, "chunk": where}
        return out


@pytest.fixture(scope="module")
def oracle(rules_backend):
    return Oracle(rules_backend)


def backend_for(fake: FakeOpenAI, db: str, **kw) -> tuple[OpenAIBackend, list[float]]:
    slept: list[float] = []

    async def sleep(s: float) -> None:  # record the waits instead of waiting them
        slept.append(s)

    settings = ModelSettings(model="fake-model", base_url=fake.base_url, api_key="sk-test-secret-123",
                             **{"timeout": 5.0, "backoff": 0.01, **kw})
    log = CallLog(connect(db))
    return OpenAIBackend(settings, log, Transport(settings, log, sleep=sleep)), slept


def test_whole_pipeline_against_the_fake_server(oracle, tmp_path, monkeypatch):
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123")
        db = str(tmp_path / "run.db")
        args = ["run", os.path.join(GOLD, "seed", "reports"), os.path.join(GOLD, "dev", "reports"),
                "--out", str(tmp_path / "out"), "--db", db, "--no-progress", "--model", "fake-model", "--ask", "all"]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert "backend: openai" in res.output
        first = len(fake.requests)
        assert first >= N_BUNDLED * 3  # --ask all: a call per group with relevant passages
        rows = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(rows) == N_BUNDLED and all(r["backend"] == "openai" for r in rows)
        agree = sum("backends_agree" in f["reasons"] for r in rows for g in r["fields"].values() for f in g.values()
                    if isinstance(f, dict) and "reasons" in f)
        assert agree > 50
        # the model confirms values the rules found with too little confidence: the review queue shrinks
        from extractor.export import counts

        by_rules = CliRunner().invoke(app, ["run", *args[1:3], "--out", str(tmp_path / "rules"), "--db",
                                            str(tmp_path / "rules.db"), "--no-progress", "--backend", "rules"])
        assert by_rules.exit_code == 0, by_rules.output
        review_model = sum(counts(r)[1] for r in rows)
        review_rules = sum(counts(r)[1] for r in (json.loads(x) for x in (tmp_path / "rules" / "results.jsonl")
                                                  .read_text(encoding="utf-8").splitlines()))
        assert review_model < review_rules
        # a second identical run skips every report done under the same configuration
        res2 = CliRunner().invoke(app, args)
        assert res2.exit_code == 0, res2.output
        assert f"reports done: 0  skipped (done before): {N_BUNDLED}" in res2.output
        assert len(fake.requests) == first and CallLog(connect(db)).totals().cache_hits == 0
        rows2 = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sorted(map(json.dumps, rows2)) == sorted(map(json.dumps, rows))  # the same records, from the store
        # redone with --force, every call is answered from the cache: zero HTTP calls
        res3 = CliRunner().invoke(app, [*args, "--force"])
        assert res3.exit_code == 0 and f"reports done: {N_BUNDLED}" in res3.output, res3.output
        assert len(fake.requests) == first
        log = CallLog(connect(db)).totals()
        assert log.cache_hits == log.ok == first
        # the key is never printed or stored
        dump = "\n".join(sqlite3.connect(db).iterdump())
        assert "sk-test-secret-123" not in res.output + res2.output + dump
        logs = CliRunner().invoke(app, ["logs", "--db", db])
        assert logs.exit_code == 0 and f"cache hits: {first}" in logs.output


def test_open_mode_asks_once_per_report_about_what_the_rules_left_open(oracle, tmp_path, rules_backend):
    with FakeOpenAI(oracle) as fake:
        backend, _ = backend_for(fake, str(tmp_path / "o.db"))
        sent = 0
        for p in bundled_reports():
            before = len(fake.requests)
            doc = load(p)
            rules = process(doc, rules_backend)
            process(doc, backend)
            assert len(fake.requests) - before <= 1
            if len(fake.requests) > before:
                body = fake.requests[-1]
                asked = set(body["tools"][0]["function"]["parameters"]["properties"])
                for attr in asked:  # never a field the rules verified without a failed check
                    r = rules.fields.get(attr.replace("__", "."))
                    assert r is None or r.value is None or r.status not in ("verified", "derived") or r.reasons, attr
                user = next(m["content"] for m in body["messages"] if m["role"] == "user")
                assert all(text in doc.original for _, text in CHUNK_RE.findall(user))  # verbatim sentences
            sent += len(doc.original)
        assert backend.chars_sent <= 0.4 * sent  # the bulk-conversion target: at most 40% of the input


def test_open_mode_sends_at_most_40_percent_of_the_dev_reports_too(tmp_path):
    dev = [p for p in bundled_reports() if os.sep + "dev" + os.sep in p]
    with FakeOpenAI(lambda body, fields: {}) as fake:
        backend, _ = backend_for(fake, str(tmp_path / "d.db"))
        size = 0
        for p in dev:
            doc = load(p)
            size += len(doc.original)
            process(doc, backend)
    assert dev and backend.chars_sent <= 0.4 * size


def test_a_count_is_not_a_date_an_ordinal_or_a_document_number():
    from extractor.llm.passages import states_count

    for text in ("2019年印发", "2013年12月31日止", "1、加强组织领导", "（14）推进其他信息公开", "岚综管办便函〔2021〕39号",
                 "电话：0591-23165370", "规划（2021-2035）", "本报告由六个部分组成", "http://www.penglai.gov.cn"):
        assert not states_count(text), text
    for text in ("主动公开政府信息2543条", "没有收到申请", "召开新闻发布会2场", "共计减免金额219062.78元", "设立3个查阅点",
                 "其中现场咨询1600人次", "2.04%"):
        assert states_count(text), text


def test_a_long_sentence_is_cut_to_the_clauses_that_can_state_a_numeric_field():
    from extractor.llm.passages import Chunk, clauses_for

    lead = "今年，围绕中心工作，不断拓展重点领域信息公开的广度与深度，"
    text = lead + "召开新闻发布会，共计12场，发布各类信息2000余条。"
    c = Chunk("C1", 100, 100 + len(text), text, text)
    [(part, named)] = clauses_for(c, ["proactive.press_conferences"], {})
    assert part.text == "召开新闻发布会，共计12场，" and named == {"proactive.press_conferences"}
    assert text[part.start - 100:part.end - 100] == part.text  # original offsets: the quote is located in it
    assert clauses_for(c, ["capacity.trainings"], {}) == []  # no clause names it: nothing sent, it is not asked


def test_planted_errors_never_come_out_verified(oracle, tmp_path, rules_backend):
    doc = load(SEED0)
    rules = process(doc, rules_backend)
    website = rules.fields["proactive.website"]
    received = rules.fields["requests.received"]
    assert website.status == received.status == "verified"
    chunk1 = "C1"
    planted = {
        # a number not in the source, quoted with a real sentence (the rules have no value here)
        "proactive__weibo": {"value": 999, "quote": website.evidence, "chunk": None},
        # an evidence quote that is not in the source
        "proactive__policy_interpretations": {"value": 12, "quote": "发布政策解读文章12篇", "chunk": chunk1},
        # a real quote, but not in the passage the model named (evidence elsewhere than the span)
        "requests__handled_total": {"value": received.value, "quote": received.evidence, "chunk": chunk1},
        # 0 where the report is silent
        "capacity__meetings": {"value": 0, "quote": None, "chunk": None},
        # a value moved to the wrong field: its evidence names another quantity (申请, not 传真)
        "requests__fax": {"value": received.value, "quote": received.evidence, "chunk": None},
        # a wrong number where the rules verified the right one: the rules' value stands, the field is reviewed
        "proactive__website": {"value": website.value + 7, "quote": website.evidence, "chunk": None},
    }
    assert received.evidence not in doc.original[:200]  # so it is not in C1
    oracle.planted = planted
    try:
        with FakeOpenAI(oracle) as fake:
            backend, _ = backend_for(fake, str(tmp_path / "p.db"), ask="all")  # every field, planted ones too
            result = process(doc, backend)
    finally:
        oracle.planted = {}
    reasons = {}
    counts = {"planted": len(planted), "model_answer_verified": 0, "in_review": 0}
    for attr, answer in planted.items():
        f = result.fields[attr.replace("__", ".")]
        said = f.as_dict() if f.method == "model" else next(a for a in f.alternatives if a["backend"] == "model")
        assert said["value"] == answer["value"], attr
        counts["model_answer_verified"] += said["status"] == "verified"
        counts["in_review"] += f.needs_review()
        reasons[attr] = said["reasons"]
    assert counts == {"planted": 6, "model_answer_verified": 0, "in_review": 6}, reasons
    assert "number_not_in_evidence" in reasons["proactive__weibo"]
    assert "evidence_not_in_source" in reasons["proactive__policy_interpretations"]
    assert "evidence_not_at_span" in reasons["requests__handled_total"]
    assert "no_evidence" in reasons["capacity__meetings"]
    assert "evidence_off_field" in reasons["requests__fax"]
    assert result.value("proactive.website") == website.value
    assert "other_witness_unverified" in result.fields["proactive.website"].reasons
    # correct answers with correct evidence come out verified and agreeing
    assert result.fields["requests.received"].status == "verified"
    assert "backends_agree" in result.fields["requests.received"].reasons


def _one_call(fake: FakeOpenAI, tmp_path, name: str, **kw):
    backend, slept = backend_for(fake, str(tmp_path / f"{name}.db"), **{"ask": "all", **kw})
    g = group("fees_appeals")
    backend.groups = [g]
    result = process(load(SEED0), backend)
    return result, slept


@pytest.mark.parametrize(
    ("script", "requests", "check_sleep"),
    [
        (["429:3"], 2, 3.0),  # rate limited: waits what Retry-After says, then succeeds
        (["500"], 2, None),
        (["slow:2"], 2, None),  # times out (client timeout 0.5 s), then succeeds
        (["malformed"], 2, None),  # re-asked by instructor
        (["invalid"], 2, None),  # schema-invalid: re-asked
    ],
)
def test_fault_matrix(oracle, tmp_path, script, requests, check_sleep):
    with FakeOpenAI(oracle) as fake:
        fake.script = list(script)
        result, slept = _one_call(fake, tmp_path, script[0].split(":")[0], timeout=0.5)
        assert len(fake.requests) == requests
        assert result.notes == []
        assert result.fields["appeals.reconsideration_total"].status == "verified"
        if check_sleep is not None:
            assert slept == [check_sleep]


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_the_request_is_the_one_the_sdk_would_send(tmp_path, mode):
    """The transport posts instructor's plain-JSON request without the SDK's transform: the same body and headers
    (the key as a bearer token, the SDK's own) as the SDK's `create` sends for the same call."""
    import instructor
    import openai

    from extractor.llm.answers import fields_model
    from extractor.llm.prompts import load_prompt
    from extractor.llm.transport import MODES

    model = fields_model(tuple(group("fees_appeals").fields), "open_fields", (("row__r1", "行政复议"),))
    messages = [{"role": "system", "content": "说明"}, {"role": "user", "content": "[C1]\n复议 3 件\n[/C1]"}]
    with FakeOpenAI(lambda body, fields: {}) as fake:
        settings = ModelSettings(model="fake-model", base_url=fake.base_url, api_key="sk-test-secret-123", mode=mode)
        transport = Transport(settings, None)

        async def ours() -> None:
            await transport.ask(load_prompt("open_fields"), messages[0]["content"], messages[1]["content"], model)
            await transport.aclose()

        async def sdks() -> None:
            raw = openai.AsyncOpenAI(api_key="sk-test-secret-123", base_url=fake.base_url, max_retries=0)
            client = instructor.from_openai(raw, mode=MODES[mode])
            await client.chat.completions.create_with_completion(model="fake-model", response_model=model,
                                                                 messages=messages, max_retries=1)
            await raw.close()

        asyncio.run(ours())
        asyncio.run(sdks())
        assert len(fake.requests) == 2
        assert fake.requests[0] == fake.requests[1]
        assert fake.requests[0]["messages"][1]["content"].startswith(messages[1]["content"])
        ignored = {"x-stainless-retry-count", "x-stainless-read-timeout", "x-stainless-async"}
        got, want = ({k: v for k, v in h.items() if k not in ignored} for h in fake.headers)
        assert got["authorization"] == "Bearer sk-test-secret-123"
        assert got == want


def test_a_request_that_is_not_plain_json_goes_through_the_sdk():
    """Any parameter but the plain ones instructor passes in our modes is the SDK's to transform: its own create."""
    import openai

    from extractor.llm.transport import _plain_create

    with FakeOpenAI(lambda body, fields: {}) as fake:
        async def go() -> None:
            raw = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0)
            create = _plain_create(raw)
            assert create is not None
            messages = [{"role": "user", "content": "复议"}]
            await create(model="m", messages=messages)
            await create(model="m", messages=messages, temperature=0.0)
            await raw.close()

        asyncio.run(go())
        assert fake.requests == [{"model": "m", "messages": [{"role": "user", "content": "复议"}]},
                                 {"model": "m", "messages": [{"role": "user", "content": "复议"}], "temperature": 0.0}]
        assert all(h["authorization"] == "Bearer sk-test" for h in fake.headers)


def test_permanent_failure_keeps_the_rules_values(oracle, tmp_path, rules_backend):
    with FakeOpenAI(oracle) as fake:
        fake.script = ["fail"]
        result, slept = _one_call(fake, tmp_path, "fail", max_attempts=3)
        assert len(fake.requests) == 3 and len(slept) == 2  # bounded attempts, backoff between them
    assert result.notes and "failed after 3 HTTP attempt(s)" in result.notes[0]
    rules = process(load(SEED0), rules_backend)
    assert result.value("appeals.reconsideration_total") == rules.value("appeals.reconsideration_total")


@pytest.mark.parametrize("mode", ["json", "json_schema", "md_json"])
def test_modes_for_local_servers(oracle, tmp_path, mode):
    with FakeOpenAI(oracle) as fake:
        result, _ = _one_call(fake, tmp_path, mode, mode=mode)
        assert len(fake.requests) == 1
        assert "backends_agree" in result.fields["appeals.reconsideration_total"].reasons


def test_concurrency_is_bounded(oracle, tmp_path):
    with FakeOpenAI(oracle) as fake:
        fake.latency = 0.05
        backend, _ = backend_for(fake, str(tmp_path / "c.db"), concurrency=2, ask="all")
        docs = [load(p) for p in bundled_reports()[:4]]

        async def go() -> None:
            from extractor.pipeline import aprocess

            await asyncio.gather(*(aprocess(d, backend) for d in docs))
            await backend.transport.aclose()

        asyncio.run(go())
        assert len(fake.requests) >= 8
        assert backend.transport.http_requests == len(fake.requests)
        assert fake.max_in_flight == 2  # the bound was reached and never passed


def test_shards_share_the_bound_and_change_no_value(oracle, tmp_path, monkeypatch):
    """The model path over several processes: the run's concurrency is shared, not multiplied, and the records are
    those of one process."""
    from extractor.bulk.shards import shard_settings

    parts = shard_settings(ModelSettings(model="m", concurrency=5, rpm=60), 2)
    assert [p.concurrency for p in parts] == [3, 2] and [p.rpm for p in parts] == [30, 30]
    assert len(shard_settings(ModelSettings(model="m", concurrency=1), 4)) == 1
    with FakeOpenAI(oracle) as fake:
        fake.latency = 0.05
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        records = {}
        for w in ("1", "3"):
            res = CliRunner().invoke(app, ["run", os.path.join(GOLD, "dev", "reports"), "--out", str(tmp_path / w),
                                           "--db", str(tmp_path / f"{w}.db"), "--no-progress", "--ask", "all",
                                           "--workers", w, "--concurrency", "3"])
            assert res.exit_code == 0 and f"reports done: {N_DEV}" in res.output, res.output
            records[w] = sorted((tmp_path / w / "results.jsonl").read_text(encoding="utf-8").splitlines())
        assert fake.max_in_flight == 3
        assert records["1"] == records["3"]


def test_a_model_worker_that_dies_fails_its_reports_and_the_run_goes_on(oracle, tmp_path, monkeypatch):
    import multiprocessing
    import signal

    killed: list[int] = []

    def answer(body: dict, fields: list[str]) -> dict:
        with lock:
            shard = next((p for p in multiprocessing.active_children() if p.name == "extractor-shard-0"), None)
            if shard is not None and not killed:  # mid-call: the worker holding reports is killed outright
                killed.append(shard.pid)
                os.kill(shard.pid, signal.SIGKILL)
        return oracle(body, fields)

    import threading

    lock = threading.Lock()
    with FakeOpenAI(answer) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        args = ["run", os.path.join(GOLD, "seed", "reports"), os.path.join(GOLD, "dev", "reports"), "--out",
                str(tmp_path / "out"), "--db", str(tmp_path / "run.db"), "--no-progress", "--ask", "all", "--workers", "2"]
        res = CliRunner().invoke(app, args)
        assert killed and res.exit_code == 1
        done = int(re.search(r"reports done: (\d+)", res.output).group(1))
        failed = int(re.search(r"failed: (\d+)", res.output).group(1))
        assert failed >= 1 and done + failed == N_BUNDLED
        assert res.output.count("model worker process died (exit code -9)") == failed
        again = CliRunner().invoke(app, args)  # the failed reports are redone, the others skipped
        assert again.exit_code == 0, again.output
        assert f"reports done: {failed}  skipped (done before): {done}  failed: 0" in again.output


def test_auto_says_which_backend(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    res = CliRunner().invoke(app, ["run", SEED0, "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0 and "backend: rules (auto: no OPENAI_BASE_URL" in res.output
    res = CliRunner().invoke(app, ["run", SEED0, "--out", str(tmp_path), "--backend", "openai"])
    assert res.exit_code == 2 and "needs OPENAI_BASE_URL" in res.output


def test_an_sdk_without_the_security_option_uses_its_own_create(monkeypatch, oracle, tmp_path):
    """openai 1.x's request options take no `security`: the plain path is not taken (no error), the SDK's own create
    is, and a call is answered as before."""
    import openai._base_client as base

    from extractor.llm.transport import _plain_create

    real = base.make_request_options

    def old_signature(*, query=None, extra_headers=None, extra_query=None, extra_body=None, idempotency_key=None,
                      timeout=None, post_parser=None):
        return real(query=query, extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body,
                    idempotency_key=idempotency_key, timeout=timeout, post_parser=post_parser)

    monkeypatch.setattr(base, "make_request_options", old_signature)
    with FakeOpenAI(oracle) as fake:
        import openai

        raw = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        assert _plain_create(raw) is None
        asyncio.run(raw.close())
        result, _ = _one_call(fake, tmp_path, "ok")
        assert len(fake.requests) == 1
        assert "backends_agree" in result.fields["appeals.reconsideration_total"].reasons


def test_the_tls_context_verifies_whatever_the_endpoint_s_scheme():
    """One context per process, verifying certificates and host names: an http:// endpoint behind an HTTPS proxy, or
    redirected to HTTPS, is checked against the default trust store, not refused by a context that trusts nothing."""
    import ssl

    from extractor.llm.transport import _ssl_context

    ctx = _ssl_context()
    assert ctx is _ssl_context()
    if isinstance(ctx, ssl.SSLContext):
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    else:
        assert ctx is True
