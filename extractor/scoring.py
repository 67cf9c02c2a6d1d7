"""Scoring against gold files by the rules of FIELDS.md. Pure: gold and predictions in, scores out.

Numbers match exactly; text after simplified-script and whitespace/punctuation normalisation, or
any string of an `any_of`; dates exactly; lists by fuzzy one-to-one matching of items (the field
scores its F1). A path whose gold value is null asserts the report does not state it.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .catalogue import catalogue
from .numbers import values_equal
from .script import fold

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def norm_text(s: str) -> str:
    return _PUNCT.sub("", fold(s)).lower()


def item_match(a: str, b: str) -> bool:
    x, y = norm_text(a), norm_text(b)
    if not x or not y:
        return False
    short, long_ = sorted((x, y), key=len)
    if short in long_ and len(short) >= 0.3 * len(long_):
        return True
    return difflib.SequenceMatcher(None, x, y).ratio() >= 0.6


def list_f1(gold: list[str], pred: list[str] | None) -> float:
    if not gold and not pred:
        return 1.0
    if not gold or not pred:
        return 0.0
    used: set[int] = set()
    hits = 0
    for g in gold:
        for j, p in enumerate(pred):
            if j not in used and item_match(g, p):
                used.add(j)
                hits += 1
                break
    if hits == 0:
        return 0.0
    prec, rec = hits / len(pred), hits / len(gold)
    return 2 * prec * rec / (prec + rec)


def score_value(path: str, gold: Any, pred: Any) -> float:
    """1.0 for a match, 0.0 for a miss; a list scores its F1."""
    kind = catalogue()[path].kind if path in catalogue() else "text"
    if isinstance(gold, dict) and "any_of" in gold:
        return max((score_value(path, g, pred) for g in gold["any_of"]), default=0.0)
    if gold is None or pred is None:
        return 1.0 if gold is None and pred is None else 0.0
    if kind == "list":
        return list_f1(list(gold), list(pred) if isinstance(pred, list) else None)
    if kind in ("int", "yuan"):
        return 1.0 if isinstance(pred, (int, float)) and values_equal(gold, pred) else 0.0
    if kind == "text":
        return 1.0 if norm_text(str(gold)) == norm_text(str(pred)) else 0.0
    return 1.0 if gold == pred else 0.0


@dataclass
class FieldScore:
    report: str
    path: str
    gold: Any
    pred: Any
    score: float
    flagged: bool  # sent to review
    fmt: str
    evidence: str | None = None

    @property
    def correct(self) -> bool:
        return self.score >= 0.999

    @property
    def null_zero_confusion(self) -> bool:
        g = self.gold
        return (g == 0 and self.pred is None) or (g is None and self.pred == 0)


@dataclass
class Summary:
    scores: list[FieldScore] = field(default_factory=list)

    def accuracy(self, rows: list[FieldScore] | None = None) -> float:
        rows = self.scores if rows is None else rows
        return sum(r.score for r in rows) / len(rows) if rows else 0.0

    def by(self, key: str) -> dict[str, list[FieldScore]]:
        out: dict[str, list[FieldScore]] = defaultdict(list)
        for r in self.scores:
            out[getattr(r, key)].append(r)
        return dict(out)

    def silent_errors(self) -> list[FieldScore]:
        return [r for r in self.scores if not r.correct and not r.flagged and r.pred is not None]

    def as_dict(self) -> dict[str, Any]:
        def block(rows: list[FieldScore]) -> dict[str, Any]:
            return {"n": len(rows), "accuracy": round(self.accuracy(rows), 4),
                    "correct": sum(1 for r in rows if r.correct)}

        return {
            "overall": block(self.scores),
            "per_field": {k: block(v) for k, v in sorted(self.by("path").items())},
            "per_format": {k: block(v) for k, v in sorted(self.by("fmt").items())},
            "per_report": {k: block(v) for k, v in sorted(self.by("report").items())},
            "null_zero_confusions": [
                {"report": r.report, "path": r.path, "gold": r.gold, "pred": r.pred}
                for r in self.scores if r.null_zero_confusion
            ],
            "silent_errors": [
                {"report": r.report, "path": r.path, "gold": r.gold, "pred": r.pred, "evidence": r.evidence}
                for r in self.silent_errors()
            ],
            "wrong": [
                {"report": r.report, "path": r.path, "gold": r.gold, "pred": r.pred, "flagged": r.flagged,
                 "score": round(r.score, 3)}
                for r in self.scores if not r.correct
            ],
        }
