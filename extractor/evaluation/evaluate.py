"""The eval harness: run the extraction on every gold report and score it (see scoring.py)."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

from extractor.backends import Backend
from extractor.core.errors import ConfigError
from extractor.evaluation.scoring import FieldScore, Summary, score_value
from extractor.ingest.read import load
from extractor.pipeline import ReportResult, process


@dataclass
class GoldCase:
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
            yield GoldCase(report, g["fields"], os.path.basename(os.path.normpath(d)))


def tags_of(case: GoldCase, result: ReportResult) -> dict[str, str]:
    """A case's tags: format, year, level (from the labels, else the prediction), split, template."""
    def pick(path: str) -> object:
        g = case.fields.get(path)
        return g if g is not None and not isinstance(g, dict) else result.value(path)

    tags = {"format": pick("meta.format"), "year": pick("meta.report_year"), "level": pick("meta.admin_level"),
            "split": case.split, "template": result.value("meta.template")}
    return {k: str(v) for k, v in tags.items() if v is not None}


def score_case(case: GoldCase, result: ReportResult) -> list[FieldScore]:
    fmt_gold = case.fields.get("meta.format")
    fmt = fmt_gold if isinstance(fmt_gold, str) else str(result.value("meta.format") or "unknown")
    name = os.path.basename(case.report_path)
    tags = tags_of(case, result)
    original = result.doc.original
    out = []
    for path, gold in case.fields.items():
        r = result.fields.get(path)
        pred = None if r is None else r.value
        at_span = None
        if r is not None and pred is not None and r.evidence is not None:
            at_span = bool(r.span and original[r.span[0]:r.span[1]] == r.evidence)
        out.append(FieldScore(name, path, gold, pred, score_value(path, gold, pred),
                              bool(r is not None and r.needs_review()), fmt, None if r is None else r.evidence,
                              None if r is None else round(r.confidence, 3), None if r is None else r.status,
                              at_span, tags))
    return out


def matches(tags: dict[str, str], wanted: list[str]) -> bool:
    """`wanted` is a list of key=value; a case matches when it has every one."""
    for w in wanted:
        k, _, v = w.partition("=")
        if tags.get(k.strip()) != v.strip():
            return False
    return True


TAG_KEYS = ("format", "year", "level", "split", "template")


def _no_case(why: str) -> ConfigError:
    return ConfigError(f"no gold case matches: {why}")


@dataclass
class Evaluated:
    summary: Summary  # every field of every case scored
    results: list[ReportResult]  # the pipeline's result of each case scored, in gold-file order


def run_eval(dirs: list[str], backend: Backend, tags: list[str] | None = None) -> Evaluated:
    """Every gold case in `dirs` (those with every tag of `tags`) run and scored. No case to score is an error, never
    an empty summary: a filter nothing satisfies would otherwise read as a perfect or a broken score."""
    wanted = " ".join(f"--tag {t}" for t in tags or [])
    for t in tags or []:
        k, eq, _ = t.partition("=")
        if not eq or k.strip() not in TAG_KEYS:
            raise _no_case(f"{wanted} (a tag is KEY=VALUE with KEY one of {', '.join(TAG_KEYS)})")
    summary = Summary()
    results = []
    items = fields = cases = 0
    seen: dict[str, set[str]] = {}
    for case in find_gold(dirs):
        cases += 1
        result = process(load(case.report_path), backend)
        case_tags = tags_of(case, result)
        for k, v in case_tags.items():
            seen.setdefault(k, set()).add(v)
        if tags and not matches(case_tags, tags):
            continue
        scores = score_case(case, result)
        results.append(result)
        summary.scores.extend(scores)
        items += len(result.review_items())
        fields += sum(1 for r in result.fields.values() if r.value is not None or r.status in ("conflict", "ambiguous"))
    where = ", ".join(dirs)
    if not cases:
        raise _no_case(f"no gold files (JSON with `report` and `fields`) in {where}")
    if not results:
        known = "; ".join(f"{k}: {', '.join(sorted(seen[k]))}" for k in TAG_KEYS if k in seen)
        raise _no_case(f"{wanted} (none of the {cases} cases in {where} has every one; tags seen: {known})")
    summary.queue = {"items": items, "fields": fields}
    return Evaluated(summary, results)
