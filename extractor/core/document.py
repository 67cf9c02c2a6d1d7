"""The document a report becomes on ingest: original text, encoding, source and a stable id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    id: str  # first 16 hex digits of the sha256 of the raw bytes: stable across runs and machines
    path: str
    sha256: str
    encoding: str
    media_type: str  # "text", "html" or "csv" (a crawler's CSV row)
    original: str  # the text every span indexes: the decoded file, or for HTML and CSV its text rendering
    notes: tuple[str, ...] = ()  # what ingest had to do to read it (NUL bytes dropped, ...): the result's notes

    @property
    def name(self) -> str:
        import os

        return os.path.basename(self.path)
