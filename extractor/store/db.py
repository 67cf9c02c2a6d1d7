"""The run database (SQLite): model calls and cache, runs, reports, field values, review items, decisions.

Schema changes are append-only migrations: each entry of MIGRATIONS (`store/migrations.py`) runs once, in order, and the
version reached is kept in `PRAGMA user_version`, so an old database is upgraded in place and a new
one is built the same way. Path: `--db`, else `EXTRACTOR_DB`, else `extractor.db` here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from extractor.core.errors import DatabaseError, ExtractorError, disk_full
from extractor.store.migrations import MIGRATIONS as MIGRATIONS

DEFAULT_DB = "extractor.db"


def db_path(explicit: str | None = None) -> str:
    return explicit or os.environ.get("EXTRACTOR_DB") or DEFAULT_DB


def connect(path: str) -> sqlite3.Connection:
    """A connection to the run database at `path`, created and migrated as needed.

    A file this extractor cannot use is refused with a DatabaseError naming it, before anything is written:
    not an SQLite file or a damaged one, another program's database, or one a newer extractor migrated past
    the migrations known here (its tables may mean something else)."""
    try:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot create its directory ({exc.strerror or exc}); use another --db") from None
    con: sqlite3.Connection | None = None
    try:
        con = sqlite3.connect(path, timeout=30)
        con.row_factory = sqlite3.Row
        _check(con, path)  # read-only: the journal mode below is the first write
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        migrate(con)
    except sqlite3.DatabaseError as exc:
        if con is not None:
            con.close()
        raise refusal(path, exc) from None
    except ExtractorError:
        if con is not None:
            con.close()
        raise
    return con


def _check(con: sqlite3.Connection, path: str) -> None:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    if version > len(MIGRATIONS):
        raise newer(path, version)
    if version == 0 and tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise DatabaseError(f"{path}: not a run database (tables {shown} and no schema version); move it aside or "
                            "use another --db")


def newer(path: str, version: int) -> DatabaseError:
    return DatabaseError(f"{path}: made by a newer extractor (schema {version}, this one knows {len(MIGRATIONS)}); "
                         "use a newer extractor or another --db")


def refusal(path: str, exc: sqlite3.Error) -> ExtractorError:
    """The one line for an SQLite error met while opening the run database at `path`."""
    msg = str(exc) or type(exc).__name__
    if "database or disk is full" in msg:
        return disk_full(path)
    if "locked" in msg or "busy" in msg:
        return DatabaseError(f"{path}: the run database is held by another process ({msg}); wait for it to finish "
                             "or use another --db")
    if isinstance(exc, sqlite3.OperationalError):  # unable to open, read-only, I/O error: the file, not its content
        return DatabaseError(f"{path}: cannot open the run database ({msg}); check the path and its permissions or "
                             "use another --db")
    return DatabaseError(f"{path}: not a run database or corrupt ({msg}); move it aside or use another --db")


def _file(con: sqlite3.Connection) -> str:
    row = con.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else "the run database"


def migrate(con: sqlite3.Connection) -> int:
    """Bring the database to the latest schema; several processes opening a new database at once migrate it once.
    A database past the known migrations (a newer extractor's) is refused, never written to."""
    while (version := con.execute("PRAGMA user_version").fetchone()[0]) != len(MIGRATIONS):
        if version > len(MIGRATIONS):
            raise newer(_file(con), version)
        con.execute("BEGIN IMMEDIATE")  # the write lock first, then the version again: another process may have won
        try:
            if con.execute("PRAGMA user_version").fetchone()[0] == version:
                for stmt in _statements(MIGRATIONS[version]):
                    con.execute(stmt)
                con.execute(f"PRAGMA user_version = {version + 1}")
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """A migration script as single statements (executescript would commit the open transaction first)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s.strip(" ;\n")]


@dataclass
class CallRecord:
    report_id: str | None
    model: str
    mode: str
    prompt_name: str
    prompt_version: str
    prompt_hash: str
    input_hash: str
    cache_key: str
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    status: str = "ok"
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class LoggedCall:
    """A model call as `extractor logs` lists it."""

    id: int
    ts: float
    report_id: str | None
    model: str
    prompt_name: str
    prompt_version: str
    status: str
    attempts: int
    tokens_in: int
    tokens_out: int
    latency_ms: float
    error: str | None


@dataclass(frozen=True)
class CallTotals:
    """Every call the log holds, counted: by outcome, tokens, and HTTP requests made (attempts)."""

    calls: int
    ok: int
    cache_hits: int
    failed: int
    tokens_in: int
    tokens_out: int
    http_requests: int


class CallLog:
    """Cache lookups and call records over one connection (used from one thread)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def cached(self, cache_key: str) -> dict[str, Any] | None:
        row = self.con.execute("SELECT response FROM calls WHERE cache_key = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
                               (cache_key,)).fetchone()
        return json.loads(row["response"]) if row and row["response"] else None

    def record(self, c: CallRecord) -> None:
        self.record_many([(time.time(), c)])

    def record_many(self, calls: list[tuple[float, CallRecord]]) -> None:
        """Calls made at the times given, in one transaction (a writer that batches them: `llm.logwriter`)."""
        with self.con:
            self.con.executemany(
                "INSERT INTO calls (ts, report_id, model, mode, prompt_name, prompt_version, prompt_hash, input_hash,"
                " cache_key, request, response, tokens_in, tokens_out, latency_ms, status, attempts, error)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(ts, c.report_id, c.model, c.mode, c.prompt_name, c.prompt_version, c.prompt_hash, c.input_hash,
                  c.cache_key, json.dumps(c.request, ensure_ascii=False) if c.request is not None else None,
                  json.dumps(c.response, ensure_ascii=False) if c.response is not None else None,
                  c.tokens_in, c.tokens_out, c.latency_ms, c.status, c.attempts, c.error) for ts, c in calls])

    def totals(self) -> CallTotals:
        row = self.con.execute(
            "SELECT COUNT(*) n, SUM(status='ok') ok, SUM(status='cache_hit') hits, SUM(status='failed') failed,"
            " COALESCE(SUM(tokens_in),0) tin, COALESCE(SUM(tokens_out),0) tout, COALESCE(SUM(attempts),0) http"
            " FROM calls").fetchone()
        return CallTotals(row["n"], row["ok"] or 0, row["hits"] or 0, row["failed"] or 0, row["tin"], row["tout"],
                          row["http"])

    def recent(self, limit: int = 50) -> list[LoggedCall]:
        """The latest calls, newest first."""
        return [LoggedCall(*row) for row in self.con.execute(
            "SELECT id, ts, report_id, model, prompt_name, prompt_version, status, attempts, tokens_in, tokens_out,"
            " latency_ms, error FROM calls ORDER BY id DESC LIMIT ?", (limit,))]
