"""Routing a result's fields into the review queue: which fields, in what order, in what state.

A field enters the queue when it is not verified/derived, when its confidence is under the threshold,
or when a check failed (`FieldResult.needs_review`). Items are ordered by what matters most: conflicts,
ambiguous readings, failed checks and reopened decisions first, then low confidence, then the rest.

A re-run updates every item of its report (and a new version of a report, or a copy scraped again, starts from
the decisions made on the others: they share its stable key): an item whose decision replaced another machine value than
the one now given reopens (first in the queue, showing both); one whose machine value came back to the
one its decision replaced is decided again; an undecided item the machine now vouches for closes.
The store runs the routing inside the transaction that commits the result (`routed_store`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from extractor.core.result import HARD_FAILURES, REVIEW_THRESHOLD, FieldResult
from extractor.export import field_results
from extractor.ingest import load
from extractor.pipeline import ReportResult
from extractor.store.results import Store
from extractor.store.review import MachineSays, ReviewRows, canon
from extractor.store.rows import ALWAYS, ResultRows, catalogue_paths, loads, result_rows
from extractor.store.shapes import FieldLike, ResultLike

CONTEXT_CHARS = 120
PRIORITY_NAMES = {0: "conflict, ambiguity or failed check", 1: "low confidence", 2: "other"}


def hard(r: FieldLike) -> bool:
    """Whether the field is first in the queue whatever the threshold: a conflict, an ambiguity, a hard failure."""
    reasons = set(r.reasons)
    return r.status in ("conflict", "ambiguous") or bool(reasons & HARD_FAILURES) \
        or any(x.startswith("identity:") for x in reasons)


def rank(is_hard: bool, confidence: float, threshold: float) -> int:
    """An item's priority: 0 hard, 1 under the threshold, 2 else."""
    return 0 if is_hard else 1 if confidence < threshold else 2


def priority(r: FieldLike, threshold: float) -> int:
    return rank(hard(r), r.confidence, threshold)


def snippet(original: str, span: list[int] | tuple[int, int], label: str) -> dict[str, Any]:
    s, e = span
    return {"label": label, "before": original[max(0, s - CONTEXT_CHARS):s], "text": original[s:e],
            "after": original[e:e + CONTEXT_CHARS], "span": [s, e]}


def context(original: str, r: FieldLike) -> list[dict[str, Any]]:
    """The source around the field's evidence and around every alternative's (both sides of a conflict)."""
    out = []
    if r.span and 0 <= r.span[0] <= r.span[1] <= len(original):
        out.append(snippet(original, r.span, "evidence"))
    for a in r.alternatives:
        sp = a.get("span")
        if sp and 0 <= sp[0] <= sp[1] <= len(original) and list(sp) != list(r.span or []):
            who = a.get("backend") or a.get("method") or "alternative"
            out.append(snippet(original, sp, f"{who} says {json.dumps(a.get('value'), ensure_ascii=False)}"))
    return out


def machine_says(original: str, r: FieldLike) -> MachineSays:
    return MachineSays(r.value, r.status, round(r.confidence, 3), r.reasons, r.evidence, r.span, r.alternatives,
                       context(original, r), r.page)


class Router:
    """The queue's routing, as the store runs it (`extractor.store.review.Routing`)."""

    def route(self, rows: ReviewRows, run_id: int, result: ResultLike, threshold: float, now: float,
              config_hash: str) -> None:
        """Update the report's review items under this configuration after a (re-)run; called inside the store's
        transaction."""
        self.route_rows(rows, run_id, result_rows(result), result.doc.original, threshold, now, config_hash)

    def route_rows(self, rows: ReviewRows, run_id: int, result: ResultRows, original: str, threshold: float,
                   now: float, config_hash: str) -> None:
        """`route` of a result as plain rows (`store.rows.result_rows`), its fields made again only for the items
        written."""
        rid = result.report[0]
        need = set(result.review_paths(threshold))
        items = rows.item_ids(rid, config_hash)
        if not need and not items:
            return
        replaced = rows.replaced(rid)
        cat = catalogue_paths()
        at = {cat[f[0]]: k for k, f in enumerate(result.fields)}
        said = {k: (h, cols) for k, h, cols in result.said}
        for path in sorted(need | set(items)):
            k = at.get(path)
            if k is not None and k in said:  # made where the report was
                is_hard, cols = said[k]
                prio = rank(is_hard, result.confidences[k], threshold)
            else:
                r: FieldLike = _field(path, result, k) if k is not None else FieldResult(path)
                prio, cols = priority(r, threshold), machine_says(original, r).columns()
            if path in replaced:  # decided, on this report or another version of it (decisions follow the key)
                changed = canon(replaced[path]) != cols[0]  # the item's value column: canon of the machine's value
                state, prio = ("reopened", 0) if changed else ("decided", prio)
            elif path in items:
                state = "open" if path in need else "closed"  # closed: the machine now vouches for it
            else:
                state = "open"
            if path in items:
                rows.update(items[path], state, prio, cols, run_id, now)
            else:
                rows.add(rid, path, state, prio, cols, run_id, now, config_hash)

    def restore(self, record: dict[str, Any], original_path: str) -> ResultLike:
        """A stored result as a result again: its fields from the record, its report read again for the context."""
        return ReportResult(load(original_path), record["backend"], field_results(record))


def said_always(result: ResultRows, original: str) -> ResultRows:
    """`result` with what the machine says of each field reviewed at every threshold (`ResultRows.said`): made where
    the report was, from the rows as the routing reads them, so the process that commits it only writes it."""
    cat = catalogue_paths()
    said = []
    for k, (f, bound) in enumerate(zip(result.fields, result.bounds, strict=True)):
        if bound == ALWAYS:
            r = _field(cat[f[0]], result, k)
            said.append((k, hard(r), machine_says(original, r).columns()))
    return result._replace(said=tuple(said))


def _field(path: str, result: ResultRows, k: int) -> FieldResult:
    """A field of a result as rows, as a FieldResult again (its raw confidence kept)."""
    _, value, evidence, s, e, approximate, _, status, reasons, method, alternatives, page = result.fields[k]
    return FieldResult(path, loads(value), evidence, None if s is None else (s, e), bool(approximate),
                       result.confidences[k], status, loads(reasons) or [], method, loads(alternatives) or [], page)


def routed_store(con: sqlite3.Connection, threshold: float = REVIEW_THRESHOLD) -> Store:
    """A store that routes every result it saves into the review queue under `threshold`."""
    return Store(con, threshold, Router())
