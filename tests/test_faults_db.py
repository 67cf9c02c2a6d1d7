"""Faults around the run database and the files a run, a review or an eval writes (issue 14).

Every fault must end in one clear line naming the file and what to do, the right exit code, and
nothing written that was not asked for: a corrupt or future database is refused before a row is
written; a full disk keeps what was committed; a bad value, state or tag is refused by name.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.core.record import expand
from extractor.review.queue import Queue, ReviewError, parse_value
from extractor.store.db import MIGRATIONS, connect

from .conftest import GOLD, N_BUNDLED, ROOT, bundled_reports

SEED = os.path.join(GOLD, "seed")
DEV = os.path.join(GOLD, "dev")


def _invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def _error_lines(res) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.startswith("error:")]


def _one_clean_line(res, code: int, *needles: str) -> str:
    """The command ended by its own choice (no exception escaped), with exactly one error line holding every needle."""
    assert res.exit_code == code, (res.exit_code, res.output, res.exception)
    assert isinstance(res.exception, SystemExit), repr(res.exception)  # not an escaped traceback
    lines = _error_lines(res)
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


# ---- the run database: corrupt, another program's, newer ---------------------------------------------------

def _commands(db: str, tmp) -> list[list[str]]:
    """Every command that opens a run database, with its --db."""
    report = bundled_reports()[0]
    return [
        ["run", report, "--out", str(tmp / "out"), "--db", db, "--no-progress", "--workers", "1"],
        ["review", "--db", db],
        ["review", "list", "--db", db],
        ["review", "show", "1", "--db", db],
        ["review", "decide", "1", "--accept", "--db", db],
        ["review", "stats", "--db", db],
        ["review", "to-gold", str(tmp / "gold"), "--db", db],
        ["export", str(tmp / "data.csv"), "--db", db],
        ["logs", "--db", db],
        ["eval", "--gold", SEED, "--save", "x", "--db", db],
        ["eval", "compare", "x", "y", "--db", db],
    ]


def _corrupt(path) -> None:
    path.write_bytes(b"these bytes are not an SQLite database\n" * 200)


def _foreign(path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    con.commit()
    con.close()


def _newer(path) -> None:
    con = connect(str(path))
    con.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 3}")
    con.close()


def _truncated(path) -> None:
    """A real run database cut short (a disk that died mid-copy)."""
    con = connect(str(path))
    con.close()
    # a checkpointed file with every table, then half of it gone
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for side in ("-wal", "-shm"):
        if os.path.exists(f"{path}{side}"):
            os.remove(f"{path}{side}")


@pytest.mark.parametrize("make,needle", [
    (_corrupt, "not a run database or corrupt"),
    (_foreign, "not a run database"),
    (_newer, f"made by a newer extractor (schema {len(MIGRATIONS) + 3}, this one knows {len(MIGRATIONS)})"),
])
def test_a_database_it_cannot_use_is_refused_by_every_command_in_one_line(tmp_path, make, needle):
    db = tmp_path / "extractor.db"
    make(db)
    before = db.read_bytes()
    for args in _commands(str(db), tmp_path):
        res = _invoke(*args)
        line = _one_clean_line(res, 2, str(db), needle, "--db")
        assert "Traceback" not in res.output, args
        assert db.read_bytes() == before, f"{args[:2]} wrote to the database it refused: {line}"
    assert not (tmp_path / "out" / "results.jsonl").exists()  # the run refused before writing anything


def test_a_newer_database_gets_no_run_row(tmp_path):
    db = tmp_path / "extractor.db"
    _newer(db)
    res = _invoke("run", bundled_reports()[0], "--out", str(tmp_path / "out"), "--db", str(db), "--no-progress",
                  "--workers", "1")
    _one_clean_line(res, 2, "newer extractor", "use a newer extractor or another --db")
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_a_truncated_database_is_refused(tmp_path):
    db = tmp_path / "extractor.db"
    _truncated(db)
    res = _invoke("review", "list", "--db", str(db))
    _one_clean_line(res, 2, str(db), "corrupt", "move it aside or use another --db")


def test_the_refusal_is_one_line_on_a_real_stderr(tmp_path):
    """Outside the test runner too: the process prints one line, no traceback."""
    db = tmp_path / "extractor.db"
    _corrupt(db)
    proc = subprocess.run([sys.executable, "-m", "extractor", "logs", "--db", str(db)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {db}: not a run database or corrupt (file is not a database); move it aside or use another --db"]


def test_an_empty_file_is_a_new_database(tmp_path):
    """A zero-byte file is what SQLite makes of a new database: it is migrated, not refused."""
    db = tmp_path / "extractor.db"
    db.write_bytes(b"")
    con = connect(str(db))
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


# ---- disk full --------------------------------------------------------------------------------------------

def test_disk_full_message_names_what_was_being_written():
    from extractor.cli.common import disk_full_message

    assert disk_full_message(ValueError("x")) is None
    assert disk_full_message(OSError(errno.EACCES, "Permission denied")) is None
    assert disk_full_message(sqlite3.OperationalError("database is locked")) is None
    full = OSError(errno.ENOSPC, "No space left on device", "out/reports/a.json.tmp12")
    msg = disk_full_message(full)
    assert msg == ("disk full while writing out/reports/a.json.tmp12; what was committed is kept, free space and run "
                   "the same command again to resume")
    msg = disk_full_message(sqlite3.OperationalError("database or disk is full"), db="run.db")
    assert msg is not None and msg.startswith("disk full while writing run.db;")
    # the first failure is the one named, even when a clean-up in a `finally` failed the same way after it
    try:
        try:
            raise full
        finally:
            raise sqlite3.OperationalError("database or disk is full")
    except sqlite3.OperationalError as exc:
        assert "out/reports/a.json.tmp12" in (disk_full_message(exc, db="run.db") or "")


def test_disk_full_guard_turns_the_fault_into_one_line(capsys):
    import typer

    from extractor.cli.common import disk_full_guard

    @disk_full_guard
    def command(out: str = "o", db: str | None = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(typer.Exit) as exc:
        command(out="somewhere", db="x.db")
    assert exc.value.exit_code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: disk full while writing the results in somewhere; what was committed is kept, free space "
                   "and run the same command again to resume"]

    @disk_full_guard
    def other(out: str = "o", db: str | None = None) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    with pytest.raises(PermissionError):  # any other fault is not disguised
        other()


# ---- eval: no matching case, an honest headline -----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--tag", "bogus=1"],
    ["--tag", "split=seed", "--tag", "split=dev"],           # two tags no case has both of
    ["--tag", "year=1999"],
])
def test_eval_with_no_matching_case_says_so(args):
    res = _invoke("eval", "--gold", SEED, "--gold", DEV, *args)
    _one_clean_line(res, 2, "no gold case matches")


def test_eval_on_an_empty_gold_directory_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    res = _invoke("eval", "--gold", str(tmp_path / "empty"))
    _one_clean_line(res, 2, "no gold case matches", str(tmp_path / "empty"))
    res = _invoke("eval", "--gold", str(tmp_path / "empty"), "--save", "x", "--db", str(tmp_path / "x.db"))
    _one_clean_line(res, 2, "no gold case matches")


def test_eval_headline_separates_partial_credit_from_exact_counts_and_matches_the_wrong_table():
    res = _invoke("eval", "--gold", SEED, "--gold", DEV, "--json")
    o = json.loads(res.stdout)["overall"]
    res = _invoke("eval", "--gold", SEED, "--gold", DEV, "--wrong")
    assert res.exit_code == 0, res.output
    text = res.stdout
    head = next(line for line in text.splitlines() if line.startswith("accuracy"))
    missed = o["n"] - o["correct"] - o["wrong_values"]
    assert f"accuracy {o['accuracy']:.1%} (partial credit)" in head
    assert f"exact {o['correct']}/{o['n']}" in head
    assert f"wrong values {o['wrong_values']}" in head and f"missed {missed}" in head
    assert "fields exact)" not in text  # the old, mixed headline
    listed = [line for line in text.splitlines() if line.startswith(("✗", "∅"))]
    assert len(listed) == o["n"] - o["correct"]
    assert sum(line.startswith("✗") for line in listed) == o["wrong_values"]
    assert sum(line.startswith("∅") for line in listed) == missed
    assert f"not exact: {o['n'] - o['correct']} (wrong values {o['wrong_values']}, missed {missed})" in text


def test_eval_html_wrong_values_heading_counts_what_the_headline_counts(tmp_path):
    page = tmp_path / "eval.html"
    res = _invoke("eval", "--gold", SEED, "--gold", DEV, "--html", str(page), "--json")
    o = json.loads(res.stdout)["overall"]
    text = page.read_text(encoding="utf-8")
    missed = o["n"] - o["correct"] - o["wrong_values"]
    assert f"Wrong values ({o['wrong_values']}) and missed values ({missed})" in text
    assert "partial credit" in text


def test_eval_html_to_a_missing_directory_names_it(tmp_path):
    target = tmp_path / "no" / "such" / "eval.html"
    res = _invoke("eval", "--gold", SEED, "--html", str(target))
    assert res.exit_code == 0 and target.exists()  # the directory is made, like every other output


# ---- review: legend, ambiguous accept, value checks, states, file names -----------------------------------

def _queue_with_an_ambiguous_cell(tmp_path) -> tuple[str, int]:
    """A run database holding one open, ambiguous item: a null with two readings."""
    db = str(tmp_path / "review.db")
    con = connect(db)
    with con:
        con.execute("INSERT INTO reports (id, sha256, path, encoding, media_type, first_seen) VALUES ('r1', 'abc', '/data/r1.txt', 'utf-8', 'text/plain', 0)")
        cur = con.execute(
            "INSERT INTO review_items (report_id, path, state, priority, value, status, confidence, reasons, evidence,"
            " span_start, span_end, alternatives, context, run_id, created, updated) VALUES"
            " ('r1', 'standard_table.requests.disclosed.total', 'open', 0, 'null', 'ambiguous', 0, '[\"ambiguous_split\"]',"
            " NULL, NULL, NULL, ?, '[]', 1, 0, 0)",
            (json.dumps([{"value": 12, "method": "split"}, {"value": 102, "method": "split"}]),))
        con.execute(
            "INSERT INTO review_items (report_id, path, state, priority, value, status, confidence, reasons, evidence,"
            " span_start, span_end, alternatives, context, run_id, created, updated) VALUES"
            " ('r1', 'requests.received', 'open', 1, '7', 'unverified', 0.5, '[]', NULL, NULL, NULL, '[]', '[]', 1, 0, 0)")
    con.close()
    return db, int(cur.lastrowid or 0)


def test_the_key_legend_is_printed_as_written(tmp_path):
    from extractor.review.tui import interactive

    db, _ = _queue_with_an_ambiguous_cell(tmp_path)
    buf = io.StringIO()
    interactive(Queue(connect(db)), {}, "alice", Console(file=buf, width=200), ask=lambda _p: "q")
    assert "[a]ccept  [v]alue  [n]ull  [s]kip  [b]ack  [q]uit" in buf.getvalue()


def test_accepting_an_ambiguous_null_asks_for_the_value(tmp_path):
    from extractor.review.tui import interactive

    db, item = _queue_with_an_ambiguous_cell(tmp_path)
    prompts: list[str] = []
    answers = iter(["a", "102", "q"])

    def ask(p: str) -> str:
        prompts.append(p)
        return next(answers)

    buf = io.StringIO()
    interactive(Queue(connect(db)), {"field": "standard_table"}, "alice", Console(file=buf, width=200), ask=ask)
    assert any("12" in p and "102" in p for p in prompts[1:2]), prompts  # asked, with the readings
    d = Queue(connect(db)).decisions()[("r1", "standard_table.requests.disclosed.total")]
    assert d["value"] == 102 and d["action"] == "value"
    # from a script, accepting it is refused: there is nothing to accept
    with pytest.raises(ReviewError, match="ambiguous"):
        Queue(connect(db)).decide(item, "accept")
    res = _invoke("review", "decide", str(item), "--accept", "--db", db)
    _one_clean_line(res, 2, "ambiguous", "--value")


@pytest.mark.parametrize("path,text", [
    ("requests.received", "-5"),
    ("standard_table.requests.disclosed.total", "-1"),
    ("fees.charged_yuan", "-20"),
    ("requests.received", "1.5"),
])
def test_a_negative_or_fractional_count_is_refused(path, text):
    with pytest.raises(ReviewError, match="not"):
        parse_value(path, text)


def test_a_negative_is_kept_where_the_catalogue_allows_one():
    """proactive.* carries the 2019 template's 本年增/减 figures: reconcile does not flag their negatives."""
    assert parse_value("proactive.licensing_decisions", "-3") == -3


def test_review_decide_refuses_a_negative_count_and_records_nothing(tmp_path):
    db, _ = _queue_with_an_ambiguous_cell(tmp_path)
    item = next(i for i in Queue(connect(db)).items() if i.path == "requests.received")
    res = _invoke("review", "decide", str(item.id), "--value", "-5", "--db", db)
    _one_clean_line(res, 2, "requests.received", "-5", "non-negative")
    assert Queue(connect(db)).decisions() == {}


def test_review_list_refuses_an_unknown_state(tmp_path):
    db, _ = _queue_with_an_ambiguous_cell(tmp_path)
    res = _invoke("review", "list", "--state", "bogus", "--db", db)
    _one_clean_line(res, 2, "bogus", "open, reopened, decided, closed, all")
    assert "item(s)" not in res.stdout
    res = _invoke("review", "list", "--state", "reopened", "--db", db)
    assert res.exit_code == 0 and "0 item(s)" in res.stdout


def test_a_missing_database_is_named(tmp_path):
    db = str(tmp_path / "nowhere.db")
    res = _invoke("review", "list", "--db", db)
    _one_clean_line(res, 1, db)
    assert not os.path.exists(db)


def test_export_and_to_gold_name_the_file_they_cannot_write(tmp_path):
    db, item = _queue_with_an_ambiguous_cell(tmp_path)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    res = _invoke("export", str(blocker / "data.csv"), "--db", db)
    _one_clean_line(res, 1, str(blocker))
    res = _invoke("review", "to-gold", str(blocker / "gold"), "--db", db)
    _one_clean_line(res, 1, str(blocker))


def test_to_gold_names_a_report_it_cannot_find(tmp_path):
    db, item = _queue_with_an_ambiguous_cell(tmp_path)
    assert _invoke("review", "decide", str(item), "--value", "12", "--db", db).exit_code == 0
    res = _invoke("review", "to-gold", str(tmp_path / "gold"), "--db", db)
    assert res.exit_code == 1, res.output
    assert _error_lines(res) == ["error: /data/r1.txt: report not found; its gold file was written without it"]
    assert (tmp_path / "gold" / "r1.json").exists()


# ---- the run's CSV and the dataset: a status per field ----------------------------------------------------

def _statuses_agree_with_records(csv_path, records: dict[str, dict], decided: dict | None = None) -> int:
    from extractor.core.catalogue import paths
    from extractor.core.schema import flatten

    decided = decided or {}
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    cols = paths(True)
    # deterministic: each field followed by its status, in catalogue order
    assert header[header.index(cols[0]):] == [c for p in cols for c in (p, f"{p}.status")]
    flagged = 0
    for row in rows:
        flat = flatten(records[row["id"]]["fields"])
        review = set(filter(None, row["needs_review"].split("；")))
        for p in cols:
            f = flat[p]
            if (row["id"], p) in decided:
                want = "decided"
            else:
                want = f["status"] if f["value"] is not None or f["status"] in ("conflict", "ambiguous") else ""
            assert row[f"{p}.status"] == want, (row["id"], p)
        flagged += len(review)
    return flagged


def test_the_run_csv_says_each_fields_status_and_which_need_review(tmp_path):
    out, db = tmp_path / "out", tmp_path / "run.db"
    res = _invoke("run", os.path.join(SEED, "reports"), os.path.join(DEV, "reports"), "--out", str(out), "--db",
                  str(db), "--no-progress", "--workers", "1")
    assert res.exit_code == 0, res.output
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    records = {r["id"]: expand(r) for r in map(json.loads, lines)}  # the run writes compact records
    flagged = _statuses_agree_with_records(out / "results.csv", records)
    with open(out / "results.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert flagged == sum(int(r["fields_for_review"]) for r in rows) > 0
    statuses = {v for r in rows for k, v in r.items() if k.endswith(".status")}
    assert {"verified", "derived"} <= statuses and statuses - {"verified", "derived", ""}  # flagged ones show

    # the dataset export: a decided field says so, in CSV and in Parquet
    q = Queue(connect(str(db)))
    it = q.items()[0]
    q.decide(it.id, "null", reviewer="bob")
    target = tmp_path / "data.csv"
    assert _invoke("export", str(target), "--db", str(db)).exit_code == 0
    _statuses_agree_with_records(target, records, {(it.report_id, it.path): True})
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "data.parquet"
    assert _invoke("export", str(target), "--db", str(db)).exit_code == 0
    rows_pq = {r["id"]: r for r in pq.read_table(target).to_pylist()}
    assert rows_pq[it.report_id][f"{it.path}.status"] == "decided"
    assert it.path not in rows_pq[it.report_id]["needs_review"]


def test_writer_close_closes_every_file_even_when_one_fails(tmp_path, monkeypatch):
    from extractor.export import Writer

    w = Writer(str(tmp_path / "out"))
    handles = [w._jsonl, w._csv_fh, w._errors]

    def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(w._jsonl, "close", full)
    with pytest.raises(OSError):
        w.close()
    assert handles[1].closed and handles[2].closed



@pytest.mark.parametrize("where", ["files", "database"])
def test_a_full_disk_mid_run_is_one_line_keeps_what_was_committed_and_resumes(tmp_path, monkeypatch, where):
    from extractor import export
    from extractor.store import results as store

    out, db = tmp_path / "out", tmp_path / "run.db"
    args = ["run", os.path.join(SEED, "reports"), os.path.join(DEV, "reports"), "--out", str(out), "--db", str(db),
            "--no-progress", "--workers", "1"]
    calls = {"n": 0}
    cls, name, fault = ((export.Writer, "write_line", OSError(errno.ENOSPC, "No space left on device")) if where == "files"
                        else (store.Store, "save_rows", sqlite3.OperationalError("database or disk is full")))
    real = getattr(cls, name)

    def full(self, *a, **k):  # the fourth report finds the disk full
        calls["n"] += 1
        if calls["n"] == 4:
            raise fault
        return real(self, *a, **k)

    monkeypatch.setattr(cls, name, full)
    res = _invoke(*args)
    line = _one_clean_line(res, 1, "disk full while writing", "what was committed is kept",
                           "free space and run the same command again to resume")
    assert (f"the results in {out}" if where == "files" else str(db)) in line
    con = sqlite3.connect(db)
    committed = con.execute("SELECT COUNT(*) FROM results WHERE status = 'done'").fetchone()[0]
    assert committed == (4 if where == "files" else 3)  # a report is committed before its files are written
    assert con.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    con.close()

    monkeypatch.setattr(cls, name, real)  # space freed: the same command again
    res = _invoke(*args)
    assert res.exit_code == 0, res.output
    assert f"skipped (done before): {committed}" in res.stdout
    ids = [json.loads(x)["id"] for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) == N_BUNDLED  # every report once, none lost


def test_export_takes_one_configuration_and_says_which(tmp_path, monkeypatch):
    """Results of two configurations in one database: export gives the latest run's (not whichever result of each
    report was computed last), `--run N` another's, and says which on stderr."""
    from .fake_openai import FakeOpenAI

    reports = bundled_reports()[:2]
    db = str(tmp_path / "run.db")
    assert _invoke("run", *reports, "--out", str(tmp_path / "a"), "--db", db, "--no-progress", "--backend", "rules",
                   "--workers", "1").exit_code == 0
    with FakeOpenAI(lambda body, fields: {}) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        res = _invoke("run", reports[0], "--out", str(tmp_path / "b"), "--db", db, "--no-progress", "--workers", "1")
        assert res.exit_code == 0, res.output
    res = _invoke("export", str(tmp_path / "latest.jsonl"), "--db", db)
    assert res.exit_code == 0 and "results of run 2's configuration (backend openai" in res.stderr, res.output
    rows = [json.loads(x) for x in (tmp_path / "latest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["backend"] for r in rows] == ["openai"]
    res = _invoke("export", str(tmp_path / "first.jsonl"), "--db", db, "--run", "1")
    assert res.exit_code == 0 and "results of run 1's configuration (backend rules" in res.stderr
    assert len((tmp_path / "first.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_a_new_review_threshold_on_a_resumed_run_reroutes_the_queue(tmp_path):
    """The summary, the CSV and the queue agree under the threshold asked for, without re-extracting."""
    db, out = str(tmp_path / "run.db"), tmp_path / "out"
    base = ["run", os.path.join(SEED, "reports"), os.path.join(DEV, "reports"), "--out", str(out), "--db", db,
            "--no-progress", "--workers", "1"]

    def queue() -> int:
        con = sqlite3.connect(db)
        n = con.execute("SELECT COUNT(*) FROM review_items WHERE state IN ('open', 'reopened')").fetchone()[0]
        con.close()
        return n

    counted: list[int] = []
    for threshold in ("0.7", "0.95", "0.7"):
        res = _invoke(*base, "--review-threshold", threshold)
        assert res.exit_code == 0, res.output
        review = int(res.stdout.split("fields for review: ")[1].split()[0])
        with open(out / "results.csv", encoding="utf-8-sig", newline="") as fh:
            in_csv = sum(int(r["fields_for_review"]) for r in csv.DictReader(fh))
        assert review == in_csv == queue(), (threshold, review, in_csv, queue())
        counted.append(review)
    assert counted[1] > counted[0] == counted[2]  # a higher threshold routes more fields; back again, the same
