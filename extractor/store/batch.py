"""The Batch API route's tables: each requests file submitted (`batches`) and the calls it carries (`batch_requests`).

A file is recorded, with its calls, before it is uploaded, so a kill cannot lose it; the provider's ids are added as
they become known. A batch is ingested once: its answers go into the call log in the same transaction that marks it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from extractor.store.db import CallLog, CallRecord


@dataclass(frozen=True)
class BatchRequest:
    """One call a batch carries: the cache key it answers, and what the call log records of it."""

    custom_id: str  # the call's cache key
    report_id: str | None
    prompt_name: str
    prompt_version: str
    prompt_hash: str
    input_hash: str
    fields: list[str]  # the field paths asked (the response model)
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class Batch:
    id: int  # ours, sent as metadata, so a batch created before a kill is found again
    config_hash: str
    input_path: str  # the requests file as uploaded
    requests: int
    status: str
    input_file_id: str | None  # the provider's ids, once known
    batch_id: str | None
    output_file_id: str | None
    error_file_id: str | None


class BatchStore:
    """The batch tables over one connection (the run database's, used from one thread)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def carried(self) -> set[str]:
        """The cache keys of every call a batch not yet ingested carries (asked already: not to be asked again)."""
        return {r[0] for r in self.con.execute(
            "SELECT r.custom_id FROM batch_requests r JOIN batches b ON b.id = r.batch WHERE NOT b.ingested")}

    def add(self, config_hash: str, input_path: str, requests: list[BatchRequest]) -> int:
        """Record a requests file and its calls, before it is uploaded; its id."""
        now = time.time()
        with self.con:
            cur = self.con.execute(
                "INSERT INTO batches (config_hash, input_path, requests, status, created, updated)"
                " VALUES (?,?,?,?,?,?)", (config_hash, input_path, len(requests), "written", now, now))
            bid = int(cur.lastrowid or 0)
            self.con.executemany(
                "INSERT INTO batch_requests VALUES (?,?,?,?,?,?,?,?,?)",
                [(bid, r.custom_id, r.report_id, r.prompt_name, r.prompt_version, r.prompt_hash, r.input_hash,
                  json.dumps(r.fields), json.dumps(r.messages, ensure_ascii=False)) for r in requests])
        return bid

    def get(self, bid: int) -> Batch:
        return _batch(self.con.execute("SELECT * FROM batches WHERE id = ?", (bid,)).fetchone())

    def pending(self) -> list[Batch]:
        """Batches not yet ingested, whatever run submitted them."""
        return [_batch(r) for r in self.con.execute("SELECT * FROM batches WHERE NOT ingested ORDER BY id")]

    def requests(self, bid: int) -> dict[str, BatchRequest]:
        """The calls a batch carries, by cache key."""
        out = {}
        for r in self.con.execute("SELECT * FROM batch_requests WHERE batch = ?", (bid,)):
            out[r["custom_id"]] = BatchRequest(r["custom_id"], r["report_id"], r["prompt_name"], r["prompt_version"],
                                               r["prompt_hash"], r["input_hash"], json.loads(r["fields"]),
                                               json.loads(r["request"]))
        return out

    def update(self, bid: int, **cols: Any) -> None:
        """Set columns of a batch (the provider's ids, its status)."""
        unknown = set(cols) - {"status", "input_file_id", "batch_id", "output_file_id", "error_file_id"}
        if unknown:
            raise ValueError(f"not a batch column to update: {sorted(unknown)}")
        sets = ", ".join(f"{k} = ?" for k in cols)
        with self.con:
            self.con.execute(f"UPDATE batches SET {sets}, updated = ? WHERE id = ?", (*cols.values(), time.time(), bid))

    def ingested(self, bid: int, records: list[CallRecord], answered: int, failed: int) -> None:
        """A finished batch's answers into the call log, and the batch marked ingested, in one transaction."""
        log = CallLog(self.con)
        with self.con:
            for rec in records:
                log.record(rec)
            self.con.execute("UPDATE batches SET ingested = 1, answered = ?, failed = ?, updated = ? WHERE id = ?",
                             (answered, failed, time.time(), bid))


def _batch(r: sqlite3.Row) -> Batch:
    return Batch(r["id"], r["config_hash"], r["input_path"], r["requests"], r["status"], r["input_file_id"],
                 r["batch_id"], r["output_file_id"], r["error_file_id"])
