"""A PDF report in the web review: the item and report pages show the page image with each piece of evidence boxed,
the boxes checked against the character boxes pypdfium2 gives for the evidence's text; the page image route takes
only a whole page number within the document; a file changed since the run shows no image and says why; a text
report's item page has no page image. Also `ingest.pdf_boxes` itself: every offset's box is its character's, on the
bundled PDFs and a generated one, and the rendering is left as it was."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib

import pytest

pytest.importorskip("starlette")
pypdfium2 = pytest.importorskip("pypdfium2")
from starlette.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from extractor.cli.app import app  # noqa: E402
from extractor.ingest import load  # noqa: E402
from extractor.ingest.pdf import render_pdf  # noqa: E402
from extractor.ingest.pdf_boxes import char_boxes, page_png, span_rects  # noqa: E402
from extractor.review.queue import STATES, Queue  # noqa: E402
from extractor.store.db import connect  # noqa: E402
from extractor.web.app import create_app  # noqa: E402
from extractor.web.pdfpages import PAD  # noqa: E402

from .conftest import GOLD  # noqa: E402
from .test_ingest_formats import _synth_pdf  # noqa: E402

BASE = "http://127.0.0.1:8080"
PDF_120 = os.path.join(GOLD, "dev", "reports", "120_hongze_district_gov_2023_pdf.pdf")
PDF_001 = os.path.join(GOLD, "dev", "reports", "001_huaian_city_gov_2024_original.pdf")
TEXT = os.path.join(GOLD, "seed", "reports", "001_ada6bcccffd3deee.txt")
RECT = re.compile(r'<rect class="box (\w+)" data-anchor="([^"]*)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                  r'height="([\d.]+)"><title>([^<]*)</title>')
FIGURE = re.compile(r'<figure class="pdfpage" id="page-(\d+)">(.*?)</figure>', re.S)


def _run(tmp: str, files: list[str]) -> tuple[str, str]:
    reports = os.path.join(tmp, "reports")
    os.makedirs(reports)
    for p in files:
        shutil.copy(p, reports)
    db = os.path.join(tmp, "run.db")
    res = CliRunner().invoke(app, ["run", reports, "--out", os.path.join(tmp, "out"), "--db", db, "--no-progress",
                                   "--workers", "1", "--backend", "rules"])
    assert res.exit_code == 0, res.output
    return db, reports


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return _run(str(tmp_path_factory.mktemp("webpdf")), [PDF_120, PDF_001, TEXT])


def client(db: str) -> TestClient:
    return TestClient(create_app(db), base_url=BASE)


def _items(db: str, report_id: str) -> list:
    con = connect(db)
    try:
        return [i for i in Queue(con).items(STATES) if i.report_id == report_id]
    finally:
        con.close()


def _layer(path: str, number: int) -> tuple[float, list[tuple[str, tuple[float, float, float, float]]]]:
    """Page `number`'s height and its characters (no whitespace) with the boxes pypdfium2 gives them."""
    pdf = pypdfium2.PdfDocument(path)
    page = pdf[number - 1]
    tp = page.get_textpage()
    chars = [(tp.get_text_range(i, 1), tp.get_charbox(i, loose=True)) for i in range(tp.count_chars())]
    height = page.get_height()
    tp.close()
    page.close()
    pdf.close()
    return height, [(c, b) for c, b in chars if c and not c.isspace()]


def _expected(path: str, number: int, text: str) -> list[list[tuple[float, float, float, float]]]:
    """Every place on the page where pypdfium2's characters spell `text` (whitespace and cell bars dropped): the
    rectangles (SVG coordinates: origin top left) of its runs of characters on one line."""
    height, chars = _layer(path, number)
    want = [c for c in text if not c.isspace() and c != "|"]
    out = []
    for i in range(len(chars) - len(want) + 1):
        if [c for c, _ in chars[i:i + len(want)]] != want:
            continue
        runs: list[list[float]] = []
        for _, (left, bottom, right, top) in chars[i:i + len(want)]:
            if runs and abs((bottom + top) / 2 - (runs[-1][1] + runs[-1][3]) / 2) < 0.5 * (top - bottom):
                r = runs[-1]
                r[:] = [min(r[0], left), min(r[1], bottom), max(r[2], right), max(r[3], top)]
            else:
                runs.append([left, bottom, right, top])
        out.append([(r[0], height - r[3], r[2] - r[0], r[3] - r[1]) for r in runs])
    return out


def _close(a: tuple[float, ...], b: tuple[float, ...], tol: float = 0.6) -> bool:
    """`a` (a drawn box) is `b` (the characters' box) padded by PAD, to within `tol` points on every side."""
    x, y, w, h = a
    bx, by, bw, bh = b
    return (abs(x + PAD - bx) <= tol and abs(y + PAD - by) <= tol and abs(x + w - PAD - bx - bw) <= tol
            and abs(y + h - PAD - by - bh) <= tol)


def _per_page(doc, spans: list[tuple[str, list[int]]]) -> list[tuple[str, int, int, int]]:
    """Each (label, span) cut at the page breaks: (label, page, start, end) for every page it is on."""
    ends = [start - 2 for start in doc.pages[1:]] + [len(doc.original)]
    return [(label, n, max(s, start), min(e, end)) for label, (s, e) in spans
            for n, (start, end) in enumerate(zip(doc.pages, ends, strict=True), 1) if s < end and start < e]


def _figures(html: str) -> dict[int, list[tuple]]:
    out = {}
    for number, body in FIGURE.findall(html):
        out[int(number)] = [(m[0], m[1], tuple(float(v) for v in m[2:6]), m[6]) for m in RECT.findall(body)]
    return out


@pytest.mark.parametrize("pdf_path", [PDF_120, PDF_001])
def test_the_item_page_of_a_pdf_field_boxes_every_evidence_where_pypdfium2_has_its_characters(built, pdf_path):
    db, reports = built
    path = os.path.join(reports, os.path.basename(pdf_path))
    doc = load(path)
    items = [i for i in _items(db, doc.id) if i.context]
    assert items, "the run gives this PDF report review items with evidence"
    c = client(db)
    checked = 0
    for item in items:
        html = c.get(f"/item/{item.id}").text
        figures = _figures(html)
        assert figures, f"item {item.id} shows no page image"
        spans = [(str(x.get("label")), x["span"]) for x in item.context if len(x.get("span") or []) == 2]
        for label, number, s, e in _per_page(doc, spans):
            assert number in figures
            img = re.search(rf'<image href="/report/{doc.id}/page/{number}.png" x="0" y="0" width="([\d.]+)" '
                            r'height="([\d.]+)"/>', html)
            assert img, "the page image is in the SVG, at the page's size in points"
            drawn = [r for kind, _a, r, title in figures[number] if title == label]
            places = _expected(path, number, doc.original[s:e])
            assert places, f"pypdfium2 spells the evidence {doc.original[s:e]!r} on page {number}"
            assert any(len(p) == len(drawn) and all(_close(d, b) for d, b in zip(drawn, p, strict=True))
                       for p in places), (label, drawn, places[:3])
            checked += 1
    assert checked >= len(items)


def test_the_other_side_is_boxed_apart_from_the_fields_own_evidence(built):
    db, reports = built
    doc = load(os.path.join(reports, os.path.basename(PDF_001)))
    item = next(i for i in _items(db, doc.id) if len(i.context) > 1)
    figures = _figures(client(db).get(f"/item/{item.id}").text)
    kinds = {kind for rects in figures.values() for kind, *_ in rects}
    assert kinds == {"evidence", "other"}


def test_the_report_page_of_a_pdf_boxes_its_fields(built):
    db, reports = built
    doc = load(os.path.join(reports, os.path.basename(PDF_120)))
    html = client(db).get(f"/report/{doc.id}").text
    figures = _figures(html)
    assert len(figures) >= 3 and sum(len(r) for r in figures.values()) > 50
    assert '<pre class="source" id="source">' in html  # the text is still beside the images


def test_the_page_image_is_a_png_of_the_page_and_takes_only_a_page_number_within_the_document(built):
    db, reports = built
    doc = load(os.path.join(reports, os.path.basename(PDF_120)))
    text = load(os.path.join(reports, os.path.basename(TEXT)))
    c = client(db)
    r = c.get(f"/report/{doc.id}/page/4.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and r.content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", r.content[16:24])
    assert abs(width - 595 * 1.5) <= 1 and abs(height - 842 * 1.5) <= 1  # the page at 1.5 pixels a point
    (size,) = struct.unpack(">I", r.content[33:37])
    assert r.content[37:41] == b"IDAT"
    rows = zlib.decompress(r.content[41:41 + size])
    assert len(rows) == height * (width + 1) and len(set(rows)) > 10  # grayscale rows, not a blank page
    for bad in ("0", str(len(doc.pages) + 1), "99999", "x", "-1", "1.5", "01", "1e1", "%2e%2e", "4%00"):
        assert c.get(f"/report/{doc.id}/page/{bad}.png").status_code == 404, bad
    assert c.get("/report/0123456789abcdef/page/1.png").status_code == 404  # no such report
    assert c.get("/report/..%2f..%2fetc/page/1.png").status_code == 404
    assert c.get(f"/report/{text.id}/page/1.png").status_code == 404  # a text report has no pages


def test_a_pdf_changed_since_the_run_shows_no_image_and_says_why(tmp_path):
    db, reports = _run(str(tmp_path), [PDF_120])
    path = os.path.join(reports, os.path.basename(PDF_120))
    doc = load(path)
    item = next(i for i in _items(db, doc.id) if i.context)
    c = client(db)
    assert "<image " in c.get(f"/item/{item.id}").text
    with open(path, "ab") as fh:
        fh.write(b"\n% edited after the run\n")
    html = c.get(f"/item/{item.id}").text
    assert "<image " not in html and 'id="pages"' not in html
    assert re.search(r'id="no-pages">no page image: the file at .* has changed since the run', html)
    r = c.get(f"/report/{doc.id}/page/1.png")
    assert r.status_code == 404 and "has changed since the run" in r.text
    assert 'id="no-pages"' in c.get(f"/report/{doc.id}").text


def test_a_text_reports_item_page_has_no_page_image(built):
    db, reports = built
    doc = load(os.path.join(reports, os.path.basename(TEXT)))
    item = next(i for i in _items(db, doc.id) if i.context)
    html = client(db).get(f"/item/{item.id}").text
    assert "pdfpage" not in html and "<image " not in html and "/page/" not in html and "no-pages" not in html
    assert '<pre class="source" id="source">' in html and '<mark class="evidence"' in html


# ---- ingest.pdf_boxes ----------------------------------------------------------------------------------------

def _tight(path: str, number: int) -> list[tuple[str, float, float]]:
    """Page `number`'s characters with the middle of the tight box pypdfium2 gives each."""
    pdf = pypdfium2.PdfDocument(path)
    page = pdf[number - 1]
    tp = page.get_textpage()
    out = []
    for i in range(tp.count_chars()):
        left, bottom, right, top = tp.get_charbox(i, loose=False)
        out.append((tp.get_text_range(i, 1), (left + right) / 2, (bottom + top) / 2))
    tp.close()
    page.close()
    pdf.close()
    return out


def _check_boxes(path: str) -> int:
    """Every character of the rendering but spaces and cell bars has a box, and pypdfium2 has that character with
    its (tight) box's middle inside it. Returns the boxes checked."""
    with open(path, "rb") as fh:
        data = fh.read()
    original = render_pdf(data).text
    pages = char_boxes(data, original)
    assert render_pdf(data).text == original  # the rendering is left as it was
    n = 0
    for p in pages:
        chars = _tight(path, p.number)
        for off in range(p.start, p.end):
            ch = original[off]
            if ch.isspace() or ch == "|":
                continue
            assert off in p.boxes, (p.number, off, ch)
            left, bottom, right, top = p.boxes[off]
            assert any(c == ch and left - 0.5 <= x <= right + 0.5 and bottom - 0.5 <= y <= top + 0.5
                       for c, x, y in chars), (p.number, off, ch, p.boxes[off])
            n += 1
    return n


@pytest.mark.parametrize("pdf_path", [PDF_120, PDF_001])
def test_each_offset_of_a_bundled_pdfs_rendering_has_its_characters_box(pdf_path):
    assert _check_boxes(pdf_path) > 2000


def test_each_offset_of_a_generated_pdfs_rendering_has_its_characters_box(tmp_path):
    pytest.importorskip("fpdf")
    assert _check_boxes(_synth_pdf(tmp_path / "synth.pdf")) > 1000


def test_a_span_over_two_lines_is_two_rectangles_and_a_pdf_that_renders_otherwise_is_refused():
    from extractor.core.errors import IngestError

    with open(PDF_001, "rb") as fh:
        data = fh.read()
    original = render_pdf(data).text
    pages = char_boxes(data, original)
    first = pages[0]
    line_end = original.index("\n", first.start + 40)
    rects = span_rects(first, line_end - 3, line_end + 4)
    assert len(rects) == 2 and rects[0][1] > rects[1][3] - 1  # the second line is below the first
    with pytest.raises(IngestError):
        char_boxes(data, original.replace("年", "月", 1))
    with pytest.raises(IngestError):
        page_png(data, len(pages) + 1)


@pytest.mark.skipif(not __import__("extractor.ingest.ocr", fromlist=["available"]).available(),
                    reason="the ocr extra is not installed")
def test_a_page_read_by_ocr_is_shown_without_boxes_and_says_so(tmp_path):
    from .test_ingest_formats import _with_a_scanned_page

    mixed = _with_a_scanned_page(PDF_120, 2, tmp_path / "mixed.pdf")  # page 3 an image, no text layer
    with open(mixed, "rb") as fh:
        data = fh.read()
    doc = load(mixed)
    pages = char_boxes(data, doc.original)
    assert [p.ocr for p in pages] == [False, False, True, False, False]
    assert pages[2].boxes == {} and [p.start for p in pages] == list(doc.pages)
    assert all(len(p.boxes) > 50 for p in pages if not p.ocr)  # the text layer's pages keep their boxes
    db, _reports = _run(str(tmp_path / "run"), [mixed])
    html = client(db).get(f"/report/{doc.id}").text
    figures = _figures(html)
    assert 3 in figures and figures[3] == []  # the page image, no box on it
    assert figures[2] and figures[4]  # the pages around it keep theirs
    assert "page 3 (read by OCR: its words are not boxed)" in html
    assert html.count("page 3 was read by OCR, whose word boxes are not kept: its evidence is not boxed") == 1
