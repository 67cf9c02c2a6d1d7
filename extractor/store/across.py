"""The run database as the checks across reports read and mark it: each report's meta fields, a field's stored row
updated in place (a confidence raised, an ambiguous cut settled, a disagreement noted), a review item's state.

What to check and what a finding means is `extractor.reconcile.across`; `extractor.review.across` runs it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from extractor.store.results import WITH_VALUES, dumps, loads

META = ("meta.issuing_body", "meta.title", "meta.province", "meta.report_year", "meta.doc_type", "meta.template",
        "meta.format")


@dataclass(frozen=True)
class StoredMeta:
    """A report's meta fields (value and confidence) and how many of its fields are verified with a value."""

    report_id: str
    config_hash: str
    path: str
    values: dict[str, Any]
    confidence: dict[str, float]
    verified: int


@dataclass(frozen=True)
class StoredField:
    value: Any
    evidence: str | None
    span: tuple[int, int] | None
    confidence: float
    status: str
    reasons: list[str]
    alternatives: list[dict[str, Any]]
    method: str | None
    approximate: bool


class AcrossRows:
    """Reads and marks over one connection (used from one thread); writes run in the caller's transaction."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def metas(self, cfg_hash: str | None) -> list[StoredMeta]:
        """Every report's latest result with values (or the one under `cfg_hash`), with its meta fields."""
        if cfg_hash:
            keys = self.con.execute(f"SELECT report_id, config_hash FROM results WHERE status IN {WITH_VALUES}"
                                    " AND config_hash = ? ORDER BY report_id", (cfg_hash,)).fetchall()
        else:
            keys = self.con.execute(
                f"SELECT r.report_id, r.config_hash FROM results r WHERE r.status IN {WITH_VALUES} AND r.ts = (SELECT"
                f" MAX(ts) FROM results x WHERE x.report_id = r.report_id AND x.status IN {WITH_VALUES})"
                " GROUP BY r.report_id ORDER BY r.report_id").fetchall()
        marks = ",".join("?" * len(META))
        out = []
        for k in keys:
            rid, cfg = k["report_id"], k["config_hash"]
            values: dict[str, Any] = {}
            conf: dict[str, float] = {}
            for row in self.con.execute(f"SELECT path, value, confidence FROM field_values WHERE report_id = ? AND"
                                        f" config_hash = ? AND path IN ({marks})", (rid, cfg, *META)):
                values[row["path"]] = loads(row["value"])
                conf[row["path"]] = row["confidence"]
            verified = self.con.execute("SELECT COUNT(*) FROM field_values WHERE report_id = ? AND config_hash = ? AND"
                                        " status = 'verified' AND value != 'null'", (rid, cfg)).fetchone()[0]
            path = self.con.execute("SELECT path FROM reports WHERE id = ?", (rid,)).fetchone()
            out.append(StoredMeta(rid, cfg, path["path"] if path else "", values, conf, int(verified)))
        return out

    def field(self, report_id: str, cfg_hash: str, path: str) -> StoredField | None:
        row = self.con.execute("SELECT * FROM field_values WHERE report_id = ? AND config_hash = ? AND path = ?",
                               (report_id, cfg_hash, path)).fetchone()
        if row is None:
            return None
        span = (row["span_start"], row["span_end"]) if row["span_start"] is not None else None
        return StoredField(loads(row["value"]), row["evidence"], span, row["confidence"], row["status"],
                           loads(row["reasons"]) or [], loads(row["alternatives"]) or [], row["method"],
                           bool(row["approximate"]))

    def put_field(self, report_id: str, cfg_hash: str, path: str, f: StoredField) -> None:
        """Write a field's row (value, evidence, span, confidence, status, reasons); alternatives and method kept."""
        s, e = f.span if f.span else (None, None)
        self.con.execute("UPDATE field_values SET value = ?, evidence = ?, span_start = ?, span_end = ?, confidence = ?,"
                         " status = ?, reasons = ?, alternatives = ? WHERE report_id = ? AND config_hash = ? AND"
                         " path = ?", (dumps(f.value), f.evidence, s, e, f.confidence, f.status, dumps(f.reasons),
                                       json.dumps(f.alternatives, ensure_ascii=False), report_id, cfg_hash, path))

    def add_field(self, report_id: str, cfg_hash: str, path: str, f: StoredField) -> None:
        """A field's row where the result has none (a summary copied from a cell the checks settled)."""
        run_id = self.run_threshold(report_id, cfg_hash)[0]
        s, e = f.span if f.span else (None, None)
        self.con.execute("INSERT OR IGNORE INTO field_values (report_id, config_hash, run_id, path, value, evidence,"
                         " span_start, span_end, approximate, confidence, status, reasons, method, alternatives)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (report_id, cfg_hash, run_id, path, dumps(f.value), f.evidence, s, e, int(f.approximate),
                          f.confidence, f.status, dumps(f.reasons), f.method,
                          json.dumps(f.alternatives, ensure_ascii=False)))

    def item(self, report_id: str, path: str, cfg_hash: str) -> tuple[int, str] | None:
        """(id, state) of the field's review item under a configuration, if it has one."""
        row = self.con.execute("SELECT id, state FROM review_items WHERE report_id = ? AND path = ? AND config_hash = ?",
                               (report_id, path, cfg_hash)).fetchone()
        return None if row is None else (row["id"], row["state"])

    def decided(self, report_id: str) -> dict[str, Any]:
        """The report's fields a person decided, with the latest decided value."""
        return {r["path"]: loads(r["value"]) for r in self.con.execute(
            "SELECT path, value FROM decisions d WHERE report_id = ? AND id = (SELECT MAX(id) FROM decisions x WHERE"
            " x.report_id = d.report_id AND x.path = d.path)", (report_id,))}

    def run_threshold(self, report_id: str, cfg_hash: str) -> tuple[int, float | None]:
        """(run id, review threshold) the stored result was made and routed with."""
        row = self.con.execute("SELECT run_id, routed_threshold FROM results WHERE report_id = ? AND config_hash = ?",
                               (report_id, cfg_hash)).fetchone()
        return (0, None) if row is None else (row["run_id"], row["routed_threshold"])
