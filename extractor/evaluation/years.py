"""Synthetic bodies over consecutive years, for the checks across reports: what ties one year to the next holds,
except where a break is planted.

Each body gets a report per year (the 2019 template for 2019-2020, the 2021 one after), written with `synth`'s
tables and `synth_table2`'s table 二 in a layout drawn per year (run-together now and then, so that cuts are left
ambiguous), the body's name printed in one of its variants (人民政府, 政府). From one year to the next:

- table 三's 上年结转 is the year before's 结转下年度继续办理, per column (`random_tables(carried_in=…)`);
- 2021 table 二: 现行有效件数 = the year before's + 本年制发件数 − 本年废止件数;
- 2019 table 二: 上一年项目数量 = the year before's + its 本年增/减.

A planted break (`Planted`) changes one year's 上年结转 in one column (the report stays consistent in itself: its
new requests make up the difference), which the checks must find as `carry:<column>` and `carry:total`; a planted
recount changes one year's 现行有效件数, which the checks must count as a witness's disagreement and never flag.
For the checks' tests and figures only, never a substitute for real gold.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any

from extractor.template.legacy import BY_KEY, CUMULATIVE, THIS_YEAR
from extractor.template.legacy_synth import LegacyTable, Printed
from extractor.template.legacy_synth import render_report as render_legacy
from extractor.template.spec import REQUESTS, TABLE2
from extractor.template.synth import Tables, random_tables, render_report
from extractor.template.synth_table2 import Table2, random_table2, render_table2

BODIES = (("清河县", ("人民政府", "政府")), ("临江市", ("人民政府", "政府")), ("白沙镇", ("人民政府",)),
          ("东湖区", ("人民政府", "政府")), ("南山县", ("人民政府",)), ("平原市", ("人民政府", "政府")))
CARRY, RECOUNT = "carry", "recount"
_MORE = "甲乙丙丁戊己庚辛壬癸"  # bodies past the list are other places: 甲清河县, 乙清河县, …


def place_of(index: int) -> tuple[str, tuple[str, ...]]:
    """Body `index`'s place and the suffixes its name is printed with (distinct places for distinct indexes)."""
    place, suffixes = BODIES[index % len(BODIES)]
    lap = index // len(BODIES)
    if lap:
        place = _MORE[(lap - 1) % len(_MORE)] * ((lap - 1) // len(_MORE) + 1) + place
    return place, suffixes


@dataclass(frozen=True)
class Planted:
    body: str
    year: int  # the later year of the pair the break is between
    kind: str  # carry | recount
    identities: frozenset[str]  # what the checks must find failing between year-1 and year


@dataclass
class YearReport:
    name: str
    text: str
    suffix: str
    place: str
    year: int
    version: str
    layout: str
    tables: Tables
    table2: Table2

    def carry_cells(self) -> dict[str, int]:
        """The true table 三 carry cells (field path -> value)."""
        return {p: v for p, v in self.tables.cells().items() if ".carried_" in p}


@dataclass
class Corpus:
    reports: list[YearReport] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)

    def truth(self) -> dict[tuple[str, str], int | float]:
        """(report name, field path) -> the true value of every table 三 carry cell and table 二 field."""
        return {(r.name, p): v for r in self.reports for p, v in {**r.carry_cells(), **r.table2.fields()}.items()}


def _version(year: int) -> str:
    return "2021" if year >= 2021 else "2019"


def _table2(rng: random.Random, version: str, before: Table2 | None, recount: bool) -> Table2:
    t = random_table2(rng, version)
    if before is None or before.version != version:
        return t
    if version == "2021":
        issued, repealed, _ = (int(x) for x in t.cells["normative"])
        prev = int(before.cells["normative"][2])
        repealed = min(repealed, prev + issued)
        in_force = prev + issued - repealed
        if recount:
            in_force += rng.choice([-1, 1]) * rng.randint(1, max(1, in_force // 3 or 1)) if in_force else rng.randint(1, 9)
        t.cells["normative"] = [issued, repealed, max(0, in_force)]
        return t
    for row in (r for r in TABLE2["2019"] if r.negative_cols):
        prev, change = (int(x) for x in before.cells[row.key][:2])
        now = prev + change
        cells = list(t.cells[row.key])
        cells[0] = now
        cells[1] = rng.randint(-now, now + 9) if rng.random() < 0.6 else 0
        t.cells[row.key] = cells
    return t


def _carried_in(before: Tables | None) -> dict[str, int] | None:
    if before is None:
        return None
    cols = REQUESTS.field_columns()
    return {c: v for c, v in zip(cols, before.requests["carried_forward"], strict=True) if c != "total"}


def body_years(rng: random.Random, index: int, first: int, years: int, breaks: dict[int, str],
               layouts: tuple[str, ...], seed: int = 0) -> Corpus:
    """One body's reports for `years` consecutive years from `first`; `breaks`: year -> carry | recount."""
    place, suffixes = place_of(index)
    out = Corpus()
    tables: Tables | None = None
    t2: Table2 | None = None
    for year in range(first, first + years):
        version = _version(year)
        kind = breaks.get(year)
        carried = _carried_in(tables)
        if kind == CARRY and carried is not None:
            col = rng.choice(sorted(carried))
            carried[col] += rng.randint(1, 9)
            out.planted.append(Planted(place, year, CARRY, frozenset({f"carry:{col}", "carry:total"})))
        tables = random_tables(rng, version, density=rng.choice([0.3, 0.6]), carried_in=carried)
        recount = kind == RECOUNT and t2 is not None and t2.version == version == "2021"
        t2 = _table2(rng, version, t2, recount)
        if recount:
            out.planted.append(Planted(place, year, RECOUNT, frozenset({"in_force"})))
        layout = rng.choice(layouts)
        body = place + rng.choice(suffixes)
        text, suffix = render_report(tables, layout, body=body, table2=render_table2(t2, _t2_layout(layout)),
                                     year=year)
        name = f"years_{seed}_{index:03d}_{year}_{layout}"
        out.reports.append(YearReport(name, text, suffix, place, year, version, layout, tables, t2))
    return out


def _t2_layout(layout: str) -> str:
    return layout if layout in ("pipes", "spaces", "cell_per_line", "run_together", "html") else "pipes"


def corpus(seed: int = 0, bodies: int = 4, years: int = 5, first: int = 2019, carry_breaks: int = 1,
           recounts: int = 1, layouts: tuple[str, ...] = ("pipes", "pipes", "spaces", "run_together")) -> Corpus:
    """`bodies` bodies over `years` years each; `carry_breaks` and `recounts` planted per body in years drawn among
    the second to the last (a recount only where two 2021-template years meet)."""
    rng = random.Random(seed)
    out = Corpus()
    for i in range(bodies):
        later = list(range(first + 1, first + years))
        rng.shuffle(later)
        breaks = {y: CARRY for y in later[:carry_breaks]}
        for y in [y for y in later[carry_breaks:] if y - 1 >= 2021][:recounts]:
            breaks[y] = RECOUNT
        one = body_years(rng, i, first, years, breaks, layouts, seed)
        out.reports += one.reports
        out.planted += one.planted
    return out


def write(c: Corpus, out_dir: str) -> list[str]:
    """The corpus's reports under OUT (one file each); returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for r in c.reports:
        p = os.path.join(out_dir, r.name + r.suffix)
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(r.text)
        paths.append(p)
    return paths


# ---- synthetic neighbours of real reports: the year before or after, tied to what the real report states


def _ints(cells: dict[str, Any], row: str) -> dict[str, int] | None:
    """The drawn columns of a table 三 row as the real report states them; None unless every one is a number."""
    out = {}
    for c in REQUESTS.field_columns():
        v = cells.get(REQUESTS.path(row, c))
        if c == "total":
            continue
        if not isinstance(v, int) or isinstance(v, bool):
            return None
        out[c] = v
    return out


def standard_neighbour(rng: random.Random, year: int, body: str, before: dict[str, Any] | None = None,
                       after: dict[str, Any] | None = None, layout: str = "pipes") -> tuple[str, Tables, Table2]:
    """(text, tables, table 二) of a report of `year` whose carry-over continues `before` (the real report of
    year-1: its field values and its cells that are no field, as `rules.beyond` names them) and leads into `after`
    (the real report of year+1); its table 二 continues `before`'s documents in force or items."""
    version = _version(year)
    tables = random_tables(rng, version, density=0.3, carried_in=_ints(before or {}, "carried_forward"),
                           carried_out=_ints(after or {}, "carried_over_in"))
    t2 = random_table2(rng, version)
    prev = (before or {}).get("proactive.normative_documents_in_force")
    if version == "2021" and isinstance(prev, int):
        issued, repealed, _ = (int(x) for x in t2.cells["normative"])
        repealed = min(repealed, prev + issued)
        t2.cells["normative"] = [issued, repealed, prev + issued - repealed]
    for row in (r for r in TABLE2["2019"] if r.negative_cols and version == "2019"):
        p, ch = (before or {}).get(f"table2.{row.key}.previous"), (before or {}).get(f"table2.{row.key}.change")
        if isinstance(p, int) and isinstance(ch, int):
            now = p + ch
            t2.cells[row.key] = [now, rng.randint(-now, now + 9) if rng.random() < 0.6 else 0, *t2.cells[row.key][2:]]
    text, _ = render_report(tables, layout, body=body, table2=render_table2(t2, layout), year=year)
    return text, tables, t2


def _plain(printed: set[str]) -> list[str]:
    """The rows of a table printing `printed` that are one field, listed under no total, with no part printed."""
    parents = {BY_KEY[k].parent for k in printed}
    return sorted(k for k in printed if len(BY_KEY[k].fields) == 1 and BY_KEY[k].parent is None and k not in parents)


def _legacy_cells(t: LegacyTable) -> dict[str, int]:
    out = {}
    for r in t.rows:
        for col, v in zip(t.columns, r.cells, strict=True):
            if isinstance(v, int):
                out[f"legacy.{r.key}.{col}"] = v
    return out


def legacy_neighbour(rng: random.Random, year: int, body: str, before: dict[str, Any], break_row: str | None = None
                     ) -> tuple[str, dict[str, int]]:
    """(text, its cells as `before` names them) of a 统计表 report of `year` after a real one whose cells `before` holds
    (`legacy.<row>.this_year` / `.cumulative`): this year's numbers are the year before's times k (so its parts still
    sum to their totals) and each 历年累计 is the year before's plus this year's; `break_row`: that row's 历年累计 is
    off by a few (a planted break)."""
    k = rng.choice([1, 2])
    t = LegacyTable(year, (THIS_YEAR, CUMULATIVE), ("本年度", "历年累计"))
    cumulative: dict[str, int] = {}
    for key, row in BY_KEY.items():
        this, cum = before.get(f"legacy.{key}.{THIS_YEAR}"), before.get(f"legacy.{key}.{CUMULATIVE}")
        if not isinstance(this, int) or not isinstance(cum, int):
            continue
        now = this * k
        cumulative[key] = cum + now + (rng.randint(1, 9) if key == break_row else 0)
        t.rows.append(Printed(key, row.variants[0] if row.variants else row.label, row.unit, [now, cumulative[key]]))
    text, _, _ = render_legacy(t, "pipes", body=body)
    return text, _legacy_cells(t)


def legacy_years(rng: random.Random, index: int, first: int, years: int, break_year: int | None = None,
                 seed: int = 0) -> Corpus:
    """One body's 统计表 reports for `years` consecutive years from `first` (two number columns, no blanks), each
    历年累计 the year before's plus this year's; in `break_year` one row with no parts under it is off (a planted
    break the checks must find as `cumulative:<row>`)."""
    from extractor.template.legacy_synth import random_table

    place, suffixes = place_of(index)
    out = Corpus()
    t = random_table(rng, ncols=2, blanks=False)
    while not any(r.cells[1] is not None for r in t.rows):  # a 历年累计 column left empty ties no year to the next
        t = random_table(rng, ncols=2, blanks=False)
    t.year = first
    before: dict[str, int] = {}
    for year in range(first, first + years):
        body = place + rng.choice(suffixes)
        if year == first:
            text = render_legacy(t, "pipes", body=body)[0]
            before = _legacy_cells(t)
        else:
            row = None
            if year == break_year:
                row = rng.choice(_plain({k.split(".")[1] for k in before}))
                out.planted.append(Planted(place, year, "cumulative", frozenset({f"cumulative:{row}"})))
            text, before = legacy_neighbour(rng, year, body, before, row)
        name = f"legacy_{seed}_{index:03d}_{year}"
        out.reports.append(YearReport(name, text, ".txt", place, year, "legacy", "pipes", Tables("2021", {}, {}),
                                      Table2("2021", {})))
    return out
