"""A PDF to the text every span indexes: one line per visual line, tables rebuilt from their ruling lines and the
characters' boxes (`pdf_tables.py`), running headers, footers and page numbers dropped, a form feed line between
pages; and the offset where each page starts. A page without a text layer is read by OCR (`ocr.py`).

pypdfium2 (PDFium) gives every character with its box and every path object of the page (the rulings) in one pass:
about 6 ms a page for these reports, against about 80 ms for pdfplumber (pdfminer), whose table finder sees the same
rulings (README, "PDF"). The rendering depends on the bytes only: the same file gives the same text every time.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from extractor.core.errors import IngestError
from extractor.ingest.paged import PageText, Rendered, assemble
from extractor.ingest.pdf_tables import Glyph, Segment, page_lines

THIN = 3.0  # points: a filled path thinner than this is a ruling
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]?\s*\d{1,4}\s*[-—–－]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
                          r"|\d{1,4}\s*/\s*\d{1,4})\s*$")
EDGE = 0.09  # the top and bottom share of a page where running headers, footers and page numbers sit


def _glyphs(page: Any) -> list[Glyph]:
    tp = page.get_textpage()
    out = []
    space = False
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch or ch.isspace() or not ch.isprintable():
            space = space or ch == " "
            continue
        g = _box(tp, i, ch)
        out.append(Glyph(g.text, g.left, g.bottom, g.right, g.top, space=space) if space else g)
        space = False
    tp.close()
    return out


def _box(tp: Any, i: int, ch: str) -> Glyph:
    """The character's box: PDFium's loose box (the font's line height, so a line's glyphs share one middle), or the
    tight box (made square, at most the font size) where the loose one is not a character's (rotated or stretched text)."""
    import pypdfium2.raw as raw

    left, bottom, right, top = tp.get_charbox(i, loose=True)
    if top - bottom > 0 and right - left <= 1.6 * (top - bottom) and top - bottom <= 60:
        return Glyph(ch, left, bottom, right, top)
    left, bottom, right, top = tp.get_charbox(i, loose=False)
    size = min(max(top - bottom, right - left, 1.0), float(raw.FPDFText_GetFontSize(tp.raw, i)) or 12.0)
    mid = (bottom + top) / 2
    return Glyph(ch, left, mid - size / 2, max(right, left + 0.1), mid + size / 2)


def _path_segments(obj: Any) -> list[Segment]:
    """A path object's rulings: a thin filled box is one; a stroked path gives its axis-aligned straight pieces."""
    import ctypes

    import pypdfium2.raw as raw

    left, bottom, right, top = obj.get_bounds()
    if right - left <= THIN or top - bottom <= THIN:
        if right - left <= THIN:
            x = (left + right) / 2
            return [Segment(x, bottom, x, top)] if top - bottom > THIN else []
        y = (bottom + top) / 2
        return [Segment(left, y, right, y)]
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
    if not stroke.value:
        return []  # a filled area (cell shading), not a ruling
    a, b, c, d, e, f = obj.get_matrix().get()
    pts = []
    for k in range(raw.FPDFPath_CountSegments(obj.raw)):
        seg = raw.FPDFPath_GetPathSegment(obj.raw, k)
        x, y = ctypes.c_float(), ctypes.c_float()
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        pts.append((a * x.value + c * y.value + e, b * x.value + d * y.value + f))
    out = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        if abs(y1 - y0) < 0.5 and abs(x1 - x0) > THIN:
            out.append(Segment(min(x0, x1), y0, max(x0, x1), y0))
        elif abs(x1 - x0) < 0.5 and abs(y1 - y0) > THIN:
            out.append(Segment(x0, min(y0, y1), x0, max(y0, y1)))
    return out


def _segments(page: Any) -> list[Segment]:
    import pypdfium2.raw as raw

    out: list[Segment] = []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=4):
        out.extend(_path_segments(obj))
    return out


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_chrome(pages: list[PageText]) -> None:
    """Page numbers, and lines that recur on most pages (running titles), among the first or last two lines of a
    page and in its top or bottom band; never a table row."""
    def edge(p: PageText, i: int) -> bool:
        ln = p.lines[i]
        outer = i < 2 or i >= len(p.lines) - 2
        band = ln.top >= p.height * (1 - EDGE) or ln.top <= p.height * EDGE + 14
        return outer and band and " | " not in ln.text

    counts = Counter(k for p in pages for k in {_key(p.lines[i].text) for i in range(len(p.lines)) if edge(p, i)})
    recurring = {k for k, n in counts.items() if n >= 2 and n * 2 > len(pages)}
    for p in pages:
        p.lines = [ln for i, ln in enumerate(p.lines)
                   if not (edge(p, i) and (_PAGE_NUMBER.match(ln.text) or _key(ln.text) in recurring))]


def _open(data: bytes) -> Any:
    try:
        import pypdfium2 as pdfium
    except ImportError:  # a dependency: only a broken install lacks it
        raise IngestError("cannot read PDF: pypdfium2 is not installed (pip install pypdfium2)") from None
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise IngestError(f"not a readable PDF ({exc})") from None


def _read_pages(pdf: Any, notes: list[str]) -> list[PageText]:
    from extractor.ingest import ocr

    pages: list[PageText] = []
    for i in range(len(pdf)):
        page = pdf[i]
        glyphs = _glyphs(page)
        height = page.get_height()
        if len(glyphs) < 10 and ocr.page_has_image(page):
            lines = ocr.ocr_page(page, notes)  # a scanned page: no text layer
            pages.append(PageText(lines, height, ocr=True))
        else:
            pages.append(PageText(page_lines(glyphs, _segments(page)), height))
        page.close()
    return pages


def render_pdf(data: bytes, force_ocr: bool = False) -> Rendered:
    """A PDF's bytes to its text rendering (the same bytes, the same text). `force_ocr` reads every page by OCR."""
    pdf = _open(data)
    notes: list[str] = []
    try:
        if force_ocr:
            from extractor.ingest import ocr

            pages = [PageText(ocr.ocr_page(pdf[i], notes), pdf[i].get_height(), ocr=True) for i in range(len(pdf))]
        else:
            pages = _read_pages(pdf, notes)
    finally:
        pdf.close()
    _drop_chrome(pages)
    return assemble(pages, notes)
