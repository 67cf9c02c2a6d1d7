"""Bulk runs: killed at any moment and re-run, every report is done exactly once; workers change nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.evaluation import corpus

from .conftest import ROOT


def _rows(out):
    return [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_run_killed_midway_resumes_with_every_report_exactly_once(tmp_path):
    src, out, db = tmp_path / "corpus", tmp_path / "out", tmp_path / "run.db"
    n = 80
    corpus.write(str(src), n, seed=3, with_gold=False)
    cmd = [sys.executable, "-m", "extractor", "run", str(src / "reports"), "--out", str(out), "--db", str(db),
           "--backend", "rules", "--workers", "2", "--no-progress", "--per-report-json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    committed = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                committed = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0  # tables not made yet
        if committed >= 10:
            break
        time.sleep(0.02)
    assert proc.poll() is None and 10 <= committed < n, "the run must be killed midway"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-report
    proc.wait()
    before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert before < n

    res = CliRunner().invoke(app, cmd[3:])  # the same command again
    assert res.exit_code == 0, res.output
    assert f"skipped (done before): {before}" in res.output and f"reports done: {n - before} " in res.output
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT report_id) FROM results WHERE status = 'done'").fetchone() == (n, n)
    rows = _rows(out)
    assert len(rows) == n and len({r["id"] for r in rows}) == n  # each report once in the output
    assert len(list((out / "reports").glob("*.json"))) == n
    assert not list((out / "reports").glob("*.tmp*"))  # no half-written per-report file survives


def test_workers_change_nothing_and_a_changed_file_is_redone(tmp_path):
    src = tmp_path / "corpus"
    corpus.write(str(src), 12, seed=5, with_gold=False)
    got = {}
    for w in (1, 2):
        out = tmp_path / f"out{w}"
        res = CliRunner().invoke(app, ["run", str(src / "reports"), "--out", str(out), "--db", str(tmp_path / f"{w}.db"),
                                       "--workers", str(w), "--no-progress"])
        assert res.exit_code == 0, res.output
        got[w] = sorted(json.dumps(r, sort_keys=True) for r in _rows(out))
    assert got[1] == got[2]
    # one file changes: only it is redone; the rest are skipped
    victim = sorted((src / "reports").iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(src / "reports"), "--out", str(tmp_path / "out1"), "--db",
                                   str(tmp_path / "1.db"), "--workers", "1", "--no-progress"])
    assert "reports done: 1  skipped (done before): 11" in res.output, res.output
    assert len(_rows(tmp_path / "out1")) == 12


def test_the_synthetic_corpus_is_scored_by_its_own_gold(tmp_path, rules_backend):
    """Fuzzing with consistent numbers in every format and layout: no wrong value goes unflagged."""
    from extractor.evaluation.evaluate import run_eval

    corpus.write(str(tmp_path / "g"), 40, seed=11)
    summary = run_eval([str(tmp_path / "g")], rules_backend).summary
    fmts = {s.fmt for s in summary.scores}
    assert fmts == {"narrative", "legacy_table", "standard_table"}
    assert summary.silent_errors() == []
    for fmt in fmts:  # every format and layout read back, not only the template tables
        assert summary.accuracy([s for s in summary.scores if s.fmt == fmt]) > 0.99, fmt


def _alive(pattern: str) -> list[int]:
    res = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(p) for p in res.stdout.split()]


def test_a_model_run_whose_main_process_is_killed_leaves_no_worker_and_resumes(tmp_path):
    """Only the main process killed: its shards notice they are orphaned and exit; the re-run does each report once."""
    from .fake_openai import FakeOpenAI

    src, out, db = tmp_path / "corpus", tmp_path / "out", tmp_path / "run.db"
    n = 40
    corpus.write(str(src), n, seed=5, with_gold=False)
    with FakeOpenAI(lambda body, fields: {}) as fake:
        fake.latency = 0.05
        env = {**os.environ, "OPENAI_BASE_URL": fake.base_url}
        cmd = [sys.executable, "-m", "extractor", "run", str(src / "reports"), "--out", str(out), "--db", str(db),
               "--backend", "openai", "--ask", "all", "--workers", "2", "--concurrency", "4", "--no-progress"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        committed = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and committed < 5:
            if db.exists():
                try:
                    committed = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
                except sqlite3.OperationalError:
                    committed = 0
            time.sleep(0.02)
        assert proc.poll() is None and 5 <= committed < n, "the run must be killed midway"
        os.kill(proc.pid, signal.SIGKILL)  # the main process alone: its shards are orphaned
        proc.wait()
        deadline = time.monotonic() + 30
        while _alive(str(out)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(str(out)) == []  # every shard gone by itself
        before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
        res = CliRunner().invoke(app, [*cmd[3:]], env={"OPENAI_BASE_URL": fake.base_url})
        assert res.exit_code == 0, res.output
        assert f"skipped (done before): {before}" in res.output and f"reports done: {n - before} " in res.output
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT report_id) FROM results WHERE status = 'done'").fetchone() == (n, n)
    rows = _rows(out)
    assert len(rows) == n and len({r["id"] for r in rows}) == n
