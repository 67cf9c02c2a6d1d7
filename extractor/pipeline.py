"""One report through the stages: ingest -> clean -> backend(s) -> reconcile -> a result record.

Reconcile runs here, each step once per report: every candidate verified, then the fields decided, unless the
backend took a step already on exactly these candidates (the model path verifies and decides the rules'
candidates to know what to ask, then adds the model's answers to the verified set; when the model adds none,
that decision is the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractor import __version__
from extractor.backends import Backend, Proposal
from extractor.core.candidates import Candidate
from extractor.core.catalogue import catalogue
from extractor.core.document import Document
from extractor.core.result import REVIEW_THRESHOLD, FieldResult
from extractor.core.schema import nest, report_model
from extractor.coverage import mark_unread
from extractor.reconcile import decide, verify_all
from extractor.text.clean import Cleaned, clean


@dataclass
class ReportResult:
    doc: Document
    backend: str
    fields: dict[str, FieldResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # report-level messages (a model call that failed, ...)
    status: str = "done"  # or "model_failed": a model call failed after every attempt (the rules' values stand)
    fatal: str | None = None  # the endpoint refused the key or cannot be reached: the run stops

    def value(self, path: str) -> Any:
        r = self.fields.get(path)
        return None if r is None else r.value

    def catalogued(self) -> dict[str, FieldResult]:
        """The fields the catalogue defines (a backend may propose helper paths that are not part of the record)."""
        return {p: r for p, r in self.fields.items() if p in catalogue()}

    def review_items(self, threshold: float = REVIEW_THRESHOLD) -> list[FieldResult]:
        return [r for r in self.fields.values() if r.needs_review(threshold)]

    def record(self) -> dict[str, Any]:
        """The per-report JSON, validated against the strict schema."""
        flat = {p: r.as_dict() for p, r in self.catalogued().items()}
        data = {"id": self.doc.id, "path": self.doc.path, "sha256": self.doc.sha256, "encoding": self.doc.encoding,
                "backend": self.backend, "extractor_version": __version__, "status": self.status, "notes": self.notes,
                "fields": nest(flat)}
        return report_model().model_validate(data).model_dump(mode="json")


def _result(doc: Document, backend: Backend, proposal: Proposal, cleaned: Cleaned | None = None) -> ReportResult:
    notes = list(doc.notes) + [n.text for n in proposal.notes]
    candidates: list[Candidate] = proposal.candidates
    unnamed = [c for c in candidates if not c.backend]
    for c in unnamed:
        c.backend = backend.name
    # steps taken before the candidates were named were taken on other candidates: done again
    verified = proposal.verified if not unnamed else None
    fields = proposal.decided if verified is not None else None
    if fields is None:
        fields = decide(verified if verified is not None else verify_all(candidates, doc.original))
    mark_unread(fields, cleaned or clean(doc.original))  # what the report addresses and no reader read
    failed = [n for n in proposal.notes if n.model_failed]
    fatal = next((n.text for n in failed if n.fatal), None)
    return ReportResult(doc, backend.name, fields, notes, "model_failed" if failed else "done", fatal)


def process(doc: Document, backend: Backend) -> ReportResult:
    cleaned = clean(doc.original)
    return _result(doc, backend, backend.propose(doc, cleaned), cleaned)


async def aprocess(doc: Document, backend: Backend) -> ReportResult:
    """The same, for backends that call a model: their calls run concurrently under their bound (the text cleaned
    once, for the backend and the unread marks; the CPU work off the event loop where the backend says so)."""
    cleaned = await backend.offload(clean, doc.original)
    proposal = await backend.apropose(doc, cleaned)
    return await backend.offload(_result, doc, backend, proposal, cleaned)
