"""Saved eval runs and their comparison: what got better, what got worse, and a gate on regressions.

An eval run keeps every field score with the configuration that produced it (backend, model, prompt
versions and hashes, code version, date). Runs are saved in the run database under a name and, if
asked, as JSON under `eval/runs/`; the committed baseline `eval/baseline.json` is one such file (both under the
project root, wherever the command runs from inside the checkout).
Comparison works on the (report, field) pairs both runs scored, so adding gold files is not a
regression; it fails when a rate falls by more than the tolerance or a count that must not grow grows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from extractor.core.errors import ConfigError
from extractor.evaluation.root import find_root, project_root
from extractor.evaluation.scoring import SCORE_DIGITS, FieldScore, Summary, metrics
from extractor.store.evals import load_eval, save_eval

BASELINE = os.path.join("eval", "baseline.json")  # relative to the project root
RUNS_DIR = os.path.join("eval", "runs")
RATES = ("accuracy", "precision", "recall", "review_yield", "evidence_validity")  # higher is better
COUNTS = ("silent_errors", "null_zero_confusions", "wrong_values")  # must not grow
DEFAULT_TOLERANCE = 0.005


@dataclass
class EvalRun:
    name: str
    created: float
    config: dict[str, Any]
    summary: dict[str, Any]
    scores: list[FieldScore]

    @classmethod
    def make(cls, name: str, summary: Summary, config: dict[str, Any]) -> EvalRun:
        return cls(name, time.time(), config, summary.as_dict(), list(summary.scores))

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "created": self.created, "config": self.config, "summary": self.summary,
                "scores": [s.as_dict() for s in self.scores]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> EvalRun:
        scores = [FieldScore.of(s) for s in d["scores"]]
        summary = {**Summary(scores).as_dict(), **d["summary"]}  # per field/report/tag come back from the scores
        return cls(d["name"], d["created"], d["config"], summary, scores)

    def write(self, path: str) -> str:
        """The run as JSON, a line per score so that a changed baseline reads as a diff of fields; the
        evidence is kept for the values that are wrong."""
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        d = self.as_json()
        d["summary"] = {k: d["summary"][k] for k in ("overall", "calibration", "per_format")}
        scores = [{**s, "evidence": s["evidence"] if s["score"] < 0.999 else None} for s in d.pop("scores")]
        head = json.dumps(d, ensure_ascii=False, indent=1)[:-2]
        lines = ",\n".join("  " + json.dumps(s, ensure_ascii=False) for s in scores)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f'{head},\n "scores": [\n{lines}\n ]\n}}\n')
        return path


def save(con: sqlite3.Connection, run: EvalRun) -> int:
    """Keep the run in the run database; returns its id."""
    return save_eval(con, run.name, run.created, run.config, run.summary, run.scores)


def baseline_path() -> str:
    """The committed baseline, `eval/baseline.json` under the project root (a ConfigError when there is none)."""
    return os.path.join(project_root(f"{BASELINE} is looked for there; pass --baseline FILE"), BASELINE)


def run_file(name: str) -> str:
    """Where `--save-file` writes a run: `eval/runs/NAME.json` under the project root."""
    return os.path.join(project_root(f"--save-file writes {RUNS_DIR}/ there"), RUNS_DIR, f"{name}.json")


def _file_of(ref: str) -> str | None:
    """The file `load` reads for `ref`: `baseline`, a JSON file path, or a run saved under the root's eval/runs/."""
    root = find_root()
    first = [ref] if ref != "baseline" else [] if root is None else [os.path.join(root, BASELINE)]
    named = [] if root is None else [os.path.join(root, RUNS_DIR, f"{ref}.json")]
    return next((p for p in first + named if os.path.isfile(p)), None)


def in_files(ref: str) -> bool:
    """Whether `load` finds this run in a file (so it needs no run database)."""
    return _file_of(ref) is not None


def load(ref: str, con: sqlite3.Connection | None = None) -> EvalRun:
    """A saved run by JSON file path, by name in the run database (the latest of that name), or `baseline`."""
    path = _file_of(ref)
    if path is not None:
        with open(path, encoding="utf-8") as fh:
            return EvalRun.from_json(json.load(fh))
    saved = load_eval(con, ref) if con is not None else None
    if saved is None:
        raise ConfigError(f"no saved eval run {ref!r} (not a file, not a name in the run database)")
    scores = [FieldScore(r.report, r.path, r.gold, r.pred, r.score, r.flagged, r.fmt, r.evidence, r.confidence,
                         r.status, r.evidence_at_span, r.tags) for r in saved.scores]
    return EvalRun(saved.name, saved.created, saved.config, saved.metrics, scores)


@dataclass
class Comparison:
    a: str
    b: str
    tolerance: float
    metrics: list[dict[str, Any]] = field(default_factory=list)  # scope, metric, a, b, delta, regressed
    improved: dict[str, list[str]] = field(default_factory=dict)  # field -> reports
    regressed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)  # a different value, scored the same
    only_a: int = 0
    only_b: int = 0

    @property
    def failed(self) -> bool:
        return any(m["regressed"] for m in self.metrics)

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "tolerance": self.tolerance, "failed": self.failed, "metrics": self.metrics,
                "improved": self.improved, "regressed": self.regressed, "changed": self.changed,
                "only_a": self.only_a, "only_b": self.only_b}


def _groups(scores: list[FieldScore]) -> dict[str, list[FieldScore]]:
    out: dict[str, list[FieldScore]] = {"overall": list(scores)}
    for s in scores:
        out.setdefault(f"format:{s.fmt}", []).append(s)
        out.setdefault(f"field:{s.path}", []).append(s)
    return out


def compare(a: EvalRun, b: EvalRun, tolerance: float = DEFAULT_TOLERANCE) -> Comparison:
    ka = {(s.report, s.path): s for s in a.scores}
    kb = {(s.report, s.path): s for s in b.scores}
    both = sorted(set(ka) & set(kb))
    c = Comparison(a.name, b.name, tolerance, only_a=len(set(ka) - set(kb)), only_b=len(set(kb) - set(ka)))
    for key in both:
        x, y = ka[key], kb[key]
        sx, sy = round(x.score, SCORE_DIGITS), round(y.score, SCORE_DIGITS)  # a saved run keeps 4 digits
        target = c.improved if sy > sx else c.regressed if sy < sx else \
            c.changed if json.dumps(x.pred, sort_keys=True) != json.dumps(y.pred, sort_keys=True) else None
        if target is not None:
            target.setdefault(key[1], []).append(key[0])
    ga, gb = _groups([ka[k] for k in both]), _groups([kb[k] for k in both])
    for scope in ga:
        ma, mb = metrics(ga[scope]), metrics(gb[scope])
        names = RATES + COUNTS if scope == "overall" else ("accuracy",)
        for m in names:
            va, vb = ma[m], mb[m]
            if va is None or vb is None:
                continue
            worse = vb < va - tolerance if m in RATES else vb > va
            if scope == "overall" or worse or va != vb:
                c.metrics.append({"scope": scope, "metric": m, "a": va, "b": vb, "delta": round(vb - va, 4),
                                  "regressed": worse})
    return c
