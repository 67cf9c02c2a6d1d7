"""The shapes of what the store is given: a report's result and its fields, as the pipeline makes them.

The store is the bottom layer: it names these shapes instead of importing the stages that build them
(`pipeline.ReportResult`, `core.result.FieldResult` fit them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from extractor.core.document import Document


class FieldLike(Protocol):
    path: str
    value: Any
    evidence: str | None
    span: tuple[int, int] | None
    approximate: bool
    confidence: float
    status: str
    reasons: list[str]
    method: str | None
    alternatives: list[dict[str, Any]]
    page: int | None

    def as_dict(self) -> dict[str, Any]: ...

    def needs_review(self, threshold: float) -> bool: ...


class ResultLike(Protocol):
    doc: Document
    backend: str
    notes: list[str]
    status: str  # done | model_failed
    body_hash: str | None  # the normalised body's digest: the same report scraped again has the same one

    def catalogued(self) -> Mapping[str, FieldLike]: ...
