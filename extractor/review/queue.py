"""The review queue: the items a person must settle, decisions, and what they feed (stats, gold files).

Which fields enter the queue and in what order is `routing`'s. Decisions are append-only and keyed by
report and field, never by run: a re-run never overwrites one. When a re-run's machine value differs
from the one a decision replaced, the item reopens and shows both; when it comes back to that value,
the item is decided again.
"""

from __future__ import annotations

import getpass
import json
import math
import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extractor.core.catalogue import ENUMS, catalogue
from extractor.core.errors import ExtractorError
from extractor.core.schema import field_model
from extractor.store.results import run_info
from extractor.store.review import DecidedMeanwhile, Decision, ReviewRows, StoredItem

OPEN_STATES = ("open", "reopened")
STATES = ("open", "reopened", "decided", "closed")
STATE_CHOICES = (*STATES, "all")  # what `review list --state` takes; `open` means open and reopened
PRIORITY_NAMES = {0: "conflict, ambiguity or failed check", 1: "low confidence", 2: "other"}


class ReviewError(ExtractorError):
    exit_code = 2


class Stale(ReviewError):
    """The item was decided by someone else after this decider looked at it (`Queue.decide(..., expect=)`)."""

    def __init__(self, message: str, latest: Decision | None) -> None:
        super().__init__(message)
        self.latest = latest


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
    page: int | None = None  # the page of the evidence (PDF and scanned input)

    @classmethod
    def of(cls, s: StoredItem) -> Item:
        d = s.decision
        shown = None if d is None else {"id": d.id, **_shown(d), "note": d.note}
        return cls(s.id, s.report_id, s.report_path, s.path, s.state, s.priority, s.value, s.status, s.confidence,
                   s.reasons, s.evidence, s.alternatives, s.context, shown, s.page)

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


def seen(item: Item) -> int:
    """The stamp a decider passes back as `Queue.decide(..., expect=)`: the id of the decision shown (0: none)."""
    return 0 if item.decision is None else int(item.decision["id"])


def states_for(state: str) -> tuple[str, ...]:
    """The item states a `--state` choice stands for; an unknown one is refused with the choices."""
    if state not in STATE_CHOICES:
        raise ReviewError(f"unknown state {state!r}; choose from {', '.join(STATE_CHOICES)}")
    return {"open": OPEN_STATES, "all": STATES}.get(state, (state,))


def _shown(d: Decision) -> dict[str, Any]:
    return {"value": d.value, "machine_value": d.machine_value, "reviewer": d.reviewer, "ts": d.ts, "action": d.action,
            "report_id": d.report_id}  # the version it was made on (decisions follow the report to its other versions)


class Queue:
    """The review queue over one connection."""

    def __init__(self, con: sqlite3.Connection, run: int | None = None) -> None:
        """The queue of one configuration's results: run `run`'s, by default the latest run's (a database with no
        run: every item)."""
        self.con = con
        self.rows = ReviewRows(con)
        info = run_info(con, run)
        self.run = None if info is None else (info.id, info.config_hash)  # (run id, configuration hash)
        if run is not None and self.run is None:
            raise ReviewError(f"no run {run} in this database")
        self.config_hash = None if self.run is None else self.run[1]

    def items(self, states: tuple[str, ...] = OPEN_STATES, field: str | None = None, report: str | None = None,
              reason: str | None = None, limit: int | None = None) -> list[Item]:
        unknown = [x for x in states if x not in STATES]
        if unknown or not states:
            raise ReviewError(f"unknown state {', '.join(map(repr, unknown)) or '(none)'}; choose from {', '.join(STATES)}")
        return [Item.of(s) for s in self.rows.select(states, field, report, reason, limit, self.config_hash)]

    def get(self, item_id: int) -> Item:
        return Item.of(self._stored(item_id))

    def _stored(self, item_id: int) -> StoredItem:
        s = self.rows.get(item_id)
        if s is None:
            raise ReviewError(f"no review item {item_id}")
        return s

    def decide(self, item_id: int, action: str, value: Any = None, reviewer: str | None = None,
               note: str | None = None, expect: int | None = None) -> dict[str, Any]:
        """Record a decision (accept the machine's value, a corrected value, or null); committed at once.

        `expect`: the id of the item's latest decision when the decider looked at it (0: undecided, `seen(item)`);
        if another was committed since, nothing is written and `Stale` says who decided what (never a silent
        overwrite). None skips the check (a script that means to overrule)."""
        stored = self._stored(item_id)
        item = Item.of(stored)
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
        try:
            did = self.rows.decide(stored, action, value, who, note, state="decided", expect=expect)
        except DecidedMeanwhile as exc:
            raise Stale(str(exc), exc.latest) from None
        return {"id": did, "item": item.id, "path": item.path, "action": action, "value": value, "machine_value": item.value,
                "reviewer": who}

    def decisions(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest decision per (report, field)."""
        return {key: _shown(d) for key, d in self.rows.latest_decisions().items()}

    def stats(self) -> dict[str, Any]:
        open_items = self.items()
        by_reason: Counter[str] = Counter()
        for it in open_items:
            for r in it.reasons or ["low_confidence" if it.priority == 1 else f"status:{it.status}"]:
                by_reason[r] += 1
        return {
            "open": len(open_items),
            "by_state": dict(sorted(self.rows.state_counts(self.config_hash).items())),
            "by_priority": {PRIORITY_NAMES[k]: v for k, v in sorted(Counter(i.priority for i in open_items).items())},
            "by_reason": dict(by_reason.most_common()),
            "by_field": dict(Counter(i.path for i in open_items).most_common()),
            "by_report": dict(Counter(os.path.basename(i.report_path) or i.report_id for i in open_items).most_common()),
            "decisions": self.rows.decision_count(),
        }

    def to_gold(self, out_dir: str, on_missing: Callable[[str], None] | None = None) -> list[str]:
        """Each report's decided values as a gold file (FIELDS.md format), its report copied beside it; a report
        whose source cannot be found is passed to `on_missing` (its gold file is written all the same)."""
        by_report: dict[str, dict[str, Any]] = {}
        for (rid, path), d in sorted(self.rows.latest_decisions().items()):
            by_report.setdefault(rid, {})[path] = d.value
        os.makedirs(os.path.join(out_dir, "reports"), exist_ok=True)
        return [self._gold_file(out_dir, rid, fields, on_missing) for rid, fields in by_report.items()]

    def _gold_file(self, out_dir: str, rid: str, fields: dict[str, Any],
                   on_missing: Callable[[str], None] | None) -> str:
        src = self.rows.source_path(rid) or ""
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
        return target


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
