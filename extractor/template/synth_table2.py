"""Synthetic table 二 (主动公开政府信息情况) of both template versions, in every layout, with prose about it.

For property tests and per-layout figures only, never a substitute for the real gold. `random_table2` draws the
cells of `spec.TABLE2` (counts from sparse to large, the 2019 本年增/减 sometimes negative, 万元 amounts with
decimals); `render_table2` writes the table in one layout (`LAYOUTS`: pipes, spaces, cell_per_line,
run_together, html); `prose` writes sentences that state some of the fields (制发规范性文件12件，废止30件，现行有效
417件) and distractors that are no witness (规范性文件类信息68条, 受理行政许可申请…, 清理规范性文件…) with numbers taken
from the run's other readings, so that a reader that took them would be wrong; `report` puts them into a minimal
report with tables 三 and 四 from `synth`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from extractor.template.grid import Table2Row
from extractor.template.spec import TABLE2
from extractor.template.synth import random_tables, render_report

LAYOUTS = ("pipes", "spaces", "cell_per_line", "run_together", "html")
HEADING = "二、主动公开政府信息情况"

# per sub-table (第二十条第(X)项): its column headers, by version
_ITEMS = {1: "（一）", 5: "（五）", 6: "（六）", 8: "（八）", 9: "（九）"}
HEADERS = {
    "2021": {1: ("本年制发件数", "本年废止件数", "现行有效件数"), 5: ("本年处理决定数量",), 6: ("本年处理决定数量",),
             8: ("本年收费金额（单位：万元）",)},
    "2019": {1: ("本年新制作数量", "本年新公开数量", "对外公开总数量"), 5: ("上一年项目数量", "本年增/减", "处理决定数量"),
             6: ("上一年项目数量", "本年增/减", "处理决定数量"), 8: ("上一年项目数量", "本年增/减"),
             9: ("采购项目数量", "采购总金额")},
}


@dataclass
class Table2:
    version: str
    cells: dict[str, list[int | float]]  # row key -> its cells as printed

    def rows(self) -> tuple[Table2Row, ...]:
        return TABLE2[self.version]

    def fields(self) -> dict[str, int | float]:
        """The field values the table states (the 2021 收费 in yuan: its header says 万元)."""
        out: dict[str, int | float] = {}
        for row in self.rows():
            for i, path in row.fields.items():
                v = self.cells[row.key][i]
                if path.endswith("_yuan"):
                    y = Decimal(str(v)) * 10000
                    v = int(y) if y == y.to_integral_value() else float(y)
                out[path] = v
        return out


def _count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.3:
        return 0
    return rng.choice([rng.randint(1, 9), rng.randint(10, 99), rng.randint(100, 9999), rng.randint(1, 999999)])


def _row(rng: random.Random, version: str, row: Table2Row) -> list[int | float]:
    if row.key == "fees" and version == "2021":
        return [round(rng.uniform(0, 30000), rng.choice([0, 2, 6])) if rng.random() > 0.3 else 0]
    if row.key == "procurement":
        return [_count(rng), round(rng.uniform(0, 9e6), 2)]
    cells: list[int | float] = [_count(rng) for _ in range(row.ncells)]
    for i in row.negative_cols:  # 本年增/减: a change of the previous year's number, either way
        prev = int(cells[0])
        cells[i] = rng.randint(-prev, prev + 9) if rng.random() < 0.6 else 0
    return cells


def random_table2(rng: random.Random, version: str) -> Table2:
    return Table2(version, {r.key: _row(rng, version, r) for r in TABLE2[version]})


def _text(v: int | float) -> str:
    return str(v)


def _lines(t: Table2) -> list[tuple[str, list[str]]]:
    """(label, cells) per line of the table as the template prints it: group heading, header, rows."""
    out: list[tuple[str, list[str]]] = []
    for group in dict.fromkeys(r.group for r in t.rows()):
        out.append((f"第二十条第{_ITEMS[group]}项", []))
        out.append(("信息内容", list(HEADERS[t.version][group])))
        for r in (r for r in t.rows() if r.group == group):
            cells = [_text(v) for v in t.cells[r.key]]
            if r.key == "procurement":
                cells[-1] += "元"
            out.append((r.pattern, cells))
    return out


def _html(t: Table2) -> str:
    rows = []
    for label, cells in _lines(t):
        if not cells:
            rows.append(f"<tr><td colspan='4'>{label}</td></tr>")
            continue
        span = 4 - len(cells)  # a one-cell row spans the three columns, as in the template's docx
        tds = "".join(f"<td colspan='{span}'>{c}</td>" if span > 1 and j == len(cells) - 1 else f"<td>{c}</td>"
                      for j, c in enumerate(cells))
        rows.append(f"<tr><td>{label}</td>{tds}</tr>")
    return f"<p>{HEADING}</p>\n<table border='1'>" + "".join(rows) + "</table>"


def render_table2(t: Table2, layout: str) -> str:
    """Table 二 with its heading, in one of `LAYOUTS`."""
    if layout == "html":
        return _html(t)
    sep = {"pipes": " | ", "spaces": " ", "cell_per_line": "\n", "run_together": ""}[layout]
    lines = [sep.join([label, *cells]) if cells else label for label, cells in _lines(t)]
    joiner = "" if layout == "run_together" else "\n"
    return f"{HEADING}\n" + joiner.join(lines) + "\n\n"


# ---- prose: sentences stating some fields, and distractors that state none

_SAY = {
    "proactive.normative_documents": ("全年制发{doc}{n}件", "本年度出台{doc}{n}件", "印发{doc}{n}件"),
    "proactive.normative_documents_repealed": ("废止{n}件", "废止{doc}{n}件"),
    "proactive.normative_documents_in_force": ("现行有效{n}件", "现行有效{doc}{n}件", "保留{doc}{n}件"),
    "proactive.regulations_issued": ("制发规章{n}件", "出台规章{n}件"),
    "proactive.licensing_decisions": ("作出行政许可决定{n}件", "行政许可案件{n}件", "行政许可{n}件"),
    "proactive.penalty_decisions": ("作出行政处罚决定{n}件", "行政处罚案件{n}件", "行政处罚{n}件"),
    "proactive.enforcement_decisions": ("行政强制{n}件", "采取行政强制措施{n}件"),
}
_DOCS = ("proactive.normative_documents", "proactive.normative_documents_repealed",
         "proactive.normative_documents_in_force")
_DISTRACT = ("公开政策、规范性文件类信息{n}条", "对现有{n}件规范性文件进行清理", "清理规范性文件{n}件",
             "受理行政许可申请{n}件", "公开行政处罚信息{n}条", "行政许可类信息{n}条", "梳理行政许可事项{n}项",
             "办理行政许可事项{n}件", "比上年新增规范性文件{n}件", "现行有效规章和规范性文件共{n}件")


def _other_readings(t: Table2) -> list[int]:
    """Numbers a run-together row also reads as (prefixes and suffixes of its digits) that are not its cells."""
    out = []
    for row in t.rows():
        digits = "".join(_text(v) for v in t.cells[row.key])
        if "." in digits or "-" in digits:
            continue
        for k in range(1, len(digits)):
            for piece in (digits[:k], digits[k:]):
                if (piece == "0" or piece[0] != "0") and int(piece) not in t.cells[row.key]:
                    out.append(int(piece))
    return out


def prose(rng: random.Random, t: Table2, share: float = 0.5, distractors: int = 2) -> tuple[str, list[str]]:
    """(sentences, the fields they state): each field stated with probability `share`, plus distractors."""
    values = t.fields()
    doc = "行政规范性文件" if t.version == "2021" else "规范性文件"
    stated = [p for p in _SAY if p in values and isinstance(values[p], int) and rng.random() < share]
    if t.version == "2019":  # 2019's cell 0 is 本年新制作数量: the wording says so
        say = {**_SAY, "proactive.normative_documents": ("新制作{doc}{n}件", "全年制发{doc}{n}件")}
    else:
        say = _SAY
    docs = [p for p in _DOCS if p in stated]
    clauses = [rng.choice(say[p]).format(doc=doc, n=values[p]) for p in docs]
    if docs and docs[0] != "proactive.normative_documents":
        clauses[0] = f"动态清理{doc}，" + clauses[0]  # the sentence says what is repealed or in force
    sentences = ["，".join(clauses)] if clauses else []
    sentences += [rng.choice(say[p]).format(doc=doc, n=values[p]) for p in stated if p not in _DOCS]
    others = _other_readings(t)
    for _ in range(distractors if others else 0):
        sentences.append(rng.choice(_DISTRACT).format(n=rng.choice(others)))
    rng.shuffle(sentences)
    return "".join(s + "。" for s in sentences), stated


def report(rng: random.Random, version: str, layout: str, with_prose: bool) -> tuple[str, str, Table2, list[str]]:
    """(text, suffix, table 二, fields the prose states): a minimal report with table 二 in `layout`."""
    t = random_table2(rng, version)
    words, stated = prose(rng, t) if with_prose else ("", [])
    tables = random_tables(rng, version, density=0.3)
    text, suffix = render_report(tables, layout, table2=render_table2(t, layout), prose=words)
    return text, suffix, t, stated
