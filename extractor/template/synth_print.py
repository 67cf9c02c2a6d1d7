"""A synthetic report as the template prints it, for a browser to print to PDF: tables 二, 三 and 四 as real
`<table>` markup with the docx template's merged cells (申请人情况 over three label columns and two header rows,
三、本年度办理结果 down the outcome rows, （三）不予公开 and its kin down their numbered rows, 行政复议/行政诉讼 over
their columns), and a `Style` varying the type size, padding and page width so tables break across pages in
different places. For property tests only: the gold is the generator's `Tables` and `Table2`.

The `html` layout of `synth` is the markup scraped pages give (cells in reading order, spans that do not tile a
grid); this one tiles a grid, so a browser lays it out as a printed form.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from extractor.template.spec import APPEALS, CARRY_NOTE, REQUEST_CORNER, REQUESTS, TABLE3_TITLE, TABLE4_TITLE
from extractor.template.synth import Tables, _values
from extractor.template.synth_table2 import Table2, render_table2

_TOP = re.compile(r"^[一二三四五六七八九十]+、")  # a row of its own across the three label columns
_NUMBERED = re.compile(r"^\d+\.")  # a row under a （…） heading


@dataclass(frozen=True)
class Style:
    font_px: int = 14
    padding_px: int = 2
    width_mm: int = 180  # the table's width on the page
    rules: bool = True  # ruled cells, as the template's docx; False: no line at all (the reader's fallback)

    def css(self) -> str:
        border = "1px solid #000" if self.rules else "none"
        return (f"body{{font:{self.font_px}px 'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;margin:0}}"
                f"table{{border-collapse:collapse;width:{self.width_mm}mm;margin:6px 0}}"
                f"td{{border:{border};padding:{self.padding_px}px;text-align:center}}"
                "tr{break-inside:avoid}")


def _td(text: str | int, colspan: int = 1, rowspan: int = 1) -> str:
    span = (f" colspan='{colspan}'" if colspan > 1 else "") + (f" rowspan='{rowspan}'" if rowspan > 1 else "")
    return f"<td{span}>{html.escape(str(text))}</td>"


def _label_cells(t: Tables) -> list[str]:
    """Per row of table 三, its label cells: a top row across three columns, the outcome rows under one heading
    down its rows, a （…） row across two columns, a numbered row under its heading."""
    labels = t.labels()
    out: list[str] = []
    outcome = [i for i, (_k, _g, lbl) in enumerate(labels) if not _TOP.match(lbl)]
    for i, (_k, group, label) in enumerate(labels):
        cells = ""
        if i == outcome[0]:
            cells += _td(group, rowspan=len(outcome))
        if _TOP.match(label):
            cells += _td(label, colspan=3)
        elif _NUMBERED.match(label):
            if group:
                n = 1
                while i + n < len(labels) and _NUMBERED.match(labels[i + n][2]) and not labels[i + n][1]:
                    n += 1
                cells += _td(group, rowspan=n)
            cells += _td(label)
        else:
            cells += _td(label, colspan=2)
        out.append(cells)
    return out


def table3(t: Tables, subtotal: bool = False) -> str:
    orgs = [c for c in REQUESTS.columns if c.group and (c.field or subtotal)]
    person, total = REQUESTS.columns[0], REQUESTS.columns[-1]
    rows = [_td(REQUEST_CORNER, colspan=3, rowspan=2) + _td(person.label, rowspan=2) + _td(orgs[0].group, len(orgs))
            + _td(total.label, rowspan=2), "".join(_td(c.label) for c in orgs)]
    for (k, _g, _l), lead in zip(t.labels(), _label_cells(t), strict=True):
        rows.append(lead + "".join(_td(v) for v in _values(t, k, subtotal)))
    return "<table>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def table4(t: Tables) -> str:
    outcomes = [c.label for c in APPEALS.columns]
    head = [_td("行政复议", colspan=5) + _td("行政诉讼", colspan=10),
            "".join(_td(c, rowspan=2) for c in outcomes) + _td("未经复议直接起诉", colspan=5) + _td("复议后起诉", colspan=5),
            "".join(_td(c) for c in outcomes * 2)]
    vals = "".join(_td(v) for r in APPEALS.row_keys() for v in t.appeals[r])
    return "<table>" + "".join(f"<tr>{r}</tr>" for r in [*head, vals]) + "</table>"


def printed_report(t: Tables, t2: Table2, style: Style, subtotal: bool = False, body: str = "某县人民政府") -> str:
    """A whole report page in HTML: title, 总体情况, tables 二, 三, 四 with their headings, the closing sections."""
    year = 2022 if t.version == "2021" else 2019
    parts = [f"<h3>{body}{year}年政府信息公开工作年度报告</h3>", "<p>一、总体情况</p>",
             f"<p>本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
             f"{year}年，{body}认真贯彻落实政府信息公开工作要点，依申请公开政府信息办理规范，政府信息公开平台"
             "建设稳步推进。</p>", render_table2(t2, "html"),
             f"<p>三、{TABLE3_TITLE}</p>", f"<p>{CARRY_NOTE}</p>", table3(t, subtotal), f"<p>四、{TABLE4_TITLE}</p>",
             table4(t), "<p>五、存在的主要问题及改进情况</p><p>一是公开内容不够全面。</p>",
             "<p>六、其他需要报告的事项</p><p>无。</p>"]
    return (f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><style>{style.css()}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
