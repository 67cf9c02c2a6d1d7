"""Scanned pages and images by OCR: rapidocr (the `ocr` extra, PP-OCRv4 Chinese models shipped inside its wheel, no
download at run time) reads text boxes; the page's ruling lines are found in the image (long dark runs, opened with
OpenCV, which rapidocr depends on); both go through the same table rebuilding as a text layer (`pdf_tables.py`).

A PDF page is rendered at `DPI`; an image is taken as scanned at that resolution. Every OCR'd line keeps the lowest
confidence of its boxes: the values read from it carry it (`core/result.py`, `ocr`). Without the extra, the page
or image is not read and the note says what to install.
"""

from __future__ import annotations

import io
from typing import Any

from extractor.core.errors import IngestError
from extractor.ingest.paged import PageText, Rendered, assemble
from extractor.ingest.pdf_tables import _CJK, Box, Glyph, Line, Segment, page_lines

DPI = 150
SCALE = DPI / 72  # pixels per PDF point
MISSING = "OCR needs the ocr extra: pip install 'extractor[ocr]'"
# what OCR reads for a lone digit in a table cell (a box of one character): 0 as o, O, 〇 or 。; 1 as l, I, | or 一
_LONE = {"o": "0", "O": "0", "〇": "0", "。": "0", "°": "0", "l": "1", "I": "1", "|": "1", "一": "1"}
# rapidocr's options: no angle classifier (a page is upright; it turns a lone 6 into a 9), and the lower detection and
# recognition thresholds that keep a table's lone digits (a small box, often scored under the default 0.5)
OPTIONS = {"use_cls": False, "box_thresh": 0.3, "text_score": 0.3}
_ENGINE: list[Any] = []  # the engine, made once per process (loading the models takes a third of a second)


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _engine() -> Any:
    if not _ENGINE:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE.append(RapidOCR())
    return _ENGINE[0]


def page_has_image(page: Any) -> bool:
    """Whether a PDF page draws an image (a page with no text and no image is blank, not scanned)."""
    import pypdfium2.raw as raw

    return any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4))


def _glyphs(box: list[list[float]], text: str, conf: float, height_px: float) -> list[Glyph]:
    """A text box split into glyphs, a CJK character twice as wide as a digit or letter, in PDF points."""
    text = _LONE.get(text.strip(), text).replace("|", "丨")  # `|` is the cell separator: never text
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    weights = [1.0 if _CJK.match(ch) else 0.55 for ch in text]
    unit = (right - left) / (sum(weights) or 1.0)
    out, x = [], left
    for ch, w in zip(text, weights, strict=True):
        if not ch.isspace():
            out.append(Glyph(ch, x / SCALE, (height_px - bottom) / SCALE, (x + w * unit) / SCALE,
                             (height_px - top) / SCALE, conf))
        x += w * unit
    return out


THICK = 5  # pixels: a ruling is thinner than this; a stroke of a large title's character is not


def _rulings(gray: Any) -> list[Segment]:
    """Horizontal and vertical rulings: thin dark runs at least a 20th of the page wide (a 35th of its height tall),
    as segments in PDF points."""
    import cv2

    h, w = gray.shape[:2]
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    out: list[Segment] = []
    for horizontal in (True, False):
        size = (max(w // 20, 10), 1) if horizontal else (1, max(h // 35, 10))
        mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        for k in range(1, n):
            x, y, bw, bh = (int(v) for v in stats[k][:4])
            if (bh if horizontal else bw) > THICK:
                continue
            if horizontal:
                yy = (h - (y + bh / 2)) / SCALE
                out.append(Segment(x / SCALE, yy, (x + bw) / SCALE, yy))
            else:
                xx = (x + bw / 2) / SCALE
                out.append(Segment(xx, (h - y - bh) / SCALE, xx, (h - y) / SCALE))
    return sorted(out, key=lambda s: (s.x0, s.y0, s.x1, s.y1))


INK = 8  # dark pixels in a cell (inside its rulings) for it to hold a mark worth reading again


def _reread(rgb: Any, gray: Any, box: Box) -> list[Glyph]:
    """A table cell OCR found empty, recognised on its own (no detection): the lone digit detection missed."""
    h = rgb.shape[0]
    x0, x1 = int(box[0] * SCALE) + 3, int(box[2] * SCALE) - 3
    y0, y1 = int(h - box[3] * SCALE) + 3, int(h - box[1] * SCALE) - 3
    if x1 - x0 < 4 or y1 - y0 < 4 or int((gray[y0:y1, x0:x1] < 128).sum()) < INK:
        return []  # a blank cell
    got, _ = _engine()(rgb[y0:y1, x0:x1], use_det=False, use_cls=False)
    if not got or float(got[0][1]) < OPTIONS["text_score"] or not str(got[0][0]).strip():
        return []
    text, conf = str(got[0][0]).strip(), float(got[0][1])
    corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    return _glyphs([[float(x), float(y)] for x, y in corners], text, conf, h)


def ocr_array(rgb: Any) -> list[Line]:
    """An RGB image (a numpy array) to lines: OCR's text boxes and the image's rulings, tables rebuilt, the cells
    left empty read again one by one."""
    import cv2

    result, _ = _engine()(rgb, **OPTIONS)
    height = rgb.shape[0]
    glyphs = [g for box, text, conf in (result or []) for g in _glyphs(box, str(text), float(conf), height)]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return page_lines(glyphs, _rulings(gray), lambda box: _reread(rgb, gray, box))


def ocr_page(page: Any, notes: list[str]) -> list[Line]:
    """A PDF page rendered at `DPI` and read by OCR; no lines (and the note) without the extra."""
    if not available():
        if MISSING not in notes:
            notes.append(MISSING)
        return []
    import numpy as np

    return ocr_array(np.asarray(page.render(scale=SCALE).to_pil().convert("RGB")))


def render_image(data: bytes) -> Rendered:
    """A .png or .jpg to its text rendering (one page)."""
    if not available():
        raise IngestError(MISSING)
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data)).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise IngestError(f"not a readable image ({type(exc).__name__})") from None
    lines = ocr_array(np.asarray(img))
    return assemble([PageText(lines, img.height / SCALE, ocr=True)])
