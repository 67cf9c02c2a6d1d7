"""A crawler's leavings: CSV rows with the report in one cell, table cells joined by carriage-return runs, pages
whose title and date are only in their <meta> header. Generated variants, read back exactly."""

from __future__ import annotations

import csv
import io
import random

import pytest

from extractor.ingest.crawl import cr_cells, is_csv_row, render_csv
from extractor.ingest.html import html_to_text
from extractor.ingest.read import load


def _cr_table(rng: random.Random) -> tuple[str, list[list[str]]]:
    """A table as a crawler joins its cell nodes: 3 CRs between cells, 5 at a row's end, 3 more per empty cell."""
    rows = []
    for _ in range(rng.randint(2, 6)):
        cells = [rng.choice(["本年新收", "上年结转", "（一）予以公开", "规章"])]
        cells += [rng.choice(["", str(rng.randint(0, 999))]) for _ in range(rng.randint(2, 8))]
        rows.append(cells)
    out = []
    for cells in rows:
        line = cells[0]
        pending_empty = 0
        for c in cells[1:]:
            if c == "":
                pending_empty += 1
                continue
            line += "\r" * (3 + 3 * pending_empty) + c
            pending_empty = 0
        out.append(line + "\r" * (5 + 3 * pending_empty))
    return "段落一。\r" + "".join(out) + "段落二。", rows


@pytest.mark.parametrize("seed", range(40))
def test_cr_runs_become_cells_and_rows_with_empty_cells_kept(seed: int) -> None:
    text, rows = _cr_table(random.Random(seed))
    rendered = cr_cells(text).replace("\r", "\n")
    lines = [ln for ln in rendered.split("\n") if "|" in ln]
    assert [[c.strip() for c in ln.split("|")] for ln in lines] == rows


def test_text_without_cr_runs_is_untouched() -> None:
    assert cr_cells("一行\r\n二行\r三行") == "一行\r\n二行\r三行"


def _csv(content: str, **cols: str) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    header = ["标题", "时间", "内容", "一级类别", "访问地址"]
    w.writerow(header)
    w.writerow([cols.get("标题", "某县人民政府2019年政府信息公开工作年度报告"), cols.get("时间", "2020年01月16日"), content,
                "政府信息公开年报", "http://example.gov.cn/a.html"])
    return buf.getvalue()


def test_a_crawler_csv_row_is_rendered_as_header_lines_and_the_report(tmp_path) -> None:
    body = "\r一、总体情况\r2019年，我县主动公开政府信息120条。\r规章\r\r\r0\r\r\r0\r\r\r\r\r"
    raw = _csv(body)
    assert is_csv_row(raw) and not is_csv_row("标题：某县报告\n正文")
    text = render_csv(raw)
    assert text.startswith("标题: 某县人民政府2019年政府信息公开工作年度报告\n时间: 2020年01月16日\n")
    assert "规章 | 0 | 0\n" in text and "内容" not in text.split("\n\n", 1)[1]
    p = tmp_path / "row.txt"
    p.write_bytes(raw.encode("utf-8"))
    doc = load(str(p))
    assert doc.media_type == "csv" and "\r" not in doc.original and "主动公开政府信息120条" in doc.original


def test_a_page_header_in_meta_tags_is_rendered_first() -> None:
    html = ("<html><head><title>某县2019年度政府信息公开工作年度报告_年报_某县人民政府</title>"
            "<meta name=\"PubDate\" content=\"2020-01-20 15:22\"><meta name=\"ContentSource\" content=\"某县人民政府办公室\">"
            "</head><body><p>正文第一段。</p></body></html>")
    text = html_to_text(html)
    assert text.startswith("标题: 某县2019年度政府信息公开工作年度报告\n发布时间: 2020-01-20 15:22\n来源: 某县人民政府办公室\n")
    assert html_to_text("<html><head><title>首页</title></head><body><p>正文。</p></body></html>") == "正文。\n"


REPORT_HTML = ("<div class=\"article\"><p>某县人民政府2019年政府信息公开工作年度报告</p><p>一、总体情况</p>"
               "<p>2019年，主动公开政府信息120条。</p><table><tr><td>规章</td><td>0</td><td>0</td></tr></table>"
               "<p>二、存在的问题</p><p>一是更新不够及时。</p></div>")


def test_html_is_sniffed_from_the_content_not_the_suffix(tmp_path) -> None:
    p = tmp_path / "page.txt"
    p.write_text(REPORT_HTML, encoding="utf-8")
    doc = load(str(p))
    assert doc.media_type == "html" and "规章 | 0 | 0" in doc.original and "<p>" not in doc.original
    q = tmp_path / "plain.txt"
    q.write_text("某县报告\n" + "正文一行。\n" * 30 + "正文里提到<p>标签、<br>与<td>。\n" * 3, encoding="utf-8")
    assert load(str(q)).media_type == "text"


@pytest.mark.parametrize("decl", ["let content = ", "var article = ", "window.data = {body: "])
def test_a_report_inside_a_javascript_string_is_rendered_as_html(tmp_path, decl: str) -> None:
    escaped = REPORT_HTML.replace("\\", "\\\\").replace('"', '\\"').replace("</p>", "</p>\\n")
    tail = "};" if decl.endswith("{body: ") else ";"
    p = tmp_path / "data.js.txt"
    p.write_text(f"var site = 'x';\n{decl}\"{escaped}\"{tail}\n", encoding="utf-8")
    doc = load(str(p))
    assert doc.media_type == "html" and "主动公开政府信息120条" in doc.original
    assert "规章 | 0 | 0" in doc.original and "\\n" not in doc.original and "class=" not in doc.original
