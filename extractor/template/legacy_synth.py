"""Synthetic old 统计表 (`legacy`) with consistent numbers, rendered in every layout scrapes produce.

For property tests and scale runs only, never a substitute for the real gold. `random_table` draws the parts of
each total (channels, answer types, website and gazette) in the year and in the years before, so that every
identity of `legacy` holds (parts sum to their total, this year at most the cumulative number, answers at most
requests); it picks the wording of every row among the variants reports print, the set of channels, the ordinals,
one or two number columns and, with `blanks`, cells left empty where they are 0 (and, now and then, a 历年累计
column left empty throughout). `render_report` writes a minimal
report around it in one layout:

- `pipes`: a row per line, `|` between cells;
- `cell_per_line`: every cell on its own line, `|` on its own line between cells;
- `spaces`: the whole table on one line, cells separated by spaces (a blank cell leaves no trace);
- `run_together`: no separator at all (`主动公开文件数条318762450其中:1、政府网站公开数条3187624502、…`);
- `html`: a `<table>` with `&nbsp;` blank cells.

With `witnesses`, the prose states the year's 主动公开 total and the requests received, as reports do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from extractor.template.legacy import BY_KEY, PARTS_SUMS, THIS_YEAR, LegacyRow

LAYOUTS = ("pipes", "cell_per_line", "spaces", "run_together", "html")
_CHANNEL_ORDER = ("in_person", "letter_fax", "fax", "email", "online", "letter", "other_form")
_ANSWERS = ("disclosed", "partially_disclosed", "denied", "other_handling")
PLACES = ("清河县", "东湖区", "临江市", "白沙镇", "南山县", "青石镇")


@dataclass
class Printed:
    key: str
    label: str  # as printed, with its 其中 and ordinal
    unit: str
    cells: list[int | None]  # by column; None: printed blank


@dataclass
class LegacyTable:
    year: int
    columns: tuple[str, ...]  # this_year[, cumulative]
    heads: tuple[str, ...]  # the header's wording of the number columns
    rows: list[Printed] = field(default_factory=list)

    def row(self, key: str) -> Printed:
        return next(r for r in self.rows if r.key == key)

    def gold(self) -> dict[str, int | None]:
        """The fields the table states: each row's cell of the year (a blank cell: null); a row joining two
        categories only when it is 0; a row that yields to another the table prints, nothing."""
        this = self.columns.index(THIS_YEAR)
        printed = {r.key for r in self.rows}
        out: dict[str, int | None] = {}
        for r in sorted(self.rows, key=lambda r: BY_KEY[r.key].combined):  # a row of its own first
            row = BY_KEY[r.key]
            if not row.fields or any(y in printed for y in row.yields_to):
                continue
            v = r.cells[this]
            if row.combined and v not in (0, None):
                continue
            for p in row.fields:
                if out.get(p) is None:
                    out[p] = v
        return out


def _split(rng: random.Random, total: int, k: int) -> list[int]:
    """`total` as `k` parts >= 0, often with zeros."""
    if k == 1:
        return [total]
    live = [i for i in range(k) if rng.random() < 0.6] or [rng.randrange(k)]
    cuts = sorted(rng.randint(0, total) for _ in range(len(live) - 1))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    out = [0] * k
    for i, s in zip(live, sizes, strict=True):
        out[i] = s
    return out


def _amount(rng: random.Random, scale: int) -> int:
    return rng.choice([0, rng.randint(0, 9), rng.randint(0, 99), rng.randint(0, scale)])


def _parts(rng: random.Random, this: int, before: int, k: int) -> list[tuple[int, int]]:
    """(this year, cumulative) of `k` parts of a total of `this` in the year and `before` in the years before."""
    a, b = _split(rng, this, k), _split(rng, before, k)
    return [(x, x + y) for x, y in zip(a, b, strict=True)]


def _label(rng: random.Random, row: LegacyRow) -> str:
    return rng.choice(row.variants or (row.label,))


def _group(rng: random.Random, total: str, parts: list[str], values: list[tuple[int, int]], style: str
           ) -> list[tuple[str, str, tuple[int, int]]]:
    """A total and its parts under 其中, with the table's ordinals."""
    tv = (sum(v[0] for v in values), sum(v[1] for v in values))
    out = [(total, _label(rng, BY_KEY[total]), tv)]
    for i, (p, v) in enumerate(zip(parts, values, strict=True)):
        ordinal = {"、": f"{i + 1}、", ".": f"{i + 1}.", "": ""}[style]
        lead = "其中：" if i == 0 and rng.random() < 0.8 else ""
        out.append((p, lead + ordinal + _label(rng, BY_KEY[p]), v))
    return out


def _drawn(rng: random.Random, scale: int) -> list[tuple[str, str, tuple[int, int]]]:
    style = rng.choice(["、", ".", ""])
    web, gaz = (_amount(rng, scale), _amount(rng, scale)), (_amount(rng, scale // 50 + 1), _amount(rng, 99))
    rows = _group(rng, "proactive_total", ["website", "gazette"], [(web[0], web[0] + web[1]), (gaz[0], gaz[0] + gaz[1])],
                  style)
    channels = rng.choice([s.parts for s in PARTS_SUMS if s.name == "request_channels"])
    chans = [c for c in _CHANNEL_ORDER if c in channels]
    got, before = _amount(rng, 60), _amount(rng, 300)
    rows += _group(rng, "received", chans, _parts(rng, got, before, len(chans)), style)
    handled, handled_before = rng.randint(0, got), rng.randint(0, before)
    rows += _group(rng, "handled_total", list(_ANSWERS), _parts(rng, handled, handled_before, len(_ANSWERS)), style)
    fee = rng.choice([0, 0, 0, rng.randint(1, 500)])
    recon, litig = rng.choice([0, 0, rng.randint(1, 9)]), rng.choice([0, 0, rng.randint(1, 5)])
    recon_b, litig_b = rng.randint(0, 20), rng.randint(0, 9)
    tail = [("fees_combined", _label(rng, BY_KEY["fees_combined"]), (fee, fee + rng.randint(0, 900)))]
    if rng.random() < 0.5:  # 接受行政诉讼、举报数 joins litigation and complaints
        extra = rng.choice([0, 0, rng.randint(1, 4)])
        tail.append(("litigation_complaints", _label(rng, BY_KEY["litigation_complaints"]),
                     (litig + extra, litig + extra + litig_b + rng.randint(0, 5))))
    else:
        c = rng.choice([0, 0, rng.randint(1, 4)])
        tail.append(("complaints", _label(rng, BY_KEY["complaints"]), (c, c + rng.randint(0, 9))))
    tail += [("reconsideration_total", "行政复议数", (recon, recon + recon_b)),
             ("litigation_total", "行政诉讼数", (litig, litig + litig_b))]
    rng.shuffle(tail)
    return rows + tail


def random_table(rng: random.Random, ncols: int | None = None, blanks: bool | None = None,
                 scale: int | None = None) -> LegacyTable:
    """A table whose every identity holds, in one or two number columns, with or without blank cells."""
    ncols = ncols or rng.choice([1, 2])
    blanks = rng.random() < 0.4 if blanks is None else blanks
    year = rng.randint(2009, 2017)
    heads = (rng.choice(["本年度", f"{year}年度"]), "历年累计")[:ncols]
    t = LegacyTable(year, (THIS_YEAR, "cumulative")[:ncols], heads)
    empty_cumulative = ncols == 2 and rng.random() < 0.1  # a 历年累计 column the report left empty
    for key, label, (v, cum) in _drawn(rng, scale or rng.choice([9, 99, 3000, 90000])):
        cells: list[int | None] = [v, None if empty_cumulative else cum][:ncols]
        if blanks:
            cells = [None if x == 0 and rng.random() < 0.5 else x for x in cells]
        t.rows.append(Printed(key, label, BY_KEY[key].unit, cells))
    return t


# ---- rendering


def _cells(t: LegacyTable) -> list[list[str]]:
    head = ["指标名称", "计量单位", *t.heads]
    return [head] + [[r.label, r.unit, *("" if c is None else str(c) for c in r.cells)] for r in t.rows]


def render_table(t: LegacyTable, layout: str) -> str:
    lines = _cells(t)
    if layout == "pipes":
        return "\n".join(" | ".join(line) for line in lines)
    if layout == "cell_per_line":
        return "\n|\n".join(c for line in lines for c in line)
    if layout == "spaces":
        return " ".join(c for line in lines for c in line if c)
    if layout == "run_together":
        return "".join(c for line in lines for c in line)
    if layout == "html":
        body = "".join("<tr>" + "".join(f"<td>{c or '&nbsp;'}</td>" for c in line) + "</tr>" for line in lines)
        return f"<table border='1'>{body}</table>"
    raise ValueError(f"unknown layout {layout!r}")


def _prose(t: LegacyTable, witnesses: bool, body: str) -> tuple[str, str, dict[str, int]]:
    stated: dict[str, int] = {}
    proactive = f"{t.year}年，{body}通过政府网站、政府公报等渠道主动公开政府信息。"
    requests = "依申请公开工作按规定程序办理。"
    if witnesses:
        this = t.columns.index(THIS_YEAR)
        total = t.row("proactive_total").cells[this] or 0
        got = t.row("received").cells[this] or 0
        proactive = f"{t.year}年，{body}全年共主动公开政府信息{total}条。"
        requests = f"全年共受理政府信息公开申请{got}件。" if got else "全年未收到政府信息公开申请。"
        stated = {"proactive.total": total, "requests.received": got}
    return proactive, requests, stated


def render_report(t: LegacyTable, layout: str, witnesses: bool = False, body: str = "某县人民政府"
                  ) -> tuple[str, str, dict[str, Any]]:
    """(text, suffix, gold): a minimal legacy-table report; suffix is '.html' for the html layout; the gold has
    the table's fields, and the ones the prose states."""
    proactive, requests, stated = _prose(t, witnesses, body)
    paras = [f"{body}{t.year}年政府信息公开工作年度报告",
             "一、概述", f"{t.year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政府信息公开工作，"
             "全年召开政府信息公开工作会议2次。",
             "二、主动公开政府信息情况", proactive, "三、依申请公开政府信息情况", requests,
             "四、政府信息公开的收费及减免情况", "依申请提供政府信息的收费及减免情况见附表。",
             "五、因政府信息公开申请提起行政复议、行政诉讼的情况", "行政复议、行政诉讼情况见附表。",
             "六、存在的主要问题和改进措施", "一是公开内容不够全面；二是更新不够及时。",
             f"附表：{body}{t.year}年政府信息公开情况统计表"]
    table = render_table(t, layout)
    gold: dict[str, Any] = {**t.gold(), **stated, "meta.format": "legacy_table"}
    if layout == "html":
        return "<html><body>" + "".join(f"<p>{p}</p>" for p in paras) + table + "</body></html>", ".html", gold
    return "\n\n".join(paras) + "\n" + table + "\n", ".txt", gold


def judge(gold: dict[str, Any], fields: dict[str, Any]) -> dict[str, str]:
    """path -> exact | ambiguous | wrong, for each gold field and each table value the gold does not have (a value
    read from the table that the table does not state is wrong). `ambiguous`: null and in review (an ambiguous cut,
    or a table no reader read). `fields`: path -> a result with `value`, `status`, `method` (reconcile's FieldResult)."""
    out = {}
    for p, want in gold.items():
        f = fields.get(p)
        got = None if f is None else f.value
        if got is None and f is not None and f.status in ("ambiguous", "unread"):
            out[p] = "ambiguous"
        elif got == want and not (f is not None and f.status == "conflict"):
            out[p] = "exact"
        else:
            out[p] = "wrong"
    for p, f in fields.items():
        if p not in gold and f.method == "table" and f.value is not None:
            out[p] = "wrong"
    return out
