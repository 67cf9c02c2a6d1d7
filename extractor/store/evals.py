"""Saved eval runs in the run database: `evals` (one row per save, with its configuration and summary) and
`eval_scores` (every field score of it). Scoring and comparison are `extractor.evaluation`'s; this keeps them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class Score(Protocol):
    """A field score as saved (`evaluation.scoring.FieldScore` fits it)."""

    report: str
    path: str
    gold: Any
    pred: Any
    score: float
    flagged: bool
    fmt: str
    evidence: str | None
    confidence: float | None
    status: str | None
    evidence_at_span: bool | None
    tags: dict[str, str]


@dataclass(frozen=True)
class ScoreRow:
    """A field score read back, in the order of FieldScore's fields."""

    report: str
    path: str
    gold: Any
    pred: Any
    score: float
    flagged: bool
    fmt: str
    evidence: str | None
    confidence: float | None
    status: str | None
    evidence_at_span: bool | None
    tags: dict[str, str]


@dataclass(frozen=True)
class SavedEval:
    name: str
    created: float
    config: dict[str, Any]
    metrics: dict[str, Any]  # the summary as saved
    scores: list[ScoreRow]


def _text(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def save_eval(con: sqlite3.Connection, name: str, created: float, config: dict[str, Any], metrics: dict[str, Any],
              scores: Iterable[Score]) -> int:
    """Save an eval run and its scores in one transaction; returns its id (a name may be saved again: the latest
    save is the one the name stands for)."""
    with con:
        cur = con.execute("INSERT INTO evals (name, created, backend, model, prompts, code_version, config, metrics)"
                          " VALUES (?,?,?,?,?,?,?,?)",
                          (name, created, config.get("backend", "?"), config.get("model"), _text(config.get("prompts")),
                           config.get("code_version", "?"), _text(config), _text(metrics)))
        eid = int(cur.lastrowid or 0)
        con.executemany("INSERT INTO eval_scores VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            (eid, s.report, s.path, _text(s.gold), _text(s.pred), s.score, int(s.flagged), s.fmt, s.evidence,
             s.confidence, s.status, None if s.evidence_at_span is None else int(s.evidence_at_span), _text(s.tags))
            for s in scores])
    return eid


def load_eval(con: sqlite3.Connection, name: str) -> SavedEval | None:
    """The latest eval run saved under `name`, or None."""
    row = con.execute("SELECT * FROM evals WHERE name = ? ORDER BY id DESC LIMIT 1", (name,)).fetchone()
    if row is None:
        return None
    scores = [ScoreRow(r["report"], r["path"], json.loads(r["gold"]), json.loads(r["pred"]), r["score"],
                       bool(r["flagged"]), r["fmt"], r["evidence"], r["confidence"], r["status"],
                       None if r["evidence_at_span"] is None else bool(r["evidence_at_span"]), json.loads(r["tags"]))
              for r in con.execute("SELECT * FROM eval_scores WHERE eval_id = ? ORDER BY rowid", (row["id"],))]
    return SavedEval(row["name"], row["created"], json.loads(row["config"]), json.loads(row["metrics"]), scores)


def eval_names(con: sqlite3.Connection) -> list[tuple[str, float]]:
    """Every name an eval run was saved under, with its latest save's date, the latest first."""
    return [(r["name"], r["created"]) for r in con.execute(
        "SELECT name, MAX(created) AS created FROM evals GROUP BY name ORDER BY MAX(id) DESC")]
