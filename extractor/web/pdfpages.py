"""A PDF report's pages as the item and report pages show them: each page image (served by `/report/ID/page/N.png`,
drawn on the server) under an SVG of rectangles, one per run of the evidence's characters on a line.

The bytes are read only by the path the run database stores for the report and only while they still hash to the
report's id; the boxes come from `ingest.pdf_boxes`, which refuses a file that no longer renders to the text the run
read. No part of a request reaches the filesystem: the report id is looked up in the run database, the page number
is a whole number within the document."""

from __future__ import annotations

import hashlib
import sqlite3
from bisect import bisect_right
from dataclasses import dataclass, field

from extractor.store.results import Store
from extractor.web.source import Mark

MAX_PAGES = 12  # a page shows at most this many page images (the first pages with evidence)
PAD = 1.0  # points around a box (the characters' boxes touch the glyphs)


@dataclass(frozen=True)
class Rect:
    """A box in the SVG's coordinates (PDF points, origin at the top left)."""

    x: float
    y: float
    w: float
    h: float
    kind: str
    label: str
    anchor: str


@dataclass
class PageImage:
    number: int
    width: float
    height: float
    rects: list[Rect] = field(default_factory=list)
    ocr: bool = False


@dataclass
class PdfPages:
    pages: list[PageImage]
    notes: list[str] = field(default_factory=list)  # what is not boxed, and why


def report_bytes(con: sqlite3.Connection, report_id: str) -> tuple[bytes | None, str]:
    """The report's bytes by the stored path, or None and why (no path, unreadable, changed since the run)."""
    path = Store(con).review.source_path(report_id)
    if not path:
        return None, "no path is recorded for this report"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, f"the report cannot be read at {path} ({type(exc).__name__})"
    if hashlib.sha256(data).hexdigest()[:16] != report_id:
        return None, f"the file at {path} has changed since the run: its page images no longer apply"
    return data, ""


def page_of(starts: tuple[int, ...], offset: int) -> int:
    """The page (from 1) an offset of the rendering is on."""
    return max(bisect_right(starts, offset), 1)


def _rect(box: tuple[float, float, float, float], height: float, m: Mark) -> Rect:
    """A box in PDF points (origin at the bottom left) as the SVG's rectangle (origin at the top left), padded."""
    left, bottom, right, top = box
    return Rect(round(left - PAD, 2), round(height - top - PAD, 2), round(right - left + 2 * PAD, 2),
                round(top - bottom + 2 * PAD, 2), m.kind, m.label, m.anchor)


def pdf_pages(con: sqlite3.Connection, report_id: str, original: str, marks: list[Mark]) -> PdfPages:
    """The pages the marks are on, each with the marks' rectangles; the notes say what could not be boxed."""
    from extractor.core.errors import IngestError
    from extractor.ingest.pdf_boxes import char_boxes, span_rects

    data, why = report_bytes(con, report_id)
    if data is None:
        return PdfPages([], [why])
    try:
        boxed = char_boxes(data, original)
    except IngestError as exc:
        return PdfPages([], [f"the page images are not shown: {exc}"])
    starts = tuple(p.start for p in boxed)
    wanted: dict[int, PageImage] = {}
    notes: list[str] = []
    skipped: set[int] = set()
    for m in marks:
        for n in range(page_of(starts, m.start), page_of(starts, max(m.end - 1, m.start)) + 1):
            pb = boxed[n - 1]
            if n not in wanted and len(wanted) >= MAX_PAGES:
                skipped.add(n)
                continue
            img = wanted.setdefault(n, PageImage(n, pb.width, pb.height, ocr=pb.ocr))
            rects = span_rects(pb, m.start, m.end)
            img.rects.extend(_rect(r, pb.height, m) for r in rects)
            if pb.ocr:
                notes.append(f"page {n} was read by OCR, whose word boxes are not kept: its evidence is not boxed")
            elif not rects:
                notes.append(f"{m.label} on page {n} is not boxed: its characters have no box on the page")
    if skipped:
        notes.append(f"{len(skipped)} more page(s) with evidence are not drawn here (at most {MAX_PAGES} a page)")
    return PdfPages([wanted[n] for n in sorted(wanted)], list(dict.fromkeys(notes)))

