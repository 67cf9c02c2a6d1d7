"""Where a PDF's text sits on its pages: for every offset of the text rendering (`pdf.render_pdf`), the box of the
character it came from, in PDF points (origin at the bottom left); and a page drawn as a grayscale PNG.

The boxes come from the rendering itself, not from a second reader: the page's glyphs are read again and each one's
text is replaced by a tag unique on the page (a CJK ideograph for a CJK glyph, a private-use character otherwise, so
every rule that looks at a glyph's kind decides alike), then the page is laid out by the same `page_lines`. A tag in
a tagged line is its glyph; the real line, laid out from the same glyphs, has that glyph's text at the same place.
Running headers and page numbers are dropped from the real lines as the rendering does, and the kept lines give the
offsets. The real text assembled must equal the report's rendering, or no box is given (`IngestError`).
A page read by OCR has no boxes here (OCR's word boxes are not kept): `PageBoxes.ocr` says so.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field, replace

from extractor.core.errors import IngestError
from extractor.ingest.paged import PageText, assemble
from extractor.ingest.pdf_tables import _CJK, Box, Glyph, Line, page_lines

_CJK_TAG, _OTHER_TAG = 0x4E00, 0xF0000  # tags: CJK Unified Ideographs; Supplementary Private Use Area-A
_CJK_TAGS = 0x9FFF - 0x4E00


@dataclass
class PageBoxes:
    """One page: its number (from 1), size in points, the span of the rendering it covers and each offset's box."""

    number: int
    width: float
    height: float
    start: int
    end: int
    ocr: bool = False
    boxes: dict[int, Box] = field(default_factory=dict)


def _tagged(glyphs: list[Glyph]) -> tuple[list[Glyph], dict[str, Glyph]] | None:
    out, back = [], {}
    cjk = other = 0
    for g in glyphs:
        if _CJK.match(g.text):
            if cjk >= _CJK_TAGS:
                return None
            tag, cjk = chr(_CJK_TAG + cjk), cjk + 1
        else:
            tag, other = chr(_OTHER_TAG + other), other + 1
        back[tag] = g
        out.append(replace(g, text=tag))
    return out, back


def _line_boxes(real: Line, tagged: Line, back: dict[str, Glyph]) -> dict[int, Box] | None:
    """Offset in the real line -> its glyph's box; None when the two lines do not walk alike."""
    out: dict[int, Box] = {}
    j = 0
    for ch in tagged.text:
        g = back.get(ch)
        if g is None:
            if real.text[j:j + 1] != ch:
                return None
            j += 1
            continue
        if real.text[j:j + len(g.text)] != g.text:
            return None
        for k in range(len(g.text)):
            out[j + k] = (g.left, g.bottom, g.right, g.top)
        j += len(g.text)
    return out if j == len(real.text) else None


def _page(page: object, glyphs: list[Glyph]) -> tuple[PageText, dict[int, dict[int, Box]]]:
    """The page's real lines and, by the id of each real line, its offsets' boxes."""
    from extractor.ingest.pdf import _segments

    segs = _segments(page)
    real = page_lines(glyphs, segs)
    height = float(page.get_height())  # type: ignore[attr-defined]
    tagged = _tagged(glyphs)
    boxes: dict[int, dict[int, Box]] = {}
    if tagged is not None:
        lines = page_lines(tagged[0], segs)
        if len(lines) == len(real):
            for r, t in zip(real, lines, strict=True):
                b = _line_boxes(r, t, tagged[1])
                if b is not None:
                    boxes[id(r)] = b
    return PageText(real, height), boxes


def char_boxes(data: bytes, original: str) -> list[PageBoxes]:
    """Every page of the PDF with the box of each offset of `original` (the report's rendering) on it. Raises
    IngestError when the PDF cannot be read or no longer renders to `original`."""
    from extractor.ingest import ocr
    from extractor.ingest.pdf import _drop_chrome, _glyphs, _open

    pdf = _open(data)
    pages: list[PageText] = []
    boxes: dict[int, dict[int, Box]] = {}
    sizes = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            glyphs = _glyphs(page)
            sizes.append((float(page.get_width()), float(page.get_height())))
            if len(glyphs) < 10 and ocr.page_has_image(page):
                pages.append(PageText([], sizes[-1][1], ocr=True))  # OCR's lines: not read again here
            else:
                pt, b = _page(page, glyphs)
                pages.append(pt)
                boxes.update(b)
            page.close()
    finally:
        pdf.close()
    _drop_chrome(pages)
    rendered = assemble(pages)
    if any(p.ocr for p in pages):
        if len(rendered.pages) != len(pages):
            raise IngestError("the PDF's pages no longer match the rendering")
    elif rendered.text != original:
        raise IngestError("the PDF no longer renders to the text the run read")
    return _offsets(pages, boxes, sizes, rendered.pages if not any(p.ocr for p in pages) else None, original)


def _offsets(pages: list[PageText], boxes: dict[int, dict[int, Box]], sizes: list[tuple[float, float]],
             starts: tuple[int, ...] | None, original: str) -> list[PageBoxes]:
    """The pages with their offsets (as `assemble` counts them). With an OCR page among them the text layer's pages
    are placed by the page breaks of `original`, and a page whose lines do not match it gets no boxes."""
    if starts is None:
        at, found = 0, [0]
        while (at := original.find("\f\n", at)) >= 0:
            at += 2
            found.append(at)
        starts = tuple(found)
    out = []
    for n, p in enumerate(pages):
        start = starts[n] if n < len(starts) else len(original)
        end = starts[n + 1] - 2 if n + 1 < len(starts) else len(original)
        pb = PageBoxes(n + 1, sizes[n][0], sizes[n][1], start, end, p.ocr)
        pos = start
        for ln in p.lines:
            if original[pos:pos + len(ln.text)] != ln.text:
                pb.boxes = {}
                break
            pb.boxes.update({pos + k: b for k, b in boxes.get(id(ln), {}).items()})
            pos += len(ln.text) + 1
        out.append(pb)
    return out


def span_rects(page: PageBoxes, start: int, end: int) -> list[Box]:
    """The span's characters on the page as rectangles, one per run of characters on one visual line."""
    out: list[list[float]] = []
    for off in range(max(start, page.start), min(end, page.end)):
        b = page.boxes.get(off)
        if b is None:
            continue
        last = out[-1] if out else None
        if last and abs((b[1] + b[3]) / 2 - (last[1] + last[3]) / 2) < 0.5 * max(b[3] - b[1], 1.0) and b[0] >= last[0]:
            last[:] = [min(last[0], b[0]), min(last[1], b[1]), max(last[2], b[2]), max(last[3], b[3])]
        else:
            out.append(list(b))
    return [(r[0], r[1], r[2], r[3]) for r in out]


def page_png(data: bytes, number: int, scale: float = 1.5) -> bytes:
    """Page `number` (from 1) drawn as a grayscale PNG (zlib only: no image library). IngestError when there is no
    such page."""
    from extractor.ingest.pdf import _open

    pdf = _open(data)
    try:
        if not 1 <= number <= len(pdf):
            raise IngestError(f"no page {number}: the PDF has {len(pdf)}")
        page = pdf[number - 1]
        bitmap = page.render(scale=scale, grayscale=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        buf = bytes(bitmap.buffer)
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    rows = b"".join(b"\x00" + buf[y * stride:y * stride + width] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
