"""One report through the stages: ingest -> clean -> backend(s) -> reconcile -> a result record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractor import __version__
from extractor.backends import Backend
from extractor.core.candidates import Candidate
from extractor.core.catalogue import catalogue
from extractor.core.document import Document
from extractor.core.schema import nest, report_model
from extractor.reconcile import REVIEW_THRESHOLD, FieldResult, merge
from extractor.text.clean import clean

# reasons a backend's note carries: a model call failed after every attempt; and the endpoint refuses everyone
MODEL_FAILED = "model_failed"
ENDPOINT_FATAL = "endpoint_fatal"


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


def _result(doc: Document, backend: Backend, candidates: list[Candidate]) -> ReportResult:
    said = [c for c in candidates if c.method == "note"]
    notes = list(doc.notes) + [str(c.value) for c in said]
    candidates = [c for c in candidates if c.method != "note"]
    for c in candidates:
        c.backend = c.backend or backend.name
    failed = [c for c in said if MODEL_FAILED in c.reasons]
    fatal = next((str(c.value) for c in failed if ENDPOINT_FATAL in c.reasons), None)
    return ReportResult(doc, backend.name, merge(candidates, doc.original), notes,
                        "model_failed" if failed else "done", fatal)


def process(doc: Document, backend: Backend) -> ReportResult:
    return _result(doc, backend, backend.propose(doc, clean(doc.original)))


async def aprocess(doc: Document, backend: Backend) -> ReportResult:
    """The same, for backends that call a model: their calls run concurrently under their bound, and their CPU
    part (cleaning, rules) may run in worker processes."""
    apropose = getattr(backend, "apropose", None)
    if apropose is None:
        return process(doc, backend)
    return _result(doc, backend, await apropose(doc, None))  # the backend cleans, off the event loop
