"""The store: runs, reports, per-report results and field values in the run database.

A result is committed per report, in one transaction with its field values and its review routing,
keyed by (report id, configuration hash). A run over inputs that were partly done skips every report
already done under the same configuration; a changed file has another id and a changed configuration
another hash, so either is redone. Only fields that are not empty are stored: a field with no row is
null, unverified, with no evidence, exactly as a fresh result would have it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from extractor import __version__
from extractor.core.schema import nest, report_model
from extractor.pipeline import ReportResult
from extractor.reconcile import REVIEW_THRESHOLD, FieldResult

_EMPTY = FieldResult("").as_dict()
WITH_VALUES = "('done', 'model_failed')"  # result statuses that hold field values (a failed one holds none)


@functools.cache
def code_version() -> str:
    """The package version plus a hash of its source: a changed pattern is a changed configuration."""
    root = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if f.endswith(".py"):
                with open(os.path.join(d, f), "rb") as fh:
                    h.update(f.encode() + b"\0" + fh.read())
    return f"{__version__}+{h.hexdigest()[:10]}"


def engine_config(engine: object) -> dict[str, Any]:
    """What decides a report's values: backend, model, mode, prompt versions and hashes, code version."""
    describe = getattr(engine, "config", None)
    cfg: dict[str, Any] = dict(describe()) if callable(describe) else {}
    cfg.setdefault("backend", getattr(engine, "name", "?"))
    cfg["code_version"] = code_version()
    return cfg


def config_hash(cfg: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def dumps(v: Any) -> str:
    """JSON text of a value (the common null, empty list and plain integer without the encoder: a run stores
    hundreds per report)."""
    if v is None:
        return "null"
    if type(v) is int:
        return str(v)
    if type(v) is list and not v:
        return "[]"
    return json.dumps(v, ensure_ascii=False)


def loads(s: str | None) -> Any:
    return None if s is None else json.loads(s)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


@dataclass(frozen=True)
class Run:
    id: int
    config: dict[str, Any]
    config_hash: str


class Store:
    """Writes and reads results over one connection (used from one thread)."""

    def __init__(self, con: sqlite3.Connection, threshold: float = REVIEW_THRESHOLD) -> None:
        self.con = con
        self.threshold = threshold

    # runs ---------------------------------------------------------------------------------------
    def start_run(self, cfg: dict[str, Any]) -> Run:
        h = config_hash(cfg)
        with self.con:
            cur = self.con.execute(
                "INSERT INTO runs (started, config_hash, config, backend, model, prompts, code_version, status, pid, host,"
                " review_threshold) VALUES (?,?,?,?,?,?,?, 'running', ?,?,?)",
                (time.time(), h, dumps(cfg), cfg.get("backend", "?"), cfg.get("model"), dumps(cfg.get("prompts")),
                 cfg["code_version"], os.getpid(), socket.gethostname(), self.threshold))
        return Run(int(cur.lastrowid or 0), cfg, h)

    def mark_abandoned(self) -> list[int]:
        """Runs left 'running' by a process of this host that is gone (killed outright): marked interrupted."""
        host = socket.gethostname()
        gone = [r["id"] for r in self.con.execute("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?",
                                                  (host,)) if r["pid"] is not None and not _alive(r["pid"])]
        if gone:
            with self.con:
                self.con.executemany("UPDATE runs SET status = 'interrupted' WHERE id = ?", [(i,) for i in gone])
        return gone

    def finish_run(self, run: Run, status: str = "done") -> None:
        with self.con:
            self.con.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?", (time.time(), status, run.id))

    def runs(self) -> list[sqlite3.Row]:
        return list(self.con.execute("SELECT * FROM runs ORDER BY id"))

    # results ------------------------------------------------------------------------------------
    def done(self, report_id: str, run: Run) -> bool:
        row = self.con.execute("SELECT 1 FROM results WHERE report_id = ? AND config_hash = ? AND status = 'done'",
                               (report_id, run.config_hash)).fetchone()
        return row is not None

    def save(self, run: Run, result: ReportResult) -> None:
        """One report's result, its field values and its review routing, in one transaction."""
        from extractor.review.queue import route

        doc = result.doc
        now = time.time()
        rows = []
        for path, r in result.catalogued().items():
            d = r.as_dict()
            if d == _EMPTY:
                continue
            span = r.span or (None, None)
            rows.append((doc.id, run.config_hash, run.id, path, dumps(r.value), r.evidence, span[0], span[1],
                         int(r.approximate), d["confidence"], r.status, dumps(r.reasons), r.method,
                         dumps(r.alternatives)))
        with self.con:
            self._upsert_report(doc.id, doc.sha256, doc.path, doc.encoding, doc.media_type, now)
            self.seen_at(doc.id, doc.path, now)
            self.con.execute("DELETE FROM field_values WHERE report_id = ? AND config_hash = ?", (doc.id, run.config_hash))
            self.con.executemany("INSERT INTO field_values VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            self.con.execute("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?, NULL, ?, ?, ?)",
                             (doc.id, run.config_hash, run.id, now, result.status, result.backend, dumps(result.notes),
                              self.threshold))
            route(self.con, run.id, result, self.threshold, now)

    def routed_with(self, report_id: str, cfg_hash: str) -> float | None:
        """The review threshold a stored result's items were routed with (None: not known, routed before it was kept)."""
        row = self.con.execute("SELECT routed_threshold FROM results WHERE report_id = ? AND config_hash = ?",
                               (report_id, cfg_hash)).fetchone()
        return None if row is None else row[0]

    def reroute(self, run: Run, record: dict[str, Any], original_path: str) -> None:
        """Route a stored result's review items again under this store's threshold, from its stored confidences
        (nothing re-extracted), so the run's summary, its CSV and the queue agree."""
        from extractor.export import field_results
        from extractor.ingest.read import load
        from extractor.review.queue import route

        result = ReportResult(load(original_path), record["backend"], field_results(record))
        now = time.time()
        with self.con:
            route(self.con, run.id, result, self.threshold, now)
            self.con.execute("UPDATE results SET routed_threshold = ? WHERE report_id = ? AND config_hash = ?",
                             (self.threshold, record["id"], run.config_hash))

    def save_failure(self, run: Run, path: str, report_id: str | None, error: str) -> None:
        if report_id is None:
            return  # unreadable: nothing to key it by; the run's error line is its record
        with self.con:
            self.con.execute("INSERT OR REPLACE INTO results VALUES (?,?,?,?, 'failed', ?, ?, '[]', NULL)",
                             (report_id, run.config_hash, run.id, time.time(), error, run.config.get("backend")))

    def _upsert_report(self, rid: str, sha: str, path: str, encoding: str, media: str, now: float) -> None:
        """The report, its source path stored absolute (review and to-gold find it from any directory)."""
        self.con.execute(
            "INSERT INTO reports (id, sha256, path, encoding, media_type, first_seen) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET path = excluded.path",
            (rid, sha, os.path.abspath(path), encoding, media, now))

    def seen_at(self, report_id: str, path: str, now: float | None = None) -> None:
        """Record that an input path holds this report (every path is kept: two files, one content)."""
        now = time.time() if now is None else now
        self.con.execute("INSERT INTO report_paths VALUES (?,?,?,?) ON CONFLICT(report_id, path) DO UPDATE SET"
                         " last_seen = excluded.last_seen", (report_id, os.path.abspath(path), now, now))

    def paths_of(self, report_id: str) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT path FROM report_paths WHERE report_id = ? ORDER BY first_seen,"
                                               " path", (report_id,))]

    # reading back -------------------------------------------------------------------------------
    def fields(self, report_id: str, cfg_hash: str) -> dict[str, dict[str, Any]]:
        out = {}
        for f in self.con.execute("SELECT * FROM field_values WHERE report_id = ? AND config_hash = ? ORDER BY rowid",
                                  (report_id, cfg_hash)):
            out[f["path"]] = {
                "value": loads(f["value"]), "evidence": f["evidence"],
                "span": [f["span_start"], f["span_end"]] if f["span_start"] is not None else None,
                "approximate": bool(f["approximate"]), "confidence": f["confidence"], "status": f["status"],
                "reasons": loads(f["reasons"]) or [], "method": f["method"], "alternatives": loads(f["alternatives"]) or []}
        return out

    def record(self, report_id: str, cfg_hash: str, path: str | None = None) -> dict[str, Any]:
        """The per-report JSON of a stored result: the same record the run wrote when it made it (for the input
        `path` that holds it now, by default where it was last read)."""
        rep = self.con.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        res = self.con.execute("SELECT * FROM results WHERE report_id = ? AND config_hash = ?",
                               (report_id, cfg_hash)).fetchone()
        data = {"id": report_id, "path": path or rep["path"], "sha256": rep["sha256"], "encoding": rep["encoding"],
                "backend": res["backend"], "extractor_version": __version__, "status": res["status"],
                "notes": loads(res["notes"]) or [],
                "fields": nest(self.fields(report_id, cfg_hash))}
        return report_model().model_validate(data).model_dump(mode="json")

    def latest_results(self, cfg_hash: str | None = None) -> Iterator[sqlite3.Row]:
        """Per report, its most recent result with values (or the one under `cfg_hash`): done, or model_failed (the
        rules' values, flagged by the record's status)."""
        if cfg_hash:
            yield from self.con.execute(f"SELECT * FROM results WHERE status IN {WITH_VALUES} AND config_hash = ?"
                                        " ORDER BY report_id", (cfg_hash,))
            return
        yield from self.con.execute(
            f"SELECT r.* FROM results r WHERE r.status IN {WITH_VALUES} AND r.ts = (SELECT MAX(ts) FROM results x"
            f" WHERE x.report_id = r.report_id AND x.status IN {WITH_VALUES}) GROUP BY r.report_id ORDER BY r.report_id")
