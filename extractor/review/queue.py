"""The review queue: routing machine values a person must settle, decisions, and what they feed.

A field enters the queue when it is not verified/derived, when its confidence is under the threshold,
or when a check failed (`FieldResult.needs_review`). Items are ordered by what matters most: conflicts,
ambiguous readings, failed checks and reopened decisions first, then low confidence, then the rest.

Decisions are append-only and keyed by report and field, never by run: a re-run never overwrites
one. When a re-run's machine value differs from the one a decision replaced, the item reopens and
shows both; when it comes back to that value, the item is decided again.
"""

from __future__ import annotations

import getpass
import json
import math
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extractor.core.catalogue import ENUMS, catalogue
from extractor.core.errors import ExtractorError
from extractor.core.schema import field_model
from extractor.pipeline import ReportResult
from extractor.reconcile import FieldResult
from extractor.store.results import loads

CONTEXT_CHARS = 120
OPEN_STATES = ("open", "reopened")
STATES = ("open", "reopened", "decided", "closed")
STATE_CHOICES = (*STATES, "all")  # what `review list --state` takes; `open` means open and reopened
HARD_FAILURES = {"sum_mismatch", "percent_mismatch", "source_disagrees", "backends_disagree", "identity_failed",
                 "other_witness_unverified"}
PRIORITY_NAMES = {0: "conflict, ambiguity or failed check", 1: "low confidence", 2: "other"}


class ReviewError(ExtractorError):
    exit_code = 2


def priority(r: FieldResult, threshold: float) -> int:
    reasons = set(r.reasons)
    if r.status in ("conflict", "ambiguous") or reasons & HARD_FAILURES or any(x.startswith("identity:") for x in reasons):
        return 0
    return 1 if r.confidence < threshold else 2


def canon(v: Any) -> str:
    """A value as JSON, with 12.0 and 12 the same (yuan values may come either way)."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def snippet(original: str, span: list[int] | tuple[int, int], label: str) -> dict[str, Any]:
    s, e = span
    return {"label": label, "before": original[max(0, s - CONTEXT_CHARS):s], "text": original[s:e],
            "after": original[e:e + CONTEXT_CHARS], "span": [s, e]}


def context(original: str, r: FieldResult) -> list[dict[str, Any]]:
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


def route(con: sqlite3.Connection, run_id: int, result: ReportResult, threshold: float, now: float) -> None:
    """Update the report's review items after a (re-)run; called inside the store's transaction."""
    rid = result.doc.id
    fields = result.catalogued()
    need = {p for p, r in fields.items() if r.needs_review(threshold)}
    items = {row["path"]: row for row in con.execute("SELECT * FROM review_items WHERE report_id = ?", (rid,))}
    decided = {row["path"]: row for row in con.execute(
        "SELECT * FROM decisions d WHERE report_id = ? AND id = (SELECT MAX(id) FROM decisions x"
        " WHERE x.report_id = d.report_id AND x.path = d.path)", (rid,))}
    for path in sorted(need | set(items)):
        r = fields.get(path) or FieldResult(path)
        item = items.get(path)
        machine = (canon(r.value), r.status, round(r.confidence, 3), json.dumps(r.reasons, ensure_ascii=False),
                   r.evidence, r.span[0] if r.span else None, r.span[1] if r.span else None,
                   json.dumps(r.alternatives, ensure_ascii=False), json.dumps(context(result.doc.original, r),
                                                                              ensure_ascii=False), run_id, now)
        prio = priority(r, threshold)
        if item is None:
            con.execute("INSERT INTO review_items (report_id, path, state, priority, value, status, confidence, reasons,"
                        " evidence, span_start, span_end, alternatives, context, run_id, updated, created)"
                        " VALUES (?,?, 'open', ?,?,?,?,?,?,?,?,?,?,?,?,?)", (rid, path, prio, *machine, now))
            continue
        if path in decided:
            changed = canon(loads(decided[path]["machine_value"])) != canon(r.value)
            state, prio = ("reopened", 0) if changed else ("decided", prio)
        else:
            state = "open" if path in need else "closed"  # closed: the machine now vouches for it
        con.execute("UPDATE review_items SET state = ?, priority = ?, value = ?, status = ?, confidence = ?, reasons = ?,"
                    " evidence = ?, span_start = ?, span_end = ?, alternatives = ?, context = ?, run_id = ?, updated = ?"
                    " WHERE id = ?", (state, prio, *machine, item["id"]))


@dataclass
class Item:
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
    decision: dict[str, Any] | None  # the latest decision, if any

    @classmethod
    def of(cls, row: sqlite3.Row, decision: sqlite3.Row | None) -> Item:
        d = None
        if decision is not None:
            d = {"id": decision["id"], "action": decision["action"], "value": loads(decision["value"]),
                 "machine_value": loads(decision["machine_value"]), "reviewer": decision["reviewer"],
                 "ts": decision["ts"], "note": decision["note"]}
        return cls(row["id"], row["report_id"], row["report_path"] or "", row["path"], row["state"], row["priority"],
                   loads(row["value"]), row["status"], row["confidence"], loads(row["reasons"]) or [], row["evidence"],
                   loads(row["alternatives"]) or [], loads(row["context"]) or [], d)

    @property
    def ambiguous(self) -> bool:
        """A null the source admits several readings of: there is no machine value to accept."""
        return self.value is None and (self.status == "ambiguous" or bool(self.alternatives))

    def readings(self) -> list[Any]:
        out: list[Any] = []
        for a in self.alternatives:
            if a.get("value") is not None and a.get("value") not in out:
                out.append(a.get("value"))
        return out

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def states_for(state: str) -> tuple[str, ...]:
    """The item states a `--state` choice stands for; an unknown one is refused with the choices."""
    if state not in STATE_CHOICES:
        raise ReviewError(f"unknown state {state!r}; choose from {', '.join(STATE_CHOICES)}")
    return {"open": OPEN_STATES, "all": STATES}.get(state, (state,))


_SELECT = "SELECT i.*, r.path AS report_path FROM review_items i LEFT JOIN reports r ON r.id = i.report_id"


class Queue:
    """The review queue over one connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def _decision(self, item: sqlite3.Row) -> sqlite3.Row | None:
        """The latest decision on an item (one item per report and field; the lookup uses the decisions index)."""
        return self.con.execute("SELECT * FROM decisions WHERE report_id = ? AND path = ? ORDER BY id DESC LIMIT 1",
                                (item["report_id"], item["path"])).fetchone()

    def items(self, states: tuple[str, ...] = OPEN_STATES, field: str | None = None, report: str | None = None,
              reason: str | None = None, limit: int | None = None) -> list[Item]:
        unknown = [x for x in states if x not in STATES]
        if unknown or not states:
            raise ReviewError(f"unknown state {', '.join(map(repr, unknown)) or '(none)'}; choose from {', '.join(STATES)}")
        where, args = [f"i.state IN ({','.join('?' * len(states))})"], list(states)
        if field:
            where.append("(i.path = ? OR i.path LIKE ?)")
            args += [field, field.rstrip(".*") + ".%"]
        if report:
            where.append("(i.report_id LIKE ? OR r.path LIKE ?)")
            args += [report + "%", f"%{report}%"]
        if reason:
            where.append("(i.reasons LIKE ? OR i.status = ?)")
            args += [f'%"{reason}%', reason]
        sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY i.priority, i.confidence, i.report_id, i.path"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Item.of(row, self._decision(row)) for row in self.con.execute(sql, args)]

    def get(self, item_id: int) -> Item:
        row = self.con.execute(f"{_SELECT} WHERE i.id = ?", (item_id,)).fetchone()
        if row is None:
            raise ReviewError(f"no review item {item_id}")
        return Item.of(row, self._decision(row))

    def decide(self, item_id: int, action: str, value: Any = None, reviewer: str | None = None,
               note: str | None = None) -> dict[str, Any]:
        """Record a decision (accept the machine's value, a corrected value, or null); committed at once."""
        item = self.get(item_id)
        if action == "accept":
            if item.ambiguous:
                readings = ", ".join(json.dumps(v, ensure_ascii=False) for v in item.readings()) or "none listed"
                raise ReviewError(f"item {item.id} ({item.path}) is ambiguous (readings {readings}): there is no value "
                                  "to accept; give --value V or --null")
            value = item.value
        elif action == "null":
            value = None
        elif action == "value":
            value = parse_value(item.path, value)
        else:
            raise ReviewError(f"unknown action {action!r}: accept, value or null")
        who = reviewer or default_reviewer()
        with self.con:
            self.con.execute("INSERT INTO decisions (item_id, report_id, path, action, value, machine_value, reviewer, ts,"
                             " note) VALUES (?,?,?,?,?,?,?,?,?)",
                             (item.id, item.report_id, item.path, action, canon(value), canon(item.value), who,
                              time.time(), note))
            self.con.execute("UPDATE review_items SET state = 'decided', updated = ? WHERE id = ?", (time.time(), item.id))
        return {"item": item.id, "path": item.path, "action": action, "value": value, "machine_value": item.value,
                "reviewer": who}

    def decisions(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest decision per (report, field)."""
        out = {}
        for d in self.con.execute("SELECT * FROM decisions ORDER BY id"):
            out[(d["report_id"], d["path"])] = {"value": loads(d["value"]), "machine_value": loads(d["machine_value"]),
                                                 "reviewer": d["reviewer"], "ts": d["ts"], "action": d["action"]}
        return out

    def stats(self) -> dict[str, Any]:
        open_items = self.items()
        by_reason: Counter[str] = Counter()
        for it in open_items:
            for r in it.reasons or ["low_confidence" if it.priority == 1 else f"status:{it.status}"]:
                by_reason[r] += 1
        states = Counter(row[0] for row in self.con.execute("SELECT state FROM review_items"))
        return {
            "open": len(open_items),
            "by_state": dict(sorted(states.items())),
            "by_priority": {PRIORITY_NAMES[k]: v for k, v in sorted(Counter(i.priority for i in open_items).items())},
            "by_reason": dict(by_reason.most_common()),
            "by_field": dict(Counter(i.path for i in open_items).most_common()),
            "by_report": dict(Counter(os.path.basename(i.report_path) or i.report_id for i in open_items).most_common()),
            "decisions": self.con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0],
        }

    def to_gold(self, out_dir: str, on_missing: Callable[[str], None] | None = None) -> list[str]:
        """Each report's decided values as a gold file (FIELDS.md format), its report copied beside it; a report
        whose source cannot be found is passed to `on_missing` (its gold file is written all the same)."""
        import shutil

        by_report: dict[str, dict[str, Any]] = {}
        for (rid, path), d in sorted(self.decisions().items()):
            by_report.setdefault(rid, {})[path] = d["value"]
        written = []
        os.makedirs(os.path.join(out_dir, "reports"), exist_ok=True)
        for rid, fields in by_report.items():
            row = self.con.execute("SELECT path FROM reports WHERE id = ?", (rid,)).fetchone()
            src = row["path"] if row else ""
            name = f"{os.path.splitext(os.path.basename(src))[0] or rid}"
            report_name = os.path.basename(src) or f"{rid}.txt"
            if src and os.path.isfile(src):
                shutil.copyfile(src, os.path.join(out_dir, "reports", report_name))
            elif on_missing is not None:
                on_missing(src or f"report {rid} (no path recorded)")
            target = os.path.join(out_dir, f"{name}.json")
            existing = {}
            if os.path.exists(target):  # a gold file grows: labels already there and not re-decided are kept
                with open(target, encoding="utf-8") as fh:
                    existing = json.load(fh).get("fields", {})
            gold = {"report": report_name, "fields": {**existing, **fields}}
            with open(target, "w", encoding="utf-8") as fh:
                json.dump(gold, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            written.append(target)
        return written


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def may_be_negative(path: str) -> bool:
    """Whether a number in this field may be below zero. As reconcile's `negative_count` check: counts and amounts
    never are, except under `proactive.*`, where the 2019 template's tables carry 本年增/减 (the year's change)."""
    return path.startswith("proactive.")


def _check_number(path: str, kind: str, value: Any, text: Any) -> None:
    what = "a count: a non-negative whole number" if kind == "int" else "an amount in yuan: a non-negative number"
    if may_be_negative(path):
        what = what.replace("a non-negative ", "a ")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or (kind == "int" and not float(value).is_integer()):
        raise ReviewError(f"{path} is {what}, not {text!r}")
    if value < 0 and not may_be_negative(path):
        raise ReviewError(f"{path} is {what}, not {text!r}")


def parse_value(path: str, text: Any) -> Any:
    """A value typed by a reviewer, parsed and checked by the field's kind (catalogue): a count is a whole number and
    an amount a number, neither below zero except where the catalogue allows it (`may_be_negative`); a date is
    YYYY-MM-DD; an enum one of its values; a list items separated by ；, ; | or new lines."""
    if path not in catalogue():
        raise ReviewError(f"unknown field {path}")
    kind = catalogue()[path].kind
    if not isinstance(text, str):
        value: Any = text
    else:
        t = text.strip()
        if not t:
            raise ReviewError("empty value (use null to set null)")
        if kind in ("int", "yuan"):
            from extractor.text.numbers import parse_cn_numeral, reparse

            t = t.replace(",", "").replace("，", "")
            try:
                value = int(t) if re.fullmatch(r"-?\d+", t) else float(t)
            except ValueError:
                parsed = reparse(t, kind)
                value = parse_cn_numeral(t) if parsed is None else parsed.value
                if value is None:
                    raise ReviewError(f"{path} takes a number, not {text!r}") from None
        elif kind == "list":
            value = [x.strip() for x in re.split(r"[；;|\n]", t) if x.strip()]
        elif kind == "enum" and t not in ENUMS[path]:
            raise ReviewError(f"{path} is one of {', '.join(ENUMS[path])}, not {t!r}")
        else:
            value = t
    if kind in ("int", "yuan") and value is not None:
        _check_number(path, kind, value, text)
        if kind == "int":
            value = int(value)
    try:
        field_model(path).model_validate({"value": value})
    except Exception as exc:
        raise ReviewError(f"{path}: {value!r} is not a valid value ({type(exc).__name__})") from None
    return value
