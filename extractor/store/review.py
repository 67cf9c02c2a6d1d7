"""The review queue's tables: review items (one per report, configuration and field) and the decisions made on them
(one per report and field, whatever configuration's value they settled: a person's decision is about the report).

Reading and writing only. Which fields enter the queue, in what order and in what state, is decided in
`extractor.review`; the rows here keep what they are told. Writes made while routing a result run in the
caller's transaction (the store's, with the result itself); a decision commits at once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Protocol

from extractor.core.errors import ExtractorError
from extractor.store.rows import ResultRows
from extractor.store.shapes import ResultLike


def canon(v: Any) -> str:
    """A queue value as JSON, with 12.0 and 12 the same (yuan values may come either way): how item values and
    decisions are stored, and how two of them are compared."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _loads(s: str | None) -> Any:
    return None if s is None else json.loads(s)


def _text(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


@dataclass(frozen=True)
class Decision:
    """One decision as stored (the latest on a field is the one that applies)."""

    id: int
    item_id: int
    report_id: str
    path: str
    action: str  # accept | value | null
    value: Any
    machine_value: Any  # the machine's value it replaced
    reviewer: str
    ts: float
    note: str | None

    @classmethod
    def of(cls, row: sqlite3.Row) -> Decision:
        return cls(row["id"], row["item_id"], row["report_id"], row["path"], row["action"], _loads(row["value"]),
                   _loads(row["machine_value"]), row["reviewer"], row["ts"], row["note"])


@dataclass(frozen=True)
class StoredItem:
    """A review item as stored, its JSON decoded, with its report's source path and its latest decision."""

    id: int
    report_id: str
    report_path: str
    path: str
    state: str
    priority: int
    value: Any
    status: str
    confidence: float
    reasons: list[str]
    evidence: str | None
    alternatives: list[dict[str, Any]]
    context: list[dict[str, Any]]
    decision: Decision | None
    page: int | None = None  # the page of the evidence (PDF and scanned input)


@dataclass(frozen=True)
class MachineSays:
    """What the machine says now about an item's field: written into the item on every (re-)routing."""

    value: Any
    status: str
    confidence: float
    reasons: list[str]
    evidence: str | None
    span: tuple[int, int] | None
    alternatives: list[dict[str, Any]]
    context: list[dict[str, Any]]  # {label, before, text, after, span}: the source around each piece of evidence
    page: int | None = None

    def columns(self) -> tuple[Any, ...]:
        s, e = self.span if self.span else (None, None)
        return (canon(self.value), self.status, self.confidence, _text(self.reasons), self.evidence, s, e,
                _text(self.alternatives), _text(self.context), self.page)


_ITEMS = "SELECT i.*, r.path AS report_path FROM review_items i LEFT JOIN reports r ON r.id = i.report_id"


class ReviewRows:
    """The review_items and decisions tables over one connection (used from one thread)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    # routing (inside the caller's transaction) --------------------------------------------------------
    def item_ids(self, report_id: str, config_hash: str) -> dict[str, int]:
        """The report's items under a configuration: field path -> item id."""
        return {r["path"]: r["id"] for r in self.con.execute(
            "SELECT id, path FROM review_items WHERE report_id = ? AND config_hash = ?", (report_id, config_hash))}

    def versions(self, report_id: str) -> list[str]:
        """The report ids that share this report's stable key (its versions and copies), first seen first: decisions
        follow the key, and the export takes the last of them as the report's latest version."""
        ids = [r[0] for r in self.con.execute(
            "SELECT id FROM reports WHERE report_key = (SELECT report_key FROM reports WHERE id = ?)"
            " ORDER BY first_seen, id", (report_id,))]
        return ids or [report_id]

    def replaced(self, report_id: str) -> dict[str, Any]:
        """Per decided field of the report (any version of it), the machine value its latest decision replaced."""
        ids = self.versions(report_id)
        return {r["path"]: _loads(r["machine_value"]) for r in self.con.execute(
            f"SELECT path, machine_value FROM decisions WHERE report_id IN ({','.join('?' * len(ids))}) ORDER BY id",
            ids)}

    def add(self, report_id: str, path: str, state: str, priority: int, machine: MachineSays | tuple[Any, ...],
            run_id: int, now: float, config_hash: str) -> None:
        """A new item; `machine` is what the machine says, or its `columns()` made already."""
        cols = machine if isinstance(machine, tuple) else machine.columns()
        self.con.execute("INSERT INTO review_items (report_id, path, state, priority, value, status, confidence, reasons,"
                         " evidence, span_start, span_end, alternatives, context, page, run_id, updated, created,"
                         " config_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (report_id, path, state, priority, *cols, run_id, now, now, config_hash))

    def update(self, item_id: int, state: str, priority: int, machine: MachineSays | tuple[Any, ...], run_id: int,
               now: float) -> None:
        cols = machine if isinstance(machine, tuple) else machine.columns()
        self.con.execute("UPDATE review_items SET state = ?, priority = ?, value = ?, status = ?, confidence = ?,"
                         " reasons = ?, evidence = ?, span_start = ?, span_end = ?, alternatives = ?, context = ?,"
                         " page = ?, run_id = ?, updated = ? WHERE id = ?", (state, priority, *cols, run_id, now, item_id))

    # reading the queue ----------------------------------------------------------------------------
    def select(self, states: tuple[str, ...], field: str | None = None, report: str | None = None,
               reason: str | None = None, limit: int | None = None, config_hash: str | None = None) -> list[StoredItem]:
        """Items in these states, most important first (priority, then confidence); `field` is a path or a prefix,
        `report` an id prefix or part of the report's path, `reason` a reason code or a status; `config_hash` the
        configuration whose results were routed (None: every configuration's)."""
        where, args = [f"i.state IN ({','.join('?' * len(states))})"], list(states)
        if config_hash is not None:
            where.append("i.config_hash = ?")
            args.append(config_hash)
        if field:
            where.append("(i.path = ? OR i.path LIKE ?)")
            args += [field, field.rstrip(".*") + ".%"]
        if report:
            where.append("(i.report_id LIKE ? OR r.path LIKE ?)")
            args += [report + "%", f"%{report}%"]
        if reason:
            where.append("(i.reasons LIKE ? OR i.status = ?)")
            args += [f'%"{reason}%', reason]
        sql = f"{_ITEMS} WHERE {' AND '.join(where)} ORDER BY i.priority, i.confidence, i.report_id, i.path"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [self._item(row) for row in self.con.execute(sql, args)]

    def get(self, item_id: int) -> StoredItem | None:
        row = self.con.execute(f"{_ITEMS} WHERE i.id = ?", (item_id,)).fetchone()
        return None if row is None else self._item(row)

    def _item(self, row: sqlite3.Row) -> StoredItem:
        return StoredItem(row["id"], row["report_id"], row["report_path"] or "", row["path"], row["state"],
                          row["priority"], _loads(row["value"]), row["status"], row["confidence"],
                          _loads(row["reasons"]) or [], row["evidence"], _loads(row["alternatives"]) or [],
                          _loads(row["context"]) or [], self.latest_decision(row["report_id"], row["path"]),
                          row["page"])

    def latest_decision(self, report_id: str, path: str) -> Decision | None:
        """The latest decision on a field of the report or of another version of it (decisions follow the key)."""
        ids = self.versions(report_id)
        row = self.con.execute(f"SELECT * FROM decisions WHERE path = ? AND report_id IN ({','.join('?' * len(ids))})"
                               " ORDER BY id DESC LIMIT 1", (path, *ids)).fetchone()
        return None if row is None else Decision.of(row)

    def latest_decisions(self) -> dict[tuple[str, str], Decision]:
        """The latest decision per (report, field), as made."""
        return {(d.report_id, d.path): d for d in map(Decision.of, self.con.execute("SELECT * FROM decisions ORDER BY id"))}

    def key_decisions(self) -> dict[tuple[str, str], Decision]:
        """The latest decision per (report key, field): what applies to every version of a report."""
        out: dict[tuple[str, str], Decision] = {}
        for row in self.con.execute("SELECT d.*, COALESCE(r.report_key, d.report_id) AS report_key FROM decisions d"
                                    " LEFT JOIN reports r ON r.id = d.report_id ORDER BY d.id"):
            out[(row["report_key"], row["path"])] = Decision.of(row)
        return out

    def decisions_of(self, report_id: str) -> list[Decision]:
        """Every decision made on the report's fields (on any version of it), the latest first."""
        ids = self.versions(report_id)
        return [Decision.of(r) for r in self.con.execute(
            f"SELECT * FROM decisions WHERE report_id IN ({','.join('?' * len(ids))}) ORDER BY id DESC", ids)]

    def open_paths(self, states: tuple[str, ...], config_hash: str | None = None) -> dict[str, list[str]]:
        """Per report, the fields whose items are in these states (under one configuration, or any)."""
        out: dict[str, list[str]] = {}
        sql = f"SELECT report_id, path FROM review_items WHERE state IN ({','.join('?' * len(states))})"
        args: list[str] = list(states)
        if config_hash is not None:
            sql += " AND config_hash = ?"
            args.append(config_hash)
        for row in self.con.execute(sql, args):
            out.setdefault(row["report_id"], []).append(row["path"])
        return out

    def state_counts(self, config_hash: str | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        rows = (self.con.execute("SELECT state FROM review_items") if config_hash is None else
                self.con.execute("SELECT state FROM review_items WHERE config_hash = ?", (config_hash,)))
        for (state,) in rows:
            out[state] = out.get(state, 0) + 1
        return out

    def decision_count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def source_path(self, report_id: str) -> str | None:
        """Where the report was last read (absolute), if it is known."""
        row = self.con.execute("SELECT path FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if row is None else row["path"]

    # deciding -------------------------------------------------------------------------------------
    def decide(self, item: StoredItem, action: str, value: Any, reviewer: str, note: str | None, state: str,
               expect: int | None = None) -> int:
        """Record a decision on an item (the value decided and the machine's it replaces) and set the item's state;
        committed at once; returns the decision's id.

        `expect` is the id of the latest decision on the field the decider saw (0: none): when another decision was
        committed meanwhile (two reviewers on one item), nothing is written and `DecidedMeanwhile` names it. The
        check and the write are one write transaction, so of two deciders one wins and the other is told."""
        with self.con:
            if expect is not None:
                if self.con.in_transaction:
                    self.con.commit()
                self.con.execute("BEGIN IMMEDIATE")  # no other writer between the check and the insert
                latest = self.latest_decision(item.report_id, item.path)
                if (0 if latest is None else latest.id) != expect:
                    raise DecidedMeanwhile(item.id, item.path, latest)
            cur = self.con.execute("INSERT INTO decisions (item_id, report_id, path, action, value, machine_value, reviewer, ts,"
                             " note) VALUES (?,?,?,?,?,?,?,?,?)",
                             (item.id, item.report_id, item.path, action, canon(value), canon(item.value), reviewer,
                              time.time(), note))
            self.con.execute("UPDATE review_items SET state = ?, updated = ? WHERE id = ?", (state, time.time(), item.id))
        return int(cur.lastrowid or 0)


class DecidedMeanwhile(ExtractorError):
    """Another decision on the item was committed after the decider looked at it: theirs was not written."""

    exit_code = 2

    def __init__(self, item_id: int, path: str, latest: Decision | None) -> None:
        self.item_id, self.path, self.latest = item_id, path, latest
        if latest is None:
            told = "its decision was withdrawn meanwhile"
        else:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(latest.ts))
            told = (f"it was decided meanwhile by {latest.reviewer} at {when} ({latest.action}: "
                    f"{canon(latest.value)})")
        super().__init__(f"item {item_id} ({path}): {told}; your decision was not saved: look again and decide")


class Routing(Protocol):
    """How a result's fields are routed into the queue (`extractor.review.routing` provides it). The store runs it
    inside the transaction that commits the result, so a result and its routing are committed together."""

    def route(self, rows: ReviewRows, run_id: int, result: ResultLike, threshold: float, now: float,
              config_hash: str) -> None: ...

    def route_rows(self, rows: ReviewRows, run_id: int, result: ResultRows, original: str, threshold: float,
                   now: float, config_hash: str) -> None:
        """`route` of a result as plain rows (`rows.result_rows`), with its report's text (the items' context)."""
        ...

    def restore(self, record: dict[str, Any], original_path: str) -> ResultLike:
        """A stored result (its per-report record) as a result again, with its report read from `original_path`."""
        ...
