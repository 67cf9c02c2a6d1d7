"""One report through the stages: ingest -> clean -> backend(s) -> reconcile -> a result record.

Reconcile runs here, each step once per report: every candidate verified, then the fields decided, unless the
backend took a step already on exactly these candidates (the model path verifies and decides the rules'
candidates to know what to ask, then adds the model's answers to the verified set; when the model adds none,
that decision is the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractor.backends import Backend, Proposal
from extractor.core.candidates import Candidate
from extractor.core.catalogue import catalogue
from extractor.core.document import Document
from extractor.core.record import compact, expand, header
from extractor.core.result import (
    AMBIGUOUS,
    DERIVED,
    OCR,
    OCR_PART_IN_REVIEW,
    REVIEW_THRESHOLD,
    UNREAD,
    FieldResult,
)
from extractor.coverage import mark_unread
from extractor.reconcile import decide, verify_all
from extractor.template.spec import APPEALS, REQUESTS, SUMMARIES
from extractor.text.clean import Cleaned, clean
from extractor.text.identity import body_digest


@dataclass
class ReportResult:
    doc: Document
    backend: str
    fields: dict[str, FieldResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # report-level messages (a model call that failed, ...)
    status: str = "done"  # or "model_failed": a model call failed after every attempt (the rules' values stand)
    fatal: str | None = None  # the endpoint refused the key or cannot be reached: the run stops
    body_hash: str | None = None  # the normalised body's digest (`text.identity`): a re-scraped copy has the same

    def value(self, path: str) -> Any:
        r = self.fields.get(path)
        return None if r is None else r.value

    def catalogued(self) -> dict[str, FieldResult]:
        """The fields the catalogue defines (a backend may propose helper paths that are not part of the record)."""
        return {p: r for p, r in self.fields.items() if p in catalogue()}

    def review_items(self, threshold: float = REVIEW_THRESHOLD) -> list[FieldResult]:
        return [r for r in self.fields.values() if r.needs_review(threshold)]

    def record(self) -> dict[str, Any]:
        """The full per-report record (every field), validated against the strict schema."""
        return expand(self.compact())

    def head(self) -> dict[str, Any]:
        """The record's keys besides its fields (`core.record.header`)."""
        d = self.doc
        return header(d.id, d.path, d.sha256, d.encoding, self.backend, self.status, self.notes)

    def compact(self) -> dict[str, Any]:
        """The record as a run writes it (`core.record`): its empty fields left out, each other one validated."""
        return compact(self.head(), {p: r.as_dict() for p, r in self.catalogued().items()})


def _ocr_table_paths(fields: dict[str, FieldResult], doc: Document) -> set[str]:
    """The cells (of the rows of the version read) and summary fields of every template table OCR read."""
    out: set[str] = set()
    for grid in (REQUESTS, APPEALS):
        mine = [p for p, r in fields.items() if p.startswith(grid.prefix + ".") and r.value is not None]
        if not any(fields[p].span and doc.ocr_confidence(*fields[p].span or (0, 0)) is not None for p in mine):
            continue
        v = grid.version_of({p.split(".")[2] for p in mine})
        out |= {grid.path(r.key, c) for r in grid.versions[v] for c in grid.field_columns()}
        out |= {s.field for s in SUMMARIES if s.grid == grid.key and s.version in (None, v)}
    return out & set(catalogue())


def _flag_ocr_gaps(fields: dict[str, FieldResult], doc: Document) -> None:
    """In a table OCR read, a cell or summary field left null (a blank, a row the reader could not settle) is
    reviewed with the reason `ocr` (a missed or misread digit looks the same), and while any of its cells is in
    review, so is every value derived from the table (`ocr_part_in_review`)."""
    if not doc.ocr_spans:
        return
    paths = _ocr_table_paths(fields, doc)
    for p in paths - set(fields):
        fields[p] = FieldResult(p)  # a cell no reader proposed: null, and reviewed below
    for p in paths:
        r = fields[p]
        if r.value is None and r.status not in (AMBIGUOUS, UNREAD) and OCR not in r.reasons:
            r.reasons.append(OCR)
    if any(fields[p].needs_review() for p in paths if p.startswith("standard_table.")):
        for p in paths:
            if fields[p].status == DERIVED and OCR_PART_IN_REVIEW not in fields[p].reasons:
                fields[p].reasons.append(OCR_PART_IN_REVIEW)


def locate_pages(fields: dict[str, FieldResult], doc: Document) -> None:
    """Paged input: each field's page (where its span starts); a value read by OCR has its confidence scaled by OCR's
    (0.5 + 0.5 x OCR's confidence in the lines under its span) and the reason `ocr`. Its status is the checks' own."""
    if not doc.pages and not doc.ocr_spans:
        return
    _flag_ocr_gaps(fields, doc)
    for r in fields.values():
        if r.span is None:
            continue
        r.page = doc.page_of(r.span[0])
        conf = doc.ocr_confidence(*r.span)
        if conf is not None and r.value is not None:
            r.confidence *= 0.5 + 0.5 * max(0.0, min(conf, 1.0))
            if OCR not in r.reasons:
                r.reasons.append(OCR)


def _result(doc: Document, backend: Backend, proposal: Proposal, cleaned: Cleaned | None = None) -> ReportResult:
    notes = list(doc.notes) + [n.text for n in proposal.notes]
    candidates: list[Candidate] = proposal.candidates
    unnamed = [c for c in candidates if not c.backend]
    for c in unnamed:
        c.backend = backend.name
    # steps taken before the candidates were named were taken on other candidates: done again
    verified = proposal.verified if not unnamed else None
    fields = proposal.decided if verified is not None else None
    marked = proposal.marked if fields is not None else None
    cleaned = cleaned or clean(doc.original)
    if marked is not None:  # the decision stands, marked already
        fields = dict(marked)
    else:
        if fields is None:
            fields = decide(verified if verified is not None else verify_all(candidates, doc.original))
        mark_unread(fields, cleaned)  # what the report addresses and no reader read
    locate_pages(fields, doc)
    failed = [n for n in proposal.notes if n.model_failed]
    fatal = next((n.text for n in failed if n.fatal), None)
    return ReportResult(doc, backend.name, fields, notes, "model_failed" if failed else "done", fatal,
                        body_digest(cleaned.body.text))


def process(doc: Document, backend: Backend) -> ReportResult:
    cleaned = clean(doc.original)
    return _result(doc, backend, backend.propose(doc, cleaned), cleaned)


async def aprocess(doc: Document, backend: Backend) -> ReportResult:
    """The same, for backends that call a model: their calls run concurrently under their bound (the text cleaned
    once, for the backend and the unread marks; the CPU work off the event loop where the backend says so)."""
    cleaned = await backend.offload(clean, doc.original)
    proposal = await backend.apropose(doc, cleaned)
    return await backend.offload(_result, doc, backend, proposal, cleaned)
