"""The store: runs, reports, per-report results and field values in the run database.

A result is committed per report, in one transaction with its field values and its review routing,
keyed by (report id, configuration hash). A run over inputs that were partly done skips every report
already done under the same configuration; a changed file has another id and a changed configuration
another hash, so either is redone. Only fields that are not empty are stored: a field with no row is
null, unverified, with no evidence, exactly as a fresh result would have it. The routing is the review's
(`Routing`, handed to the store by whoever builds it: `extractor.review.routing.routed_store`); the store runs it.
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
from extractor.store.review import ReviewRows, Routing
from extractor.store.rows import SAME_REPORT, ResultRows, _plain, result_rows
from extractor.store.rows import dumps as dumps  # noqa: I001 - re-exported (store.across imports them from here)
from extractor.store.rows import loads as loads
from extractor.store.shapes import ResultLike

WITH_VALUES = "('done', 'model_failed')"  # result statuses that hold field values (a failed one holds none)
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # extractor/


def _sources() -> list[str]:
    """Every module of the package, in a fixed order."""
    return [os.path.join(d, f) for d, _, files in sorted(os.walk(PACKAGE)) for f in sorted(files) if f.endswith(".py")]


@functools.cache
def code_version() -> str:
    """The package version plus a hash of its source (every module, not only the store's): a changed pattern is a
    changed configuration."""
    h = hashlib.sha256()
    for path in _sources():
        with open(path, "rb") as fh:
            h.update(os.path.basename(path).encode() + b"\0" + fh.read())
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


@dataclass(frozen=True)
class RunInfo:
    """A stored run, as the export names it."""

    id: int
    backend: str
    model: str | None
    config_hash: str


@dataclass(frozen=True)
class ResultKey:
    """Which stored result: a report under a configuration."""

    report_id: str
    config_hash: str


def _same_report(now: dict[str, Any], before: dict[str, Any]) -> bool:
    """Whether two results say they are one report: the same year, and the same issuing body or title."""
    year = now.get("meta.report_year")
    if year is None or year != before.get("meta.report_year"):
        return False
    return any(now.get(p) is not None and now.get(p) == before.get(p) for p in ("meta.issuing_body", "meta.title"))


def run_info(con: sqlite3.Connection, run_id: int | None = None) -> RunInfo | None:
    """Run `run_id`, or the latest run; None if there is no such run (what export and the review queue are of)."""
    if run_id is None:
        row = con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    else:
        row = con.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    return None if row is None else RunInfo(row["id"], row["backend"], row["model"], row["config_hash"])


class Store:
    """Writes and reads results over one connection (used from one thread).

    `routing` routes each saved result's fields into the review queue, in the transaction that commits it
    (`extractor.review.routing.routed_store` builds a store with it); a store without one reads, and refuses to
    save a result, whose review items would otherwise go stale."""

    def __init__(self, con: sqlite3.Connection, threshold: float | None = None, routing: Routing | None = None) -> None:
        self.con = con
        self.threshold = threshold
        self.routing = routing
        self.review = ReviewRows(con)
        self._fids: dict[str, int] | None = None  # field path -> id in field_names (`_field_ids`)
        self._fid_list: list[int] | None = None  # catalogue index -> id in field_names

    def _router(self) -> tuple[Routing, float]:
        if self.routing is None or self.threshold is None:
            raise TypeError("this Store has no review routing: build it with extractor.review.routing.routed_store")
        return self.routing, self.threshold

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

    def run_info(self, run_id: int | None = None) -> RunInfo | None:
        """Run `run_id`, or the latest run; None if there is no such run."""
        return run_info(self.con, run_id)

    # results ------------------------------------------------------------------------------------
    def save(self, run: Run, result: ResultLike) -> None:
        """One report's result, its field values and its review routing, in one transaction."""
        self.save_rows(run, result_rows(result), result.doc.original)

    def save_rows(self, run: Run, res: ResultRows, original: str) -> None:
        """A result as plain rows (`result_rows`, made where the report was), with its report's text (the review
        items' context): executed in one transaction."""
        routing, threshold = self._router()
        rid, sha, path, encoding, media, body_hash = res.report
        now = time.time()
        fids = self._field_id_list()
        with self.con:
            self._upsert_report(rid, sha, path, encoding, media, now, body_hash, res.says)
            self.seen_at(rid, path, now)
            result_id = self._put_result(rid, run, now, res.status, None, res.backend, res.notes, threshold)
            self.con.executemany("INSERT INTO field_data VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                 [(result_id, fids[f[0]], *f[1:]) for f in res.fields])
            routing.route_rows(self.review, run.id, res, original, threshold, now, run.config_hash)

    def _put_result(self, report_id: str, run: Run, now: float, status: str, error: str | None, backend: str | None,
                    notes: str, threshold: float | None) -> int:
        """The result row of a report under the run's configuration, written over the last one (its id kept), and
        its field values cleared; its id."""
        self.con.execute(
            "INSERT INTO results (report_id, config_hash, run_id, ts, status, error, backend, notes, routed_threshold)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(report_id, config_hash) DO UPDATE SET run_id = excluded.run_id,"
            " ts = excluded.ts, status = excluded.status, error = excluded.error, backend = excluded.backend,"
            " notes = excluded.notes, routed_threshold = excluded.routed_threshold",
            (report_id, run.config_hash, run.id, now, status, error, backend, notes, threshold))
        rid = int(self.con.execute("SELECT id FROM results WHERE report_id = ? AND config_hash = ?",
                                   (report_id, run.config_hash)).fetchone()[0])
        self.con.execute("DELETE FROM field_data WHERE result = ?", (rid,))
        return rid

    def _field_ids(self) -> dict[str, int]:
        """Every catalogue path's id in `field_names`, the missing ones added in a transaction of their own first (an
        id handed out in a transaction that is then rolled back could be given to another path)."""
        if self._fids is None:
            from extractor.core.catalogue import catalogue

            have = dict(self.con.execute("SELECT path, id FROM field_names").fetchall())
            missing = [(p,) for p in catalogue() if p not in have]
            if missing:
                with self.con:
                    self.con.executemany("INSERT OR IGNORE INTO field_names (path) VALUES (?)", missing)
                have = dict(self.con.execute("SELECT path, id FROM field_names").fetchall())
            self._fids = have
        return self._fids

    def _field_id_list(self) -> list[int]:
        """Each catalogue path's id in `field_names`, by its index in the catalogue (as `result_rows` names fields)."""
        if self._fid_list is None:
            from extractor.core.catalogue import catalogue

            ids = self._field_ids()
            self._fid_list = [ids[p] for p in catalogue()]
        return self._fid_list

    def routed_with(self, report_id: str, cfg_hash: str) -> float | None:
        """The review threshold a stored result's items were routed with (None: not known, routed before it was kept)."""
        row = self.con.execute("SELECT routed_threshold FROM results WHERE report_id = ? AND config_hash = ?",
                               (report_id, cfg_hash)).fetchone()
        return None if row is None else row[0]

    def reroute(self, run: Run, record: dict[str, Any], original_path: str) -> None:
        """Route a stored result's review items again under this store's threshold, from its stored confidences
        (nothing re-extracted), so the run's summary, its CSV and the queue agree."""
        routing, threshold = self._router()
        result = routing.restore(record, original_path)
        now = time.time()
        with self.con:
            routing.route(self.review, run.id, result, threshold, now, run.config_hash)
            self.con.execute("UPDATE results SET routed_threshold = ? WHERE report_id = ? AND config_hash = ?",
                             (threshold, record["id"], run.config_hash))

    def save_failure(self, run: Run, path: str, report_id: str | None, error: str) -> None:
        """A report that failed under the run's configuration: its result says so and holds no values."""
        if report_id is None:
            return  # unreadable: nothing to key it by; the run's error line is its record
        with self.con:
            self._put_result(report_id, run, time.time(), "failed", error, run.config.get("backend"), "[]", None)

    def _upsert_report(self, rid: str, sha: str, path: str, encoding: str, media: str, now: float,
                       body_hash: str | None, says: tuple[Any, ...]) -> None:
        """The report, its source path stored absolute (review and to-gold find it from any directory), its body's
        digest and its stable identity (`identity`; `says`: what it says of `SAME_REPORT`)."""
        key = self.identity(rid, body_hash, os.path.abspath(path), says)
        self.con.execute(
            "INSERT INTO reports (id, sha256, path, encoding, media_type, first_seen, body_hash, report_key)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET path = excluded.path,"
            " body_hash = COALESCE(excluded.body_hash, reports.body_hash)",
            (rid, sha, os.path.abspath(path), encoding, media, now, body_hash, key))

    def identity(self, rid: str, body_hash: str | None, path: str, says: tuple[Any, ...]) -> str:
        """The report's stable key: its own once known; else that of a report with the same body (the same report
        scraped again: other chrome, another newline, another encoding); else that of an earlier version read from
        the same source path that says it is the same report (the same year, and the same issuing body or title): a
        changed body is a new version of it; else its own id (a new report)."""
        row = self.con.execute("SELECT report_key FROM reports WHERE id = ?", (rid,)).fetchone()
        if row is not None and row[0]:
            return str(row[0])
        if body_hash:
            row = self.con.execute("SELECT report_key FROM reports WHERE body_hash = ? AND report_key IS NOT NULL"
                                   " ORDER BY first_seen, id LIMIT 1", (body_hash,)).fetchone()
            if row is not None:
                return str(row[0])
        earlier = self.con.execute(
            "SELECT r.id, r.report_key FROM report_paths p JOIN reports r ON r.id = p.report_id WHERE p.path = ?"
            " AND r.id != ? AND r.report_key IS NOT NULL ORDER BY p.last_seen DESC, r.id", (path, rid)).fetchall()
        now = dict(zip(SAME_REPORT, says, strict=True))
        for other in earlier:
            if _same_report(now, self._said(other["id"])):
                return str(other["report_key"])
        return rid

    def _said(self, report_id: str) -> dict[str, Any]:
        """What the latest stored result of a report says of the fields that tell one report from another."""
        out: dict[str, Any] = {}
        for r in self.con.execute(f"SELECT path, value FROM field_values WHERE report_id = ? AND path IN "
                                  f"({','.join('?' * len(SAME_REPORT))}) ORDER BY run_id", (report_id, *SAME_REPORT)):
            out[r["path"]] = _plain(loads(r["value"]))
        return out

    def keys(self) -> dict[str, str]:
        """Every report's stable key, by report id."""
        return {r["id"]: r["report_key"] or r["id"] for r in self.con.execute("SELECT id, report_key FROM reports")}

    def seen_at(self, report_id: str, path: str, now: float | None = None) -> None:
        """Record that an input path holds this report (every path is kept: two files, one content); inside the
        caller's transaction."""
        now = time.time() if now is None else now
        self.con.execute("INSERT INTO report_paths VALUES (?,?,?,?) ON CONFLICT(report_id, path) DO UPDATE SET"
                         " last_seen = excluded.last_seen", (report_id, os.path.abspath(path), now, now))

    # reading back -------------------------------------------------------------------------------
    def done_ids(self, cfg_hash: str) -> set[str]:
        """Every report done under a configuration, in one query (what a resumed run skips)."""
        return {r[0] for r in self.con.execute("SELECT report_id FROM results WHERE config_hash = ? AND status = 'done'",
                                               (cfg_hash,))}

    def fields(self, report_id: str, cfg_hash: str) -> dict[str, dict[str, Any]]:
        """A stored result's fields that are not empty, as {path: field as a dict}."""
        return self._fields_of([report_id], cfg_hash).get(report_id, {})

    def _fields_of(self, report_ids: list[str], cfg_hash: str) -> dict[str, dict[str, dict[str, Any]]]:
        """The non-empty fields of several reports' results under a configuration, in one query."""
        out: dict[str, dict[str, dict[str, Any]]] = {rid: {} for rid in report_ids}
        marks = ",".join("?" * len(report_ids))
        for f in self.con.execute(
                "SELECT r.report_id, n.path, d.value, d.evidence, d.span_start, d.span_end, d.approximate, d.confidence,"
                " d.status, d.reasons, d.method, d.alternatives, d.page FROM results r JOIN field_data d ON d.result ="
                f" r.id JOIN field_names n ON n.id = d.field WHERE r.config_hash = ? AND r.report_id IN ({marks})"
                " ORDER BY r.report_id, n.path", (cfg_hash, *report_ids)):
            out[f[0]][f[1]] = {
                "value": loads(f[2]), "evidence": f[3], "span": [f[4], f[5]] if f[4] is not None else None,
                "approximate": bool(f[6]), "confidence": f[7], "status": f[8], "reasons": loads(f[9]) or [],
                "method": f[10], "alternatives": loads(f[11]) or [], "page": f[12]}
        return out

    def records(self, keys: list[tuple[str, str]], cfg_hash: str) -> list[dict[str, Any] | None]:
        """The compact records (`core.record`) of stored results, read in bulk: `keys` is (report id, the input path
        that holds it now) of up to a few hundred reports (one id may come under two paths); in their order, None
        where there is no stored result. Two queries, whatever their number."""
        from extractor.core.record import compact, header

        ids = sorted({rid for rid, _ in keys})
        marks = ",".join("?" * len(ids))
        heads = {r["report_id"]: r for r in self.con.execute(
            "SELECT r.report_id, r.backend, r.status, r.notes, p.sha256, p.encoding FROM results r JOIN reports p ON"
            f" p.id = r.report_id WHERE r.config_hash = ? AND r.report_id IN ({marks})", (cfg_hash, *ids))}
        fields = self._fields_of(ids, cfg_hash)
        out: list[dict[str, Any] | None] = []
        for rid, path in keys:
            h = heads.get(rid)
            out.append(None if h is None else compact(
                header(rid, path, h["sha256"], h["encoding"], h["backend"], h["status"], loads(h["notes"]) or []),
                fields[rid]))
        return out

    def record(self, report_id: str, cfg_hash: str, path: str | None = None) -> dict[str, Any]:
        """The full record of a stored result (every field; `core.record.expand` of the compact one the run wrote),
        for the input `path` that holds it now, by default where it was last read."""
        from extractor.core.record import expand

        if path is None:
            path = self.con.execute("SELECT path FROM reports WHERE id = ?", (report_id,)).fetchone()["path"]
        (record,) = self.records([(report_id, path)], cfg_hash)
        if record is None:
            raise KeyError(f"no result of report {report_id} under configuration {cfg_hash}")
        return expand(record)

    def version(self) -> tuple[float, int, int]:
        """Changes whenever a result or a decision is written (the latest result's time, the latest decision's id,
        the count of review items): what a reader that keeps rows between requests compares."""
        ts = self.con.execute("SELECT COALESCE(MAX(ts), 0) FROM results").fetchone()[0]
        did = self.con.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0]
        items = self.con.execute("SELECT COUNT(*) FROM review_items").fetchone()[0]
        return float(ts), int(did), int(items)

    def latest_results(self, cfg_hash: str | None = None) -> Iterator[ResultKey]:
        """Per report, its most recent result with values (or the one under `cfg_hash`): done, or model_failed (the
        rules' values, flagged by the record's status)."""
        if cfg_hash:
            rows = self.con.execute(f"SELECT report_id, config_hash FROM results WHERE status IN {WITH_VALUES}"
                                    " AND config_hash = ? ORDER BY report_id", (cfg_hash,))
        else:
            rows = self.con.execute(
                f"SELECT r.report_id, r.config_hash FROM results r WHERE r.status IN {WITH_VALUES} AND r.ts = (SELECT"
                f" MAX(ts) FROM results x WHERE x.report_id = r.report_id AND x.status IN {WITH_VALUES})"
                " GROUP BY r.report_id ORDER BY r.report_id")
        for row in rows:
            yield ResultKey(row["report_id"], row["config_hash"])
