"""The eval harness: run the extraction on every gold report and score it (see scoring.py)."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

from .backends import Backend
from .errors import ConfigError
from .ingest import load
from .pipeline import ReportResult, process
from .scoring import FieldScore, Summary, score_value


@dataclass
class GoldCase:
    gold_path: str
    report_path: str
    fields: dict[str, object]
    split: str  # the gold directory's name: seed, dev, ...


def find_gold(dirs: list[str]) -> Iterator[GoldCase]:
    for d in dirs:
        files = sorted(glob.glob(os.path.join(d, "**", "*.json"), recursive=True))
        if not files and not os.path.isdir(d):
            raise ConfigError(f"no gold directory {d}")
        for f in files:
            with open(f, encoding="utf-8") as fh:
                g = json.load(fh)
            if not isinstance(g, dict) or "fields" not in g or "report" not in g:
                continue
            base = os.path.dirname(f)
            candidates = [os.path.join(base, "reports", g["report"]), os.path.join(base, g["report"])]
            report = next((c for c in candidates if os.path.exists(c)), candidates[0])
            yield GoldCase(f, report, g["fields"], os.path.basename(os.path.normpath(d)))


def score_case(case: GoldCase, result: ReportResult) -> list[FieldScore]:
    fmt_gold = case.fields.get("meta.format")
    fmt = fmt_gold if isinstance(fmt_gold, str) else str(result.value("meta.format") or "unknown")
    name = os.path.basename(case.report_path)
    out = []
    for path, gold in case.fields.items():
        r = result.fields.get(path)
        pred = None if r is None else r.value
        out.append(FieldScore(name, path, gold, pred, score_value(path, gold, pred),
                              bool(r is not None and r.needs_review()), fmt, None if r is None else r.evidence))
    return out


def run_eval(dirs: list[str], backend: Backend) -> tuple[Summary, list[ReportResult]]:
    summary = Summary()
    results = []
    for case in find_gold(dirs):
        result = process(load(case.report_path), backend)
        results.append(result)
        summary.scores.extend(score_case(case, result))
    return summary, results
