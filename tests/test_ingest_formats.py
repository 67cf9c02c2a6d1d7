"""PDF, Word and image input: the rendering every span indexes, tables as ` | ` rows, chrome dropped, pages, OCR.

The dev PDFs are bundled (gold/dev/reports); the layouts they lack are generated here with fpdf2 (ASCII labels and
digits: CJK fonts may not exist where the tests run) and Word files with python-docx.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.core.errors import IngestError
from extractor.ingest import load
from extractor.ingest import ocr as ocr_mod
from extractor.ingest.paged import PAGE_BREAK
from extractor.ingest.pdf import render_pdf
from extractor.pipeline import process

from .conftest import GOLD

DEV = os.path.join(GOLD, "dev")
PDF_001 = os.path.join(DEV, "reports", "001_huaian_city_gov_2024_original.pdf")
PDF_120 = os.path.join(DEV, "reports", "120_hongze_district_gov_2023_pdf.pdf")
HAS_OCR = ocr_mod.available()


def _bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def doc120():
    return load(PDF_120)


# ---- generated PDFs: layouts the dev PDFs lack -------------------------------------------------------------

def _synth_pdf(path, rows: int = 60, paragraphs: int = 14) -> str:
    """Three pages: a running title and `- n -` footers on each, paragraphs, a table with a row-spanning and a
    column-spanning header cell, a row-spanning label, a blank cell, and rows that run onto the next pages."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 6, "Annual Report of Test County", align="C")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 6, f"- {self.page_no()} -", align="C")

    pdf = Report(format="A4")
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i in range(paragraphs):
        pdf.multi_cell(0, 6, f"Paragraph {i}: " + "words " * 30, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    with pdf.table(col_widths=(30, 40, 20, 20), num_heading_rows=2, repeat_headings=0) as t:
        r = t.row()
        r.cell("Head", rowspan=2)
        r.cell("Group", colspan=3)
        r = t.row()
        for c in ("A", "B", "C"):
            r.cell(c)
        r = t.row()
        r.cell("Outcome", rowspan=2)
        for c in ("first", "1", "2"):
            r.cell(c)
        r = t.row()
        for c in ("second", "", "4"):
            r.cell(c)
        for k in range(rows):
            r = t.row()
            for c in (f"row {k}", "x", str(k), str(2 * k)):
                r.cell(c)
    pdf.output(str(path))
    return str(path)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    path = _synth_pdf(tmp_path_factory.mktemp("pdf") / "synth.pdf")
    return path, render_pdf(_bytes(path))


def test_a_generated_pdf_rebuilds_its_table_rows_with_merged_cells_once(synth):
    _path, r = synth
    lines = r.text.split("\n")
    i = lines.index("Head | Group")  # row- and column-spanning header cells, printed once
    assert lines[i + 1:i + 5] == ["A | B | C", "Outcome | first | 1 | 2", "second |  | 4", "row 0 | x | 0 | 0"]
    rows = [ln for ln in lines if ln.startswith("row ")]
    assert rows == [f"row {k} | x | {k} | {2 * k}" for k in range(60)]  # every row, across the page breaks


def test_a_generated_pdf_drops_running_titles_and_page_numbers_and_marks_page_breaks(synth):
    _path, r = synth
    assert len(r.pages) == 3
    assert "Annual Report of Test County" not in r.text
    assert not re.search(r"^- \d+ -$", r.text, re.M)
    for start in r.pages[1:]:
        assert r.text[start - 2:start] == PAGE_BREAK + "\n"
    assert r.text.startswith("Paragraph 0: words words")


def test_the_rendering_is_the_same_from_the_same_bytes(synth):
    path, r = synth
    again = render_pdf(_bytes(path))
    assert (again.text, again.pages) == (r.text, r.pages)
    a, b = render_pdf(_bytes(PDF_120)), render_pdf(_bytes(PDF_120))
    assert (a.text, a.pages) == (b.text, b.pages)
    assert load(PDF_120).original == a.text and load(PDF_120).id == load(PDF_120).id


# ---- the dev PDFs ----------------------------------------------------------------------------------------------

def test_dev_pdf_tables_are_rows_of_cells(doc120):
    lines = doc120.original.split("\n")
    assert "行政规范性文件 | 0 | 5 | 5" in lines
    assert "一、本年新收政府信息公开申请数量 | 21 | 0 | 0 | 0 | 0 | 0 | 21" in lines
    assert "三、本年度办理结果 | （一）予以公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0" in lines  # the vertical label, once
    # a row under a label merged across the page break starts with its own label
    assert "3.补正后申请内容仍不明确 | 0 | 0 | 0 | 0 | 0 | 0 | 0" in lines
    assert "10 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 5 | 0 | 0 | 0 | 0" in lines  # table 四 as printed


def test_dev_pdf_page_numbers_are_dropped_and_pages_located(doc120):
    assert doc120.media_type == "pdf" and len(doc120.pages) == 5
    assert not re.search(r"^\s*-\s*\d+\s*-\s*$", doc120.original, re.M)
    assert doc120.original.count(PAGE_BREAK) == 4
    at = doc120.original.index("一、本年新收政府信息公开申请数量")
    assert doc120.page_of(at) == 3 and doc120.page_of(0) == 1
    assert doc120.page_of(len(doc120.original) - 1) == 5


def test_every_field_carries_its_page(doc120, rules_backend):
    res = process(doc120, rules_backend)
    f = res.fields["standard_table.requests.new_received.total"]
    assert (f.value, f.status, f.page) == (21, "verified", 3)
    assert res.fields["meta.title"].page == 1
    assert res.fields["fees.charged_yuan"].page == 5
    assert all(r.page == doc120.page_of(r.span[0]) for r in res.fields.values() if r.span)
    record = res.record()
    assert record["fields"]["standard_table"]["requests"]["new_received"]["total"]["page"] == 3
    text = process(load(os.path.join(DEV, "reports", "001_huaian_city_gov_2024_pdf.txt")), rules_backend)
    assert all(r.page is None for r in text.fields.values())  # no pages: no page


def test_the_dev_pdfs_through_extractor_eval(tmp_path):
    gold = tmp_path / "gold"
    (gold / "reports").mkdir(parents=True)
    for name in ("001_huaian_city_gov_2024_original", "120_hongze_district_gov_2023_pdf"):
        shutil.copy(os.path.join(DEV, f"{name}.json"), gold)
        shutil.copy(os.path.join(DEV, "reports", f"{name}.pdf"), gold / "reports")
    res = CliRunner().invoke(app, ["eval", "--gold", str(gold), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout[res.stdout.index("{"):])
    per = out["per_report"]
    assert per["001_huaian_city_gov_2024_original.pdf"]["correct"] >= 237
    assert per["120_hongze_district_gov_2023_pdf.pdf"]["correct"] >= 216
    assert out["overall"]["silent_errors"] == 0
    cells = [w for w in out["wrong"] if w["path"].startswith("standard_table.")]
    assert cells == []  # every template cell exact


def test_show_review_and_export_name_the_page(tmp_path, monkeypatch):
    db = tmp_path / "x.db"
    monkeypatch.setenv("EXTRACTOR_DB", str(db))
    runner = CliRunner()
    res = runner.invoke(app, ["show", PDF_120])
    assert res.exit_code == 0 and "page" in res.output
    res = runner.invoke(app, ["run", PDF_120, "--out", str(tmp_path / "out"), "--backend", "rules"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "ds.jsonl"
    assert runner.invoke(app, ["export", str(out)]).exit_code == 0
    row = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert row["pages"]["standard_table.requests.new_received.total"] == 3
    assert row["fields"]["standard_table"]["requests"]["new_received"]["total"]["page"] == 3
    csv_out = tmp_path / "ds.csv"
    assert runner.invoke(app, ["export", str(csv_out), "--format", "csv"]).exit_code == 0
    header = csv_out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header.count("pages") == 1 and not any(h.endswith(".page") for h in header)  # one column, not 238
    listed = runner.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0
    items = json.loads(listed.stdout)
    assert items and all(i["page"] in (1, 2, 3, 4, 5) for i in items if i.get("evidence"))
    from rich.console import Console

    from extractor.review.queue import Item
    from extractor.review.tui import render

    paged = next(i for i in items if i.get("page"))
    con = Console(record=True, width=200)
    render(con, Item(**paged), 1, len(items))
    assert f"page {paged['page']}" in con.export_text()  # the terminal review names the page


# ---- Word ----------------------------------------------------------------------------------------------------

def test_a_docx_renders_paragraphs_and_tables_as_cells(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("淮安市人民政府2024年政府信息公开工作年度报告")
    d.add_paragraph("全年主动公开政府信息5500条。")
    t = d.add_table(rows=3, cols=4)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "Head"  # merged down
    t.cell(0, 1).merge(t.cell(0, 3)).text = "Group"  # merged across
    for j, v in enumerate(("A", "B", "C"), start=1):
        t.cell(1, j).text = v
    for j, v in enumerate(("规章", "1", "", "11")):
        t.cell(2, j).text = v
    d.add_paragraph("六、其他需要报告的事项")
    path = tmp_path / "r.docx"
    d.save(str(path))
    doc = load(str(path))
    assert doc.media_type == "docx" and doc.pages == ()
    assert doc.original.split("\n")[:6] == ["淮安市人民政府2024年政府信息公开工作年度报告", "全年主动公开政府信息5500条。",
                                            "Head | Group", "A | B | C", "规章 | 1 |  | 11", "六、其他需要报告的事项"]
    assert load(str(path)).original == doc.original  # deterministic


def test_doc_and_wps_give_one_line_naming_the_conversion(tmp_path):
    for name in ("old.doc", "old.wps"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
        with pytest.raises(IngestError, match=re.escape("libreoffice --headless --convert-to docx")) as e:
            load(str(tmp_path / name))
        assert "\n" not in str(e.value)


# ---- images and scans ------------------------------------------------------------------------------------------

def _png_of_page(pdf_path: str, index: int, out) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    pdf[index].render(scale=ocr_mod.SCALE).to_pil().save(str(out))
    pdf.close()
    return str(out)


def _with_a_scanned_page(src_path: str, scan: int, out) -> str:
    """The PDF with one page replaced by its image at 150 dpi: a page without a text layer, as a scan has."""
    import pypdfium2 as pdfium

    src, pdf = pdfium.PdfDocument(src_path), pdfium.PdfDocument.new()
    for i in range(len(src)):
        if i != scan:
            pdf.import_pages(src, [i], index=len(pdf))
            continue
        w, h = src[i].get_size()
        page = pdf.new_page(w, h)
        img = pdfium.PdfImage.new(pdf)
        img.set_bitmap(src[i].render(scale=ocr_mod.SCALE))
        img.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(img)
        page.gen_content()
    pdf.save(str(out))
    return str(out)


@pytest.mark.skipif(not HAS_OCR, reason="the ocr extra is not installed")
def test_an_image_of_a_table_page_is_read_by_ocr_with_its_cells(tmp_path):
    doc = load(_png_of_page(PDF_120, 2, tmp_path / "p3.png"))  # table 三's page, rendered at 150 dpi
    assert doc.media_type == "image" and doc.pages == (0,) and doc.ocr_spans
    lines = doc.original.split("\n")
    assert "二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0" in lines
    assert any(ln.endswith("| 10 | 0 | 0 | 0 | 0 | 0 | 10") and "不掌握" in ln for ln in lines)
    assert not any("（七）总计" in ln for ln in lines)  # that row is on the next page


@pytest.mark.skipif(not HAS_OCR, reason="the ocr extra is not installed")
def test_a_scanned_page_is_ocrd_and_never_verified_wrong(tmp_path, rules_backend):
    doc = load(_with_a_scanned_page(PDF_120, 2, tmp_path / "mixed.pdf"))
    assert len(doc.pages) == 5 and doc.ocr_spans
    assert all(doc.page_of(s) == 3 for s, _e, _c in doc.ocr_spans)
    res = process(doc, rules_backend)
    truth = process(load(PDF_120), rules_backend).fields
    read = [r for p, r in res.fields.items() if p.startswith("standard_table.requests.") and "ocr" in r.reasons]
    assert len(read) >= 90  # table 三's rows on page 3, read by OCR
    for r in read:
        assert r.page == 3
        if r.value is not None:
            assert r.confidence < truth[r.path].confidence  # OCR's confidence lowers the value's
        if r.status == "verified":
            assert r.value == truth[r.path].value, r.path  # an OCR'd value is verified only when right
        else:
            assert r.needs_review()


def test_without_the_ocr_extra_one_line_names_it_and_the_run_goes_on(tmp_path, monkeypatch, synth):
    monkeypatch.setattr(ocr_mod, "available", lambda: False)
    d = tmp_path / "in"
    d.mkdir()
    png = _png_of_page(synth[0], 0, d / "scan.png")
    with pytest.raises(IngestError, match=re.escape("pip install 'extractor[ocr]'")):
        load(png)
    # a PDF whose pages are images only (a scan): the same line
    from PIL import Image

    Image.open(png).convert("RGB").save(str(d / "scan.pdf"), resolution=150)
    with pytest.raises(IngestError, match=re.escape("pip install 'extractor[ocr]'")):
        load(str(d / "scan.pdf"))
    shutil.copy(os.path.join(DEV, "reports", "001_huaian_city_gov_2024_pdf.txt"), d / "good.txt")
    res = CliRunner().invoke(app, ["run", str(d), "--out", str(tmp_path / "out"), "--backend", "rules"])
    assert res.exit_code == 1
    errors = (tmp_path / "out" / "errors.txt").read_text(encoding="utf-8").splitlines()
    assert len(errors) == 2 and all("pip install 'extractor[ocr]'" in e for e in errors)
    assert "reports done: 1" in res.output


@pytest.mark.parametrize(("data", "binary"), [
    (b"", False),
    (b"\x00", True),  # a NUL in the sample is binary however short
    (b"a" * 8191 + b"\x00", True),  # the last byte of the sample
    (b"a" * 8192 + b"\x00", False),  # past the 8 KB sample: not looked at
    (b"a" * 8192 + b"\x01" * 5000, False),
    (b"\x01" * 5 + b"a" * 95, False),  # 5% control bytes: not more than 5%
    (b"\x01" * 6 + b"a" * 94, True),
    (b"\x08\x0e\x1f" * 2 + b"a" * 94, True),  # the ends of both control ranges count
    (b"\t\n\x0b\x0c\r" * 40, False),  # tab, newline, vertical tab, form feed, carriage return are text
    (b"\x7f" * 100 + b"\x80\xff" * 50, False),  # DEL and high bytes are not counted
    (b"\x1b[0m" * 10 + b"a" * 460, False),  # 10 ESC in 500 bytes: 2%
    (("政府信息公开" * 2000).encode("gb18030"), False),
])
def test_the_binary_check_at_its_edges(data, binary):
    from extractor.ingest.decode import _looks_binary

    assert _looks_binary(data) is binary
