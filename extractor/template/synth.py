"""Synthetic standard-template tables with consistent numbers, rendered in every layout scrapes produce.

For property tests and scale runs only, never a substitute for the real gold. `random_tables` draws
table 三 and 四 values that satisfy every identity of standard_table_rows.md; `render_report` writes a
minimal report around them in one layout:

- `pipes`: one row per line, `|` between cells (what our HTML renderer and many crawls give);
- `cell_per_line`: the label, then each cell on its own line;
- `spaces`: one row per line, cells separated by spaces;
- `run_together`: no separator at all (`本年新收政府信息公开申请数量640020470`), the whole table on one line;
- `html`: a real `<table>` with rowspan/colspan group headers and empty `&nbsp;` cells;
- `pdf_columns`: labels first, then the numbers column by column in two page blocks, with page numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from extractor.core.catalogue import APP_COLS, APP_ROWS, REQ_COLS

LAYOUTS = ("pipes", "cell_per_line", "spaces", "run_together", "html", "pdf_columns")

LABELS_2021: list[tuple[str, str, str]] = [  # (row key, group label, row label)
    ("new_received", "", "一、本年新收政府信息公开申请数量"),
    ("carried_over_in", "", "二、上年结转政府信息公开申请数量"),
    ("disclosed", "三、本年度办理结果", "（一）予以公开"),
    ("partially_disclosed", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_law_prohibited", "", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "", "3.危及“三安全一稳定”"),
    ("denied_third_party", "", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "", "5.属于三类内部事务信息"),
    ("denied_process_info", "", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "", "7.属于行政执法案卷"),
    ("denied_query_item", "", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "", "3.补正后申请内容仍不明确"),
    ("not_processed_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_repeat", "", "2.重复申请"),
    ("not_processed_publication", "", "3.要求提供公开出版物"),
    ("not_processed_excessive", "", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "", "3.其他"),
    ("handled_total", "", "（七）总计"),
    ("carried_forward", "", "四、结转下年度继续办理"),
]
LABELS_2019 = [x for x in LABELS_2021 if x[0] not in ("other_no_correction", "other_no_fee", "other_other")]
LABELS_2019.insert(20, ("other_other", "", "（六）其他处理"))

HEADER_3 = "申请人情况 | 自然人 | 法人或其他组织 | 总计\n商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他"
HEADER_4 = ("行政复议 | 行政诉讼\n结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉\n"
            "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计")


@dataclass
class Tables:
    version: str
    requests: dict[str, list[int]]  # row -> 7 values in REQ_COLS order
    appeals: dict[str, list[int]]  # row -> 5 values in APP_COLS order

    def cells(self) -> dict[str, int]:
        out = {}
        for r, vals in self.requests.items():
            for c, v in zip(REQ_COLS, vals, strict=True):
                out[f"standard_table.requests.{r}.{c}"] = v
        for r, vals in self.appeals.items():
            for c, v in zip(APP_COLS, vals, strict=True):
                out[f"standard_table.appeals.{r}.{c}"] = v
        return out

    def labels(self) -> list[tuple[str, str, str]]:
        return LABELS_2021 if self.version == "2021" else LABELS_2019


def _count(rng: random.Random, density: float, scale: int) -> int:
    if rng.random() > density:
        return 0
    return rng.choice([rng.randint(1, 9), rng.randint(1, 99), rng.randint(1, scale)])


def random_tables(rng: random.Random, version: str = "2021", density: float = 0.3, scale: int = 3000) -> Tables:
    """Tables whose every row sum, outcome sum and carry identity holds."""
    labels = LABELS_2021 if version == "2021" else LABELS_2019
    outcome_rows = [k for k, _g, _l in labels if k not in ("new_received", "carried_over_in", "handled_total", "carried_forward")]
    req: dict[str, list[int]] = {k: [0] * 7 for k, _g, _l in labels}
    for c in range(6):
        for r in outcome_rows:
            req[r][c] = _count(rng, density, scale)
        handled = sum(req[r][c] for r in outcome_rows)
        req["handled_total"][c] = handled
        forward = _count(rng, density, scale // 10 + 1)
        carried_in = rng.randint(0, handled + forward) if rng.random() < density else 0
        req["carried_forward"][c] = forward
        req["carried_over_in"][c] = carried_in
        req["new_received"][c] = handled + forward - carried_in
    for vals in req.values():
        vals[6] = sum(vals[:6])
    app = {}
    for r in APP_ROWS:
        parts = [_count(rng, density, 60) for _ in range(4)]
        app[r] = parts + [sum(parts)]
    return Tables(version, req, app)


def _table3(t: Tables, layout: str) -> str:
    rows = t.labels()
    if layout == "html":
        return _html3(t)
    if layout == "pdf_columns":
        head = "\n\n".join(lbl for _k, _g, lbl in rows[:13])
        first = [t.requests[k] for k, _g, _l in rows[:13]]
        second = [t.requests[k] for k, _g, _l in rows[13:]]
        col = lambda block: "\n\n".join(str(v[c]) for c in range(7) for v in block)  # noqa: E731
        tail = "\n\n".join(lbl for _k, _g, lbl in rows[13:])
        return (f"{head}\n\n自然人\n\n商 业 企\n\n业\n\n总计\n\n{col(first)}\n\n- 4 -\n\f{tail}\n\n{col(second)}\n")
    lines = []
    for k, group, label in rows:
        vals = [str(v) for v in t.requests[k]]
        name = (group + label) if group else label
        if layout == "pipes":
            lines.append(" | ".join([name, *vals]))
        elif layout == "cell_per_line":
            lines.append("\n".join([name, *vals]))
        elif layout == "spaces":
            lines.append(" ".join([name, *vals]))
        elif layout == "run_together":
            lines.append(name + "".join(vals))
    sep = "" if layout == "run_together" else "\n"
    return HEADER_3.replace("\n", sep or "").replace(" | ", "" if layout == "run_together" else " | ") + sep + sep.join(lines) + "\n"


def _html3(t: Tables) -> str:
    rows = t.labels()
    out = ["<table border='1'>",
           "<tr><td colspan='3' rowspan='2'>申请人情况</td><td colspan='7'>&nbsp;</td></tr>",
           "<tr><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td><td rowspan='2'>总计</td></tr>",
           "<tr><td colspan='3'>&nbsp;</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"]
    for k, group, label in rows:
        cells = "".join(f"<td>{v}</td>" for v in t.requests[k])
        lead = f"<td rowspan='2'>{group}</td>" if group else ""
        out.append(f"<tr>{lead}<td colspan='{2 if not group else 1}'>{label}</td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def _table4(t: Tables, layout: str) -> str:
    vals = [str(v) for r in APP_ROWS for v in t.appeals[r]]
    if layout == "html":
        head = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in line.split(' | '))}</tr>" for line in HEADER_4.split("\n"))
        return f"<table><tr><td colspan='5'>&nbsp;</td></tr>{head}<tr>{''.join(f'<td>{v}</td>' for v in vals)}</tr></table>"
    if layout == "run_together":
        return HEADER_4.replace(" | ", "").replace("\n", "") + "".join(vals) + "\n"
    if layout == "pdf_columns":
        return HEADER_4.replace(" | ", "\n\n") + "\n\n" + "\n\n".join(vals) + "\n"
    if layout == "cell_per_line":
        return HEADER_4.replace(" | ", "\n") + "\n" + "\n".join(vals) + "\n"
    sep = " | " if layout == "pipes" else " "
    return HEADER_4 + "\n" + sep.join(vals) + "\n"


def render_report(t: Tables, layout: str, body: str = "某县人民政府") -> tuple[str, str]:
    """(text, suffix): a minimal standard-template report; suffix is '.html' for the html layout."""
    year = 2022 if t.version == "2021" else 2019
    intro = (f"{body}{year}年政府信息公开工作年度报告\n\n一、总体情况\n\n{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》。\n\n")
    t3_head = "三、收到和处理政府信息公开申请情况\n\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
    t4_head = "四、政府信息公开行政复议、行政诉讼情况\n"
    tail = "五、存在的主要问题及改进情况\n\n一是公开内容不够全面。\n\n六、其他需要报告的事项\n\n无。\n"
    if layout == "html":
        parts = [f"<p>{intro}</p>", f"<p>{t3_head}</p>", _table3(t, layout), f"<p>{t4_head}</p>", _table4(t, layout), f"<p>{tail}</p>"]
        return "<html><body>" + "\n".join(parts) + "</body></html>", ".html"
    return intro + t3_head + _table3(t, layout) + "\n" + t4_head + _table4(t, layout) + "\n" + tail, ".txt"
