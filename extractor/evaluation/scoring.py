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

from extractor.core.catalogue import catalogue
from extractor.text.numbers import values_equal
from extractor.text.script import fold

SCORE_DIGITS = 4  # a field's score as a saved run keeps it (compare rounds to the same)
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


CONFIDENCE_BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))


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
    confidence: float | None = None
    status: str | None = None
    evidence_at_span: bool | None = None  # None: the value carries no evidence (derived) or there is no value
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.score >= 0.999

    @property
    def wrong_value(self) -> bool:
        """A value given that is not the labelled one (a null where a value was labelled is a miss, not this)."""
        return self.pred is not None and not self.correct

    @property
    def missed(self) -> bool:
        """A labelled value left null."""
        return self.pred is None and not self.correct

    @property
    def silent(self) -> bool:
        """Not exact and not in the queue: a wrong value unflagged, or a labelled value left as a plain null (which
        tells the user "the report does not say")."""
        return not self.correct and not self.flagged

    @property
    def null_zero_confusion(self) -> bool:
        g = self.gold
        return (g == 0 and self.pred is None) or (g is None and self.pred == 0)

    def as_dict(self) -> dict[str, Any]:
        return {"report": self.report, "path": self.path, "gold": self.gold, "pred": self.pred,
                "score": round(self.score, SCORE_DIGITS), "flagged": self.flagged, "fmt": self.fmt, "evidence": self.evidence,
                "confidence": self.confidence, "status": self.status, "evidence_at_span": self.evidence_at_span,
                "tags": self.tags}

    @classmethod
    def of(cls, d: dict[str, Any]) -> FieldScore:
        return cls(**d)


def _rate(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


def metrics(rows: list[FieldScore]) -> dict[str, Any]:
    """Accuracy on labelled fields, precision on values given, recall on values labelled, and the rest."""
    given = [r for r in rows if r.pred is not None]
    labelled = [r for r in rows if r.gold is not None]
    wrong = [r for r in rows if r.wrong_value]
    with_evidence = [r for r in given if r.evidence_at_span is not None]
    return {
        "n": len(rows), "correct": sum(1 for r in rows if r.correct),
        "accuracy": _rate(sum(r.score for r in rows), len(rows)),  # partial credit: a list scores its F1
        "precision": _rate(sum(r.score for r in given), len(given)),
        "recall": _rate(sum(r.score for r in labelled if r.pred is not None), len(labelled)),
        "wrong_values": len(wrong),
        "missed": sum(1 for r in rows if r.missed),  # with wrong_values: every field not exact
        "silent_errors": sum(1 for r in rows if r.silent),  # wrong values and wrong nulls, not in the queue
        "review_yield": _rate(sum(1 for r in wrong if r.flagged), len(wrong)),
        "flagged_share": _rate(sum(1 for r in rows if r.flagged), len(rows)),
        "null_zero_confusions": sum(1 for r in rows if r.null_zero_confusion),
        "evidence_validity": _rate(sum(1 for r in with_evidence if r.evidence_at_span), len(with_evidence)),
        "evidence_coverage": _rate(len(with_evidence), len(given)),
    }


def calibration(rows: list[FieldScore]) -> list[dict[str, Any]]:
    """Accuracy of the values given, by the confidence the pipeline gave them."""
    out = []
    for lo, hi in CONFIDENCE_BANDS:
        band = [r for r in rows if r.pred is not None and r.confidence is not None and lo <= r.confidence < hi]
        out.append({"band": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": len(band),
                    "accuracy": _rate(sum(r.score for r in band), len(band))})
    return out


@dataclass
class Summary:
    scores: list[FieldScore] = field(default_factory=list)
    queue: dict[str, int] = field(default_factory=dict)  # review items and non-empty fields over the whole reports

    def accuracy(self, rows: list[FieldScore] | None = None) -> float:
        rows = self.scores if rows is None else rows
        return sum(r.score for r in rows) / len(rows) if rows else 0.0

    def by(self, key: str) -> dict[str, list[FieldScore]]:
        out: dict[str, list[FieldScore]] = defaultdict(list)
        for r in self.scores:
            out[getattr(r, key)].append(r)
        return dict(out)

    def by_tag(self) -> dict[str, list[FieldScore]]:
        out: dict[str, list[FieldScore]] = defaultdict(list)
        for r in self.scores:
            for k, v in r.tags.items():
                out[f"{k}={v}"].append(r)
        return dict(sorted(out.items()))

    def silent_errors(self) -> list[FieldScore]:
        return [r for r in self.scores if r.silent]

    def as_dict(self) -> dict[str, Any]:
        overall = metrics(self.scores)
        if self.queue:
            overall["queue_items"] = self.queue.get("items", 0)
            overall["queue_share"] = _rate(self.queue.get("items", 0), self.queue.get("fields", 0))
        return {
            "overall": overall,
            "calibration": calibration(self.scores),
            "per_format": {k: metrics(v) for k, v in sorted(self.by("fmt").items())},
            "per_tag": {k: metrics(v) for k, v in self.by_tag().items()},
            "per_report": {k: metrics(v) for k, v in sorted(self.by("report").items())},
            "per_field": {k: metrics(v) for k, v in sorted(self.by("path").items())},
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
                 "score": round(r.score, 3), "evidence": r.evidence, "status": r.status}
                for r in self.scores if not r.correct
            ],
        }
