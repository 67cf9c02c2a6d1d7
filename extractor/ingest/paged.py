"""Paged input rendered: pages of lines to the one text every span indexes, with the offset where each page starts
and the confidence of every line OCR read."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.ingest.pdf_tables import Line

PAGE_BREAK = "\f"  # the line between two pages


@dataclass
class PageText:
    lines: list[Line]
    height: float
    ocr: bool = False  # read by OCR: its lines carry OCR's confidence


@dataclass
class Rendered:
    text: str
    pages: tuple[int, ...]  # the offset in `text` where each page starts
    ocr_spans: tuple[tuple[int, int, float], ...] = ()  # (start, end, confidence) of every line read by OCR
    notes: list[str] = field(default_factory=list)


def assemble(pages: list[PageText], notes: list[str] | None = None) -> Rendered:
    """Pages of lines to one text: each page's lines, a form feed line between pages."""
    parts: list[str] = []
    starts: list[int] = []
    ocr_spans: list[tuple[int, int, float]] = []
    pos = 0
    for n, p in enumerate(pages):
        if n:
            parts.append(PAGE_BREAK + "\n")
            pos += 2
        starts.append(pos)
        for ln in p.lines:
            if p.ocr:
                ocr_spans.append((pos, pos + len(ln.text), ln.conf))
            parts.append(ln.text + "\n")
            pos += len(ln.text) + 1
    return Rendered("".join(parts), tuple(starts), tuple(ocr_spans), list(notes or []))
