"""Processes and output directories under faults (issue 14): the main process killed or stopped, a worker killed,
two runs on one OUT. Each asserts no report lost or duplicated, no silent skip, one clear line, the right exit code.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time

import pytest

from extractor.evaluation import corpus

from .conftest import ROOT

N = 300


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    src = tmp_path_factory.mktemp("corpus")
    corpus.write(str(src), N, seed=5, with_gold=False)
    return src / "reports"


def _cmd(reports, out, db, *more: str) -> list[str]:
    return [sys.executable, "-m", "extractor", "run", str(reports), "--out", str(out), "--db", str(db),
            "--backend", "rules", "--no-progress", *more]


def _start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _committed(db) -> int:
    try:
        return sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _wait_for(cond, what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _midway(proc: subprocess.Popen, db) -> list[int]:
    """Wait until the run has committed some reports (not all), and return its worker processes."""
    _wait_for(lambda: _committed(db) >= 20 or proc.poll() is not None, "the run to commit 20 reports")
    assert proc.poll() is None and _committed(db) < N, "the run must be stopped midway"
    return _children(proc.pid)


def _rows(out) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def _resumed(reports, out, db) -> subprocess.CompletedProcess:
    """The same command again: it must finish every report, each once."""
    before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM results WHERE status = 'done'").fetchone()[0]
    res = subprocess.run(_cmd(reports, out, db, "--workers", "2"), cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"reports done: {N - before}  skipped (done before): {before}" in res.stdout
    rows = _rows(out)
    assert len(rows) == N and len({r["id"] for r in rows}) == N
    return res


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_the_main_process_stopped_midway_leaves_no_worker_and_resumes(reports, tmp_path, sig):
    out, db = tmp_path / "out", tmp_path / "run.db"
    proc = _start(_cmd(reports, out, db, "--workers", "2"))
    workers = _midway(proc, db)
    assert len(workers) >= 2
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    _wait_for(lambda: not any(_alive(w) for w in workers), "the workers to exit after their parent", 30)
    status = sqlite3.connect(db).execute("SELECT status FROM runs").fetchone()[0]
    if sig == signal.SIGKILL:
        assert status == "running"  # nobody could mark it; the next run does
        res = _resumed(reports, out, db)
        assert "run 1 was left running by a process that is gone: marked interrupted" in res.stderr
        assert sqlite3.connect(db).execute("SELECT status FROM runs WHERE id = 1").fetchone()[0] == "interrupted"
    else:
        assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
        assert status == "interrupted"
        lines = [x for x in err.splitlines() if x.strip() and not x.startswith("backend:")]
        assert len(lines) == 1 and "interrupted after" in lines[0] \
            and "reports; run the same command again to resume" in lines[0], err
        assert "Traceback" not in err
        # no complete run yet: no results file pretends to be one; the partial one is beside it
        assert not (out / "results.jsonl").exists() and (out / "results.jsonl.part").exists()
        _resumed(reports, out, db)


def test_a_killed_worker_fails_only_its_reports(reports, tmp_path):
    out, db = tmp_path / "out", tmp_path / "run.db"
    proc = _start(_cmd(reports, out, db, "--workers", "2"))
    workers = _midway(proc, db)
    os.kill(workers[0], signal.SIGKILL)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, stdout + err
    failed = [x for x in err.splitlines() if x.startswith("error:")]
    assert failed and all("worker process died" in x for x in failed), err
    done = int(stdout.split("reports done: ")[1].split()[0])
    assert done + len(failed) == N  # every report either done or an error line: none lost in silence
    assert len((out / "errors.txt").read_text(encoding="utf-8").splitlines()) == len(failed)
    _resumed(reports, out, db)


def test_a_second_run_on_the_same_out_is_refused(reports, tmp_path):
    out, db = tmp_path / "out", tmp_path / "run.db"
    first = _start(_cmd(reports, out, db, "--workers", "2"))
    _midway(first, db)
    second = subprocess.run(_cmd(reports, out, tmp_path / "other.db"), cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"{out} is being written by another extractor run (pid {first.pid})" in second.stderr
    assert not (tmp_path / "other.db").exists() or _committed(tmp_path / "other.db") == 0
    stdout, err = first.communicate(timeout=120)
    assert first.returncode == 0, stdout + err
    rows = _rows(out)  # every line readable, each report once
    assert len(rows) == N and len({r["id"] for r in rows}) == N


def test_the_lock_is_the_directory_lock_file(reports, tmp_path):
    """Whoever holds OUT/.extractor.lock owns OUT: the run waits for no one and says who holds it."""
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".extractor.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write("4242\n")
        fh.flush()
        res = subprocess.run(_cmd(reports, out, tmp_path / "run.db"), cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and "being written by another extractor run (pid 4242)" in res.stderr, res.stderr


def test_a_run_in_the_main_process_leaves_ctrl_c_working(tmp_path):
    """With --workers 1 the main process does the work itself: it must not ignore Ctrl-C afterwards (a worker's
    signal set-up applied to it did)."""
    from typer.testing import CliRunner

    from extractor.cli.app import app

    from .conftest import bundled_reports

    res = CliRunner().invoke(app, ["run", bundled_reports()[0], "--out", str(tmp_path / "out"), "--db",
                                   str(tmp_path / "run.db"), "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _half_a_result(i: int) -> int:
    """A pool worker's task; the first one dies having written half of its result message into the pool's result pipe
    (the moment a kill can land on): the message's length says 1 MB, 10 bytes follow, then SIGKILL."""
    if i == 0:
        time.sleep(0.2)
        queue = sys._getframe(1).f_locals["result_queue"]  # concurrent.futures.process._process_worker's
        with queue._wlock:
            os.write(queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 10)
            os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.5)
    return i


def test_a_worker_killed_mid_message_fails_the_pool_s_reports_instead_of_hanging(monkeypatch):
    """The pool's reader would wait forever for the rest of the half message (the live worker holds the pipe open):
    the window's wait notices the dead worker, breaks the pool, and every pending report becomes an error line."""
    from concurrent.futures import ProcessPoolExecutor

    from extractor.bulk import WORKER_DIED, Outcome
    from extractor.bulk import pool as bulk_pool

    monkeypatch.setattr(bulk_pool, "POLL", 0.1)
    monkeypatch.setattr(bulk_pool, "STUCK", 0.5)
    pool = ProcessPoolExecutor(2)
    try:
        futs = [pool.submit(_half_a_result, i) for i in range(4)]
        got: list[Outcome] = []
        t = threading.Thread(target=lambda: got.extend(
            bulk_pool._settle((Outcome(f"r{i}"), f, pool)) for i, f in enumerate(futs)), daemon=True)
        t.start()
        t.join(timeout=60)  # a liveness bound, not a speed: without the fix this never ends
        assert not t.is_alive(), "the wait on a pool with a half-written result never ended"
        assert got[0].error == WORKER_DIED
        assert all(o.error == WORKER_DIED for o in got if o.error)  # the pool's other reports: done or failed
        assert len(got) == 4
    finally:
        bulk_pool._stop(pool, grace=1)
