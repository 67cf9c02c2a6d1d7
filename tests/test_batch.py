"""The Batch API route against the fake server's files and batches endpoints: the same records as live calls."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app

from .conftest import GOLD, N_DEV
from .fake_openai import FakeOpenAI
from .test_model_path import Oracle

DEV = os.path.join(GOLD, "dev", "reports")


@pytest.fixture(scope="module")
def oracle(rules_backend):
    return Oracle(rules_backend)


def run(tmp_path, name: str, *extra: str) -> tuple[str, list[str]]:
    res = CliRunner().invoke(app, ["run", DEV, "--out", str(tmp_path / name), "--db", str(tmp_path / f"{name}.db"),
                                   "--no-progress", "--ask", "all", "--poll", "0", *extra])
    assert res.exit_code == 0, res.output
    return res.output, sorted((tmp_path / name / "results.jsonl").read_text(encoding="utf-8").splitlines())


@pytest.fixture()
def live(oracle, tmp_path, monkeypatch):
    """The records of the same reports asked live."""
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        _, rows = run(tmp_path, "live")
        return rows, len(fake.requests)


def test_a_batch_run_gives_the_records_of_a_live_run_without_a_live_call(oracle, tmp_path, monkeypatch, live):
    rows, calls = live
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        fake.batch_polls = 2
        output, batch_rows = run(tmp_path, "batch", "--batch")
        assert fake.requests == []  # not one live call: every answer came from the batch
        assert ("POST", "/v1/files") in fake.api_calls and fake.api_calls.count(("POST", "/v1/batches")) == 1
        assert len(fake.batch_requests) == calls  # each call once (the same requests the live run made)
        assert f"{calls} answers cached, 0 to be asked live" in output
        assert batch_rows == rows
        again, _ = run(tmp_path, "batch", "--batch")  # done: nothing collected, nothing submitted
        assert f"reports done: 0  skipped (done before): {N_DEV}" in again
        assert fake.api_calls.count(("POST", "/v1/batches")) == 1 and fake.requests == []


def test_answers_the_batch_did_not_give_are_asked_live(oracle, tmp_path, monkeypatch, live):
    rows, calls = live
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        fake.batch_faults = ["error", "invalid", "malformed"]  # the first three lines
        fake.batch_outcome = "expired"  # and only the first half answered at all
        output, batch_rows = run(tmp_path, "batch", "--batch")
        half = calls // 2
        assert f"{half - 3} answers cached, {calls - half + 3} to be asked live" in output
        assert len(fake.requests) == calls - half + 3  # each once, live
        assert batch_rows == rows


def test_a_batch_submitted_before_a_kill_is_polled_not_submitted_again(oracle, tmp_path, monkeypatch, live):
    from extractor import backends
    from extractor.bulk import todo
    from extractor.cli.settings import build
    from extractor.ingest import enumerate_inputs
    from extractor.llm.backend import OpenAIBackend
    from extractor.llm.batch import BatchRoute
    from extractor.llm.transport import Transport
    from extractor.store.db import CallLog, connect

    rows, calls = live
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        db = str(tmp_path / "batch.db")
        settings = build("openai", ask="all")  # what `run --ask all` builds
        log = CallLog(connect(db))
        engine = backends.create(settings, log)
        route = BatchRoute(engine.settings, log, "cfg", str(tmp_path / "work"), echo=lambda _m: None)
        collector = OpenAIBackend(engine.settings, log, Transport(engine.settings, log, defer=route.defer))
        files = route.collect(todo(enumerate_inputs([DEV]), lambda _rid: False), collector)
        assert len(files) == 1

        update = route._update

        def killed(bid, **cols):
            if "batch_id" in cols:  # the batch exists at the provider, our row does not know it yet
                raise KeyboardInterrupt
            update(bid, **cols)

        monkeypatch.setattr(route, "_update", killed)
        with pytest.raises(KeyboardInterrupt):
            route.submit(files)
        assert fake.api_calls.count(("POST", "/v1/batches")) == 1
        output, batch_rows = run(tmp_path, "batch", "--batch")  # the same command again
        assert fake.api_calls.count(("POST", "/v1/batches")) == 1 and fake.requests == []
        assert f"{calls} answers cached" in output
        assert batch_rows == rows


def test_without_waiting_a_run_submits_and_stops_and_the_same_command_later_finishes(oracle, tmp_path, monkeypatch,
                                                                                      live):
    rows, calls = live
    with FakeOpenAI(oracle) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        fake.batch_polls = 1  # still in progress at the first check
        args = ["run", DEV, "--out", str(tmp_path / "b"), "--db", str(tmp_path / "b.db"), "--no-progress", "--ask", "all",
                "--batch", "--no-wait"]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0 and "1 batch(es) still running" in first.output, first.output
        assert "reports done" not in first.output and fake.requests == []
        second = CliRunner().invoke(app, args)  # later: the batch is done, its answers cached, the run finished
        assert second.exit_code == 0 and f"reports done: {N_DEV}" in second.output, second.output
        assert fake.api_calls.count(("POST", "/v1/batches")) == 1 and fake.requests == []
        assert sorted((tmp_path / "b" / "results.jsonl").read_text(encoding="utf-8").splitlines()) == rows
