"""Synthetic standard-template tables with consistent numbers, rendered in every layout scrapes produce.

For property tests and scale runs only, never a substitute for the real gold. `random_tables` draws the free
cells of tables 三 and 四 and solves every identity of `spec` for the cell it determines (`SOLVED_FOR`), so
every identity holds; `render_report` writes a minimal report around them in one layout:

- `pipes`: one row per line, `|` between cells (what our HTML renderer and many crawls give);
- `cell_per_line`: the label, then each cell on its own line;
- `spaces`: one row per line, cells separated by spaces;
- `run_together`: no separator at all (`本年新收政府信息公开申请数量640020470`), the whole table on one line;
- `html`: a real `<table>` with rowspan/colspan group headers and empty `&nbsp;` cells;
- `pdf_columns`: labels first, then the numbers column by column in two page blocks, with page numbers.

With `subtotal=True` table 三 has the 小计 column some reports add (every layout but `pdf_columns`). Table 二 and
prose stating its values come from `synth_table2`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from extractor.template.grid import CellKey, ColumnSum, Grid, Instance
from extractor.template.spec import APPEALS, CARRY_NOTE, REQUEST_CORNER, REQUESTS, TABLE3_TITLE, TABLE4_TITLE

LAYOUTS = ("pipes", "cell_per_line", "spaces", "run_together", "html", "pdf_columns")

# the cell each identity is solved for (a row for a column sum, a column for a row sum), once the cells it
# depends on are drawn or solved: what makes the generator's tables satisfy every identity of the spec
SOLVED_FOR: dict[tuple[str, str], str] = {
    (REQUESTS.key, "outcomes_sum_to_handled_total"): "handled_total",
    (REQUESTS.key, "new_plus_carried_in"): "new_received",
    (REQUESTS.key, "row_sum"): "total",
    (REQUESTS.key, "org_subtotal"): "subtotal",  # rendered with subtotal=True
    (APPEALS.key, "row_sum"): "total",
}
IDENTITIES = set(SOLVED_FOR)


def _labels(version: str) -> list[tuple[str, str, str]]:  # (row key, group heading, row label)
    return [(r.key, r.heading, r.label) for r in REQUESTS.rows(version)]


LABELS_2021 = _labels("2021")
LABELS_2019 = _labels("2019")


def _header3(subtotal: bool = False) -> str:
    top, sub = [REQUEST_CORNER], []
    for c in REQUESTS.columns:
        if not (c.field or subtotal):
            continue
        if not c.group:
            top.append(c.label)
            continue
        if c.group not in top:
            top.append(c.group)
        sub.append(c.label)
    return " | ".join(top) + "\n" + " | ".join(sub)


def _header4() -> str:
    cols = " | ".join(c.label for c in APPEALS.columns)
    top = [r for r in APPEALS.rows() if not r.heading]
    under = [r for r in APPEALS.rows() if r.heading]
    line1 = " | ".join([r.label for r in top] + list(dict.fromkeys(r.heading for r in under)))
    line2 = " | ".join([cols] * len(top) + [r.label for r in under])
    return line1 + "\n" + line2 + "\n" + " | ".join([cols] * len(under))


HEADER_3 = _header3()
HEADER_4 = _header4()


@dataclass
class Tables:
    version: str
    requests: dict[str, list[int]]  # row -> 7 values in REQ_COLS order
    appeals: dict[str, list[int]]  # row -> 5 values in APP_COLS order

    def cells(self) -> dict[str, int]:
        out = {}
        for grid, table in ((REQUESTS, self.requests), (APPEALS, self.appeals)):
            for r, vals in table.items():
                for c, v in zip(grid.field_columns(), vals, strict=True):
                    out[grid.path(r, c)] = v
        return out

    def labels(self) -> list[tuple[str, str, str]]:
        return LABELS_2021 if self.version == "2021" else LABELS_2019


@cache
def _instances(grid: Grid, version: str, ncols: int) -> dict[tuple[str, str], Instance]:
    return {(i.identity.name, i.at): i for i in grid.instances(grid.row_keys(version), grid.layout(ncols))}


def _solve(grid: Grid, version: str, cells: dict[CellKey, int], name: str, at: str, ncols: int | None = None) -> None:
    """Set the cell identity `name` at row or column `at` is solved for, so that it holds."""
    inst = _instances(grid, version, ncols or len(grid.field_columns()))[name, at]
    solved = SOLVED_FOR[grid.key, name]
    unknown = (solved, at) if isinstance(inst.identity, ColumnSum) else (at, solved)
    lhs = sum(cells[k] for k in inst.lhs if k != unknown)
    rhs = sum(cells[k] for k in inst.rhs if k != unknown)
    cells[unknown] = rhs - lhs if unknown in inst.lhs else lhs - rhs


def _count(rng: random.Random, density: float, scale: int) -> int:
    if rng.random() > density:
        return 0
    return rng.choice([rng.randint(1, 9), rng.randint(1, 99), rng.randint(1, scale)])


def _drawn(grid: Grid) -> list[str]:
    """The field columns no row sum is solved for (the applicant columns; the appeal outcomes)."""
    solved = {SOLVED_FOR[grid.key, s.name] for s in grid.row_sums(grid.layout(len(grid.columns)))}
    return [c for c in grid.field_columns() if c not in solved]


def random_tables(rng: random.Random, version: str = "2021", density: float = 0.3, scale: int = 3000,
                  carried_in: dict[str, int] | None = None, carried_out: dict[str, int] | None = None) -> Tables:
    """Tables whose every row sum, outcome sum and carry identity holds. `carried_in`: the 上年结转 of each drawn
    column (the year before's 结转下年度继续办理), `carried_out`: its 结转下年度继续办理 (the year after's 上年结转),
    for a body's reports over consecutive years."""
    rows, cols = REQUESTS.row_keys(version), REQUESTS.field_columns()
    outcome_rows = [r for r in rows if r in REQUESTS.outcome_rows()]
    req = {(r, c): 0 for r in rows for c in cols}
    for c in _drawn(REQUESTS):
        for r in outcome_rows:
            req[r, c] = _count(rng, density, scale)
        _solve(REQUESTS, version, req, "outcomes_sum_to_handled_total", c)
        forward = _count(rng, density, scale // 10 + 1)
        if carried_out is not None:
            forward = carried_out.get(c, 0)
        if carried_in is not None:  # given: the year's new requests make up the rest (new >= 0)
            carried = carried_in.get(c, 0)
            if carried > req["handled_total", c] + forward:  # more handled this year (a forward given stays)
                req["disclosed", c] += carried - req["handled_total", c] - forward
                _solve(REQUESTS, version, req, "outcomes_sum_to_handled_total", c)
        else:
            carried = rng.randint(0, req["handled_total", c] + forward) if rng.random() < density else 0  # new >= 0
        req["carried_forward", c] = forward
        req["carried_over_in", c] = carried
        _solve(REQUESTS, version, req, "new_plus_carried_in", c)
    for r in rows:
        _solve(REQUESTS, version, req, "row_sum", r)
    app: dict[CellKey, int] = {}
    for r in APPEALS.row_keys():
        for c in _drawn(APPEALS):
            app[r, c] = _count(rng, density, 60)
        _solve(APPEALS, version, app, "row_sum", r)
    return Tables(version, {r: [req[r, c] for c in cols] for r in rows},
                  {r: [app[r, c] for c in APPEALS.field_columns()] for r in APPEALS.row_keys()})


def _values(t: Tables, row: str, subtotal: bool) -> list[int]:
    """A row of table 三 as printed: 7 cells, or 8 with the 小计 column solved by its identity."""
    if not subtotal:
        return t.requests[row]
    cells = dict(zip(REQUESTS.field_columns(), t.requests[row], strict=True))
    keyed = {(row, c): v for c, v in cells.items()}
    _solve(REQUESTS, t.version, keyed, "org_subtotal", row, len(REQUESTS.columns))
    return [keyed[row, c] for c in REQUESTS.layout(len(REQUESTS.columns))]


def _by_column(block: list[list[int]]) -> str:
    """A block of rows as a PDF text layer gives it: column after column, one number per paragraph."""
    return "\n\n".join(str(v[c]) for c in range(len(block[0])) for v in block)


def _table3(t: Tables, layout: str, subtotal: bool = False) -> str:
    rows = t.labels()
    if layout == "html":
        return _html3(t, subtotal)
    if layout == "pdf_columns":
        if subtotal:
            raise ValueError("the pdf_columns layout has no 小计 column")
        head = "\n\n".join(lbl for _k, _g, lbl in rows[:13])
        first = [t.requests[k] for k, _g, _l in rows[:13]]
        second = [t.requests[k] for k, _g, _l in rows[13:]]
        tail = "\n\n".join(lbl for _k, _g, lbl in rows[13:])
        return (f"{head}\n\n自然人\n\n商 业 企\n\n业\n\n总计\n\n{_by_column(first)}\n\n- 4 -\n\f{tail}\n\n"
                f"{_by_column(second)}\n")
    lines = []
    for k, group, label in rows:
        vals = [str(v) for v in _values(t, k, subtotal)]
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
    header = _header3(subtotal)
    return header.replace("\n", sep or "").replace(" | ", "" if layout == "run_together" else " | ") + sep + sep.join(lines) + "\n"


def _html3(t: Tables, subtotal: bool) -> str:
    cols = [c for c in REQUESTS.columns if c.field or subtotal]
    grouped = [c for c in cols if c.group]
    first, last = cols[0], cols[-1]
    out = ["<table border='1'>",
           f"<tr><td colspan='3' rowspan='2'>{REQUEST_CORNER}</td><td colspan='{len(cols)}'>&nbsp;</td></tr>",
           f"<tr><td rowspan='2'>{first.label}</td><td colspan='{len(grouped)}'>{grouped[0].group}</td>"
           f"<td rowspan='2'>{last.label}</td></tr>",
           "<tr><td colspan='3'>&nbsp;</td>" + "".join(f"<td>{c.label}</td>" for c in grouped) + "</tr>"]
    for k, group, label in t.labels():
        cells = "".join(f"<td>{v}</td>" for v in _values(t, k, subtotal))
        lead = f"<td rowspan='2'>{group}</td>" if group else ""
        out.append(f"<tr>{lead}<td colspan='{2 if not group else 1}'>{label}</td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def _table4(t: Tables, layout: str) -> str:
    vals = [str(v) for r in APPEALS.row_keys() for v in t.appeals[r]]
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


def render_report(t: Tables, layout: str, body: str = "某县人民政府", subtotal: bool = False, table2: str = "",
                  prose: str = "", year: int | None = None) -> tuple[str, str]:
    """(text, suffix): a minimal standard-template report; suffix is '.html' for the html layout. `table2`: table 二
    as rendered (`synth_table2`), before table 三; `prose`: sentences added to 总体情况; `year`: the report's year
    (by default 2022 for the 2021 template, 2019 for the 2019 one)."""
    year = year or (2022 if t.version == "2021" else 2019)
    intro = (f"{body}{year}年政府信息公开工作年度报告\n\n一、总体情况\n\n{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》。"
             f"{prose}\n\n")
    t3_head = f"三、{TABLE3_TITLE}\n\n{CARRY_NOTE}\n"
    t4_head = f"四、{TABLE4_TITLE}\n"
    tail = "五、存在的主要问题及改进情况\n\n一是公开内容不够全面。\n\n六、其他需要报告的事项\n\n无。\n"
    t3 = _table3(t, layout, subtotal)
    if layout == "html":
        parts = [f"<p>{intro}</p>", table2, f"<p>{t3_head}</p>", t3, f"<p>{t4_head}</p>", _table4(t, layout),
                 f"<p>{tail}</p>"]
        return "<html><body>" + "\n".join(p for p in parts if p) + "</body></html>", ".html"
    return intro + table2 + t3_head + t3 + "\n" + t4_head + _table4(t, layout) + "\n" + tail, ".txt"
