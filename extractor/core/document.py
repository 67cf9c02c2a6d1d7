"""The document a report becomes on ingest: original text, encoding, source and a stable id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    id: str  # first 16 hex digits of the sha256 of the raw bytes: stable across runs and machines
    path: str
    sha256: str
    encoding: str
    media_type: str  # "text", "html", "csv" (a crawler's CSV row), "pdf", "docx" or "image"
    original: str  # the text every span indexes: the decoded file, or for HTML and CSV its text rendering
    notes: tuple[str, ...] = ()  # what ingest had to do to read it (NUL bytes dropped, ...): the result's notes
    pages: tuple[int, ...] = ()  # paged input (PDF): the offset in `original` where each page starts
    ocr_spans: tuple[tuple[int, int, float], ...] = ()  # (start, end, confidence) of every line read by OCR

    def page_of(self, offset: int | None) -> int | None:
        """The 1-based page an offset of `original` is on; None for input without pages."""
        if offset is None or not self.pages:
            return None
        import bisect

        return max(bisect.bisect_right(self.pages, offset), 1)

    def ocr_confidence(self, start: int, end: int) -> float | None:
        """OCR's lowest confidence over the lines a span touches; None when no OCR'd line is under it."""
        confs = [c for s, e, c in self.ocr_spans if s < max(end, start + 1) and start < e]
        return min(confs) if confs else None

    @property
    def name(self) -> str:
        import os

        return os.path.basename(self.path)
