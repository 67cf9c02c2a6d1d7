"""The checks across reports over the run database (`extractor check`, and the end of `extractor run`).

Reads each report's latest result, keys it by body and year (`reconcile.bodies`), leaves out the copies of a report
(same body, same year), runs the identities of `reconcile.across` over every pair of consecutive years and writes
what they found, in one transaction:

- a pass raises each stored value's confidence once (+0.05, reason `across_years_agree`);
- a failure adds `across_years_disagree` to both values and opens a review item on each, first in the queue, whose
  context shows both reports' evidence (the other report's under its path and year);
- an ambiguous cut settled by the neighbouring year becomes the reading chosen (verified at its span, reason
  `across_years_settled`): settled by a check, its item closes; settled by a witness (bodies recount: a wrong
  reading may fit), it keeps a confidence under the review threshold and stays in review, the reading shown;
- a witness's disagreement (2021 现行有效件数, 2019 上一年项目数量) is counted and nothing is written.

A field a reviewer decided counts with the decided value and is never changed, nor is its item.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from extractor.core.result import (
    ACROSS_YEARS_AGREE,
    ACROSS_YEARS_DISAGREE,
    ACROSS_YEARS_SETTLED,
    AMBIGUOUS_SPLIT,
    REVIEW_THRESHOLD,
    FieldResult,
)
from extractor.reconcile.across import AGREE, DISAGREE, SETTLED, Cell, Facts, Finding, Side, Tally, check_all
from extractor.reconcile.bodies import BodyKey, Identity, duplicates, identity
from extractor.review.routing import context, priority, snippet
from extractor.store.across import AcrossRows, StoredField, StoredMeta
from extractor.store.review import MachineSays, ReviewRows

RAISE = 0.05
SETTLED_CONFIDENCE = 0.8
# a cut settled by a witness (bodies recount their documents in force): the reading is given, and stays in review
WITNESS_SETTLED_CONFIDENCE = 0.6
# a summary field that copies a table 三 cell: marked with it
MIRRORS = {"standard_table.requests.carried_forward.total": "requests.carried_forward",
           "standard_table.requests.carried_over_in.total": "requests.carried_over_in"}

Extras = Callable[[str], dict[str, tuple[Cell, str | None]]]  # report path -> identity path -> (cell, field it is)


@dataclass
class Summary:
    reports: int = 0
    keyed: int = 0
    bodies_over_years: int = 0
    duplicates: dict[str, str] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)
    findings: list[Finding] = field(default_factory=list)
    items_opened: int = 0

    def settled_cells(self) -> int:
        return sum(x.settled for f in self.findings if f.outcome == SETTLED for x in f.sides)

    def as_dict(self) -> dict[str, Any]:
        t = self.tally
        return {"reports": self.reports, "keyed": self.keyed, "bodies_over_years": self.bodies_over_years,
                "duplicates": self.duplicates, "pairs": t.pairs, "agree": t.agree, "disagree": t.disagree,
                "settled": t.settled, "settled_cells": self.settled_cells(), "witness_disagrees": t.witness_disagrees,
                "by_identity": t.by_identity, "items_opened": self.items_opened,
                "findings": [{"identity": f.identity, "outcome": f.outcome, "body": f.body, "says": f.says,
                              "sides": [{"report": x.report_id, "path": x.report_path, "year": x.year, "field": x.path,
                                         "value": x.value, "evidence": x.evidence, "span": list(x.span or []),
                                         "settled": x.settled} for x in f.sides]}
                             for f in self.findings if f.outcome != AGREE]}

    def line(self) -> str:
        t = self.tally
        return (f"checks across reports: {self.keyed} of {self.reports} report(s) keyed by body and year, "
                f"{len(self.duplicates)} duplicate(s) left out, {t.pairs} pair(s) of consecutive years: "
                f"{t.agree} agree, {t.disagree} disagree (for review), {t.settled} ambiguous cut(s) settled "
                f"({self.settled_cells()} cell(s)), "
                f"{t.witness_disagrees} witness disagreement(s) (no error)")


def identity_of(m: StoredMeta) -> Identity:
    return identity(m.report_id, m.values, m.confidence, m.verified)


def _cell(f: dict[str, Any], decided: dict[str, Any], path: str) -> Cell:
    if path in decided:
        return Cell(decided[path], "decided", 1.0, f.get("evidence"), _span(f.get("span")), (), True)
    return Cell(f["value"], f["status"], f["confidence"], f["evidence"], _span(f.get("span")),
                tuple(f.get("alternatives") or ()))


def _span(sp: Any) -> tuple[int, int] | None:
    return (int(sp[0]), int(sp[1])) if sp else None


class Checker:
    def __init__(self, con: sqlite3.Connection, cfg_hash: str | None = None, extras: Extras | None = None) -> None:
        from extractor.store.results import Store

        self.con = con
        self.rows = AcrossRows(con)
        self.review = ReviewRows(con)
        self.store = Store(con)
        self.cfg_hash = cfg_hash
        self.extras = extras
        self.stored: dict[tuple[str, str], str | None] = {}  # (report, identity path) -> field path stored
        self.cfg_of: dict[str, str] = {}
        self.decided: dict[str, dict[str, Any]] = {}
        self.reread: dict[str, dict[str, tuple[Cell, str | None]]] = {}  # report -> its cells that are no field

    def facts(self, m: StoredMeta, key: BodyKey, year: int) -> Facts:
        fields = self.store.fields(m.report_id, m.config_hash)
        decided = self.rows.decided(m.report_id)
        self.decided[m.report_id] = decided
        self.cfg_of[m.report_id] = m.config_hash
        cells = {p: _cell(f, decided, p) for p, f in fields.items()}
        for p in cells:
            self.stored[m.report_id, p] = p
        wants = m.values.get("meta.format") == "legacy_table" or m.values.get("meta.template") == "2019"
        if self.extras is not None and m.path and wants:  # the cells that are no field: read again
            if m.report_id not in self.reread:
                self.reread[m.report_id] = self.extras(m.path)
            for p, (cell, as_field) in self.reread[m.report_id].items():
                if as_field and as_field in cells:
                    cell = cells[as_field]  # the stored value (and a decision) wins over the re-read cell
                cells.setdefault(p, cell)
                self.stored[m.report_id, p] = as_field if as_field in cells else None
        template = m.values.get("meta.template")
        text = _source(m.path) if m.path and any(c.status == "ambiguous" for c in cells.values()) else None
        return Facts(m.report_id, m.path, key.key, year, template if isinstance(template, str) else None, cells, text)

    def run(self, passes: int = 3) -> Summary:
        """Check, write the findings, and check again while a pass settled a cut (a settled value may close
        another identity): the summary counts the last pass, and every cut settled on the way."""
        s = Summary()
        metas = self.rows.metas(self.cfg_hash)
        ids = {m.report_id: identity_of(m) for m in metas}
        s.reports = len(metas)
        s.duplicates = duplicates(ids.values())
        years_of: dict[str, set[int]] = {}
        for i in ids.values():
            if i.body is not None and i.year is not None:
                s.keyed += 1
                years_of.setdefault(i.body.key, set()).add(i.year)
        s.bodies_over_years = sum(len(y) > 1 for y in years_of.values())

        def paired(i: Identity) -> bool:  # a report with no neighbouring year has nothing to be checked against
            ys = years_of.get(i.body.key, set()) if i.body is not None else set()
            return i.year is not None and (i.year - 1 in ys or i.year + 1 in ys)

        checked = [m for m in metas if m.report_id not in s.duplicates and paired(ids[m.report_id])]
        settled: list[Finding] = []
        for _ in range(passes):
            facts = [self.facts(m, body, year) for m in checked
                     for body, year in [(ids[m.report_id].body, ids[m.report_id].year)]
                     if body is not None and year is not None]
            s.tally = Tally()
            s.findings = check_all(facts, s.tally)
            with self.con:
                for f in s.findings:
                    s.items_opened += self.apply(f)
            now = [f for f in s.findings if f.outcome == SETTLED]
            settled += now
            if not now:
                break
        s.findings = settled + [f for f in s.findings if f.outcome != SETTLED]
        s.tally.settled = len(settled)
        return s

    # ---- writing the findings

    def apply(self, f: Finding) -> int:
        opened = 0
        for side in f.sides:
            for path in self._paths(side):
                if path in self.decided.get(side.report_id, {}):
                    continue  # a reviewer's value: never changed
                if f.outcome == AGREE or (f.outcome == SETTLED and not side.settled):
                    self._mark(side, path, agree=True)
                elif f.outcome == SETTLED:
                    self._settle(side, path, WITNESS_SETTLED_CONFIDENCE if f.witness else SETTLED_CONFIDENCE)
                elif f.outcome == DISAGREE:
                    opened += self._disagree(side, path, f)
        return opened

    def _paths(self, side: Side) -> list[str]:
        p = self.stored.get((side.report_id, side.path))
        if p is None:
            return []
        return [p] + ([MIRRORS[p]] if p in MIRRORS else [])

    def _mark(self, side: Side, path: str, agree: bool) -> None:
        cfg = self.cfg_of[side.report_id]
        f = self.rows.field(side.report_id, cfg, path)
        if f is None or f.value is None:
            return
        reasons, conf = list(f.reasons), f.confidence
        if agree and ACROSS_YEARS_AGREE not in reasons:
            reasons, conf = [r for r in reasons if r != ACROSS_YEARS_DISAGREE] + [ACROSS_YEARS_AGREE], conf + RAISE
        if not agree and ACROSS_YEARS_DISAGREE not in reasons:
            if ACROSS_YEARS_AGREE in reasons:
                conf -= RAISE
            reasons = [r for r in reasons if r != ACROSS_YEARS_AGREE] + [ACROSS_YEARS_DISAGREE]
        new = replace(f, reasons=reasons, confidence=round(min(0.99, max(0.0, conf)), 3))
        if new != f:
            self.rows.put_field(side.report_id, cfg, path, new)
            self._route(side.report_id, path, new, [])

    def _settle(self, side: Side, path: str, confidence: float) -> None:
        cfg = self.cfg_of[side.report_id]
        f = self.rows.field(side.report_id, cfg, path)
        if path in MIRRORS.values():
            self._settle_copy(side, path, f)
            return
        if f is None or f.value is not None or f.status != "ambiguous":
            return
        reasons = [r for r in f.reasons if r != AMBIGUOUS_SPLIT] + [ACROSS_YEARS_SETTLED, ACROSS_YEARS_AGREE]
        new = replace(f, value=side.value, evidence=side.evidence, span=side.span, status="verified",
                      confidence=confidence, reasons=reasons)
        self.rows.put_field(side.report_id, cfg, path, new)
        self._route(side.report_id, path, new, [])

    def _settle_copy(self, side: Side, path: str, f: StoredField | None) -> None:
        """The summary a settled cell is copied into, when it has no value of its own (the table's copy was not made
        while the cell was ambiguous)."""
        if f is not None and f.value is not None:
            self._mark(side, path, agree=True)
            return
        cell = next(k for k, v in MIRRORS.items() if v == path)
        new = StoredField(side.value, side.evidence, side.span, SETTLED_CONFIDENCE, "verified",
                          [f"cell:{cell[len('standard_table.'):]}", ACROSS_YEARS_SETTLED, ACROSS_YEARS_AGREE],
                          list(f.alternatives) if f else [], "table", False)
        cfg = self.cfg_of[side.report_id]
        if f is None:
            self.rows.add_field(side.report_id, cfg, path, new)
        else:
            self.rows.put_field(side.report_id, cfg, path, new)
        self._route(side.report_id, path, new, [])

    def _disagree(self, side: Side, path: str, f: Finding) -> int:
        self._mark(side, path, agree=False)
        stored = self.rows.field(side.report_id, self.cfg_of[side.report_id], path)
        if stored is None:
            return 0
        others = [o for o in f.sides if o is not side]
        return self._route(side.report_id, path, stored, [self._other(o, f) for o in others])

    def _other(self, o: Side, f: Finding) -> dict[str, Any]:
        label = (f"{o.year} report {os.path.basename(o.report_path)} ({o.report_id}): {o.path} = {o.value} "
                 f"[{f.identity}: {f.says}]")
        text = _source(o.report_path)
        if o.span and text is not None and text[o.span[0]:o.span[1]] == o.evidence:
            return snippet(text, o.span, label)
        return {"label": label, "before": "", "text": o.evidence or "", "after": "", "span": list(o.span or [])}

    def _route(self, report_id: str, path: str, f: StoredField, extra: list[dict[str, Any]]) -> int:
        """The field's review item after a mark: opened (or kept open) when it needs review, closed when it no
        longer does; a decided item is left as it is. Returns 1 when an item was opened."""
        cfg = self.cfg_of[report_id]
        run_id, threshold = self.rows.run_threshold(report_id, cfg)
        threshold = REVIEW_THRESHOLD if threshold is None else threshold
        r = FieldResult(path, f.value, f.evidence, f.span, f.approximate, f.confidence, f.status, f.reasons, f.method,
                        f.alternatives)
        need = r.needs_review(threshold)
        item = self.rows.item(report_id, path, cfg)
        if item is not None and item[1] == "decided":
            return 0
        ctx = self._own(report_id, r) + extra
        says = MachineSays(r.value, r.status, round(r.confidence, 3), r.reasons, r.evidence, r.span, r.alternatives, ctx)
        now = time.time()
        if item is None:
            if need:
                self.review.add(report_id, path, "open", priority(r, threshold), says, run_id, now, cfg)
            return int(need)
        state = ("reopened" if item[1] == "reopened" else "open") if need else "closed"
        self.review.update(item[0], state, priority(r, threshold), says, run_id, now)
        return int(need and item[1] == "closed")

    def _own(self, report_id: str, r: FieldResult) -> list[dict[str, Any]]:
        """The source around the field's evidence and its alternatives', as routing shows them."""
        path = self.review.source_path(report_id)
        text = _source(path) if path else None
        return context(text, r) if text is not None else []


@functools.lru_cache(maxsize=64)
def _source(path: str) -> str | None:
    """A report's original text, read again for the context around evidence; None when it is gone."""
    from extractor.ingest import load

    try:
        return load(path).original
    except Exception:  # noqa: BLE001 - a report moved or unreadable: the item shows the evidence alone
        return None


def run_checks(con: sqlite3.Connection, cfg_hash: str | None = None, extras: Extras | None = None,
               reread: bool = True) -> Summary:
    """The checks over the run database; `extras` reads the cells that are no field (by default the reports are read
    again with `rules.beyond`; `reread=False`: the stored fields only)."""
    if extras is None and reread:
        from extractor.rules.beyond import cells_at

        extras = cells_at
    return Checker(con, cfg_hash, extras).run()

