"""Table 二 of the national template (主动公开政府信息情况): a few rows of one to three cells (`spec.TABLE2`).

Each row's numbers are read right after its label; when fewer than 60% of the rows have numbers there, the text
is a PDF stream (labels first, numbers later) and the numbers are taken sub-table by sub-table, row or column
order settled only when the order table 三 was read in is also the only plausible one.

A row run together (`规范性文件1230417`, `行政处罚1932-27412`) is cut by the template's only rules (a multi-digit
cell never starts with 0; `-` only in the 2019 本年增/减 column), which usually leave several readings. The prose
witnesses (`witness`) then pick: only a reading consistent with every witness of the row's cells stands. One
reading standing: its cells are read (`settled by witness`); several: the cells they disagree on are null,
`ambiguous_split`, every standing reading an alternative; none (the prose contradicts every reading, or its
witnesses disagree): nothing is taken from the prose, and a value the prose contradicts is kept with the
prose's number beside it, which reconcile flags (`source_disagrees`). A witness that agrees with the value read
raises its confidence. How each row was settled is in its candidates' notes (`settled by …`), counted over a
gold set by `eval/layouts_table2.py --settled`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache

from extractor.core.candidates import Candidate
from extractor.rules.common import Context
from extractor.template.cells import RowSplit, TooManySplits, split_row, token_cell, tokenize
from extractor.template.compact import Compact, orders, stream_blocks, value_run
from extractor.template.emit import ambiguous, cell_candidate, unsettled
from extractor.template.grid import Table2Row
from extractor.template.spec import TABLE2, TABLE2_HEAD, TABLE2_LEAD, UNIT_HEAD
from extractor.template.witness import Witness
from extractor.template.witness import find as find_witnesses
from extractor.text.numbers import values_equal

MAX_READINGS = 400  # a run of three cells of up to 9 digits has at most C(26, 2) = 325 readings: all are listed
Found = list[tuple[Table2Row, int, int]]  # (row, compact start of its label, compact end)
Reads = dict[str, tuple[list[RowSplit], str]]  # row -> (its possible readings, how they were read)
# how they were read: `cells` (one number per cell), `cut` (a run cut into cells), `stream` / `stream-<order>`


@cache
def _label(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _plausible(row: Table2Row, cells: RowSplit, version: str) -> bool:
    """2021: documents in force include those issued this year (现行有效 >= 本年制发)."""
    if version == "2021" and row.ncells == 3:
        issued, repealed, in_force = (c.value for c in cells)
        if issued is not None and repealed is not None and in_force is not None:
            return in_force >= issued
    return True


def _find(ct: Compact, version: str, start: int, end: int) -> Found:
    found: Found = []
    pos = start
    for row in TABLE2[version]:
        m = _label(row.pattern).search(ct.text, pos, end)
        if m:
            found.append((row, m.start(), m.end()))
            pos = m.end()
    return found


def _by_rows(ct: Compact, found: Found, end: int) -> Reads:
    reads: Reads = {}
    for i, (row, _s, e) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else end
        run, at = value_run(ct, e, stop)
        toks = tokenize(run, at)
        if toks:
            try:
                splits = split_row(toks, row.ncells, max_solutions=MAX_READINGS, negative_cols=row.negative_cols)
                reads[row.key] = (splits, "cells" if len(toks) == row.ncells else "cut")
            except TooManySplits:
                reads[row.key] = ([], "unsettled")
    return reads


def _by_stream(ct: Compact, found: Found, start: int, end: int, version: str, prefer: str | None) -> Reads:
    reads: Reads = {}
    toks = [t for b in stream_blocks(ct, start, end) for t in b]
    if len(toks) != sum(r.ncells for r, _s, _e in found):
        return reads
    i = 0
    for _g, grp in itertools.groupby(found, key=lambda x: x[0].group):
        grp_rows = [r for r, _s, _e in grp]
        n = grp_rows[0].ncells if len({r.ncells for r in grp_rows}) == 1 else None
        size = sum(r.ncells for r in grp_rows)
        block = toks[i : i + size]
        i += size
        if n is None or len(grp_rows) == 1 or n == 1:
            j = 0
            for r in grp_rows:
                reads[r.key] = ([tuple(token_cell(t) for t in block[j : j + r.ncells])], "stream")
                j += r.ncells
            continue
        by_order = dict(orders(block, n))
        ok = {name: rs for name, rs in by_order.items()
              if all(_plausible(r, cells, version) for r, cells in zip(grp_rows, rs, strict=True))}
        # row or column order: taken only when the order table 三 was read in is also the only
        # plausible one; otherwise every reading is kept for review
        if prefer in ok and len(ok) == 1:
            for r, cells in zip(grp_rows, ok[prefer], strict=True):
                reads[r.key] = ([cells], "stream-" + prefer)
        else:
            for k, r in enumerate(grp_rows):
                reads[r.key] = (list(dict.fromkeys(rs[k] for rs in by_order.values())), "stream")
    return reads


@dataclass
class Settled:
    """A row's readings once the witnesses are heard: those still standing, and how the reading was settled."""

    standing: list[RowSplit]
    by: str  # cells | template | witness | witness (partly) | ambiguous | contradicted | unsettled | stream…
    rules: list[str] = field(default_factory=list)  # the witnesses' rules that settled or agreed
    agree: dict[int, list[Witness]] = field(default_factory=dict)  # cell -> witnesses of the value kept
    against: dict[int, list[Witness]] = field(default_factory=dict)  # cell -> witnesses no reading agrees with


def _fits(split: RowSplit, wit: dict[int, list[Witness]]) -> bool:
    return all(i < len(split) and split[i].value is not None and values_equal(split[i].value, w.value)
               for i, ws in wit.items() for w in ws)


def settle(row: Table2Row, splits: list[RowSplit], how: str, witnesses: dict[str, list[Witness]]) -> Settled:
    """Only a reading consistent with every witness of the row's cells stands (none: the witnesses are set aside)."""
    if how == "unsettled":
        return Settled([], "unsettled")
    wit = {i: witnesses[p] for i, p in row.fields.items() if witnesses.get(p)}
    base = {"cells": "cells", "cut": "template"}.get(how, how) if len(splits) == 1 else "ambiguous"
    if not wit:
        return Settled(splits, base)
    rules = sorted({w.rule for ws in wit.values() for w in ws})
    standing = [s for s in splits if _fits(s, wit)]
    if not standing:
        against = {i: [w for w in ws if not any(values_equal(s[i].value, w.value) for s in splits)]
                   for i, ws in wit.items()}
        return Settled(splits, "contradicted", rules, against={i: ws for i, ws in against.items() if ws})
    agree = {i: ws for i, ws in wit.items()}
    if len(standing) == len(splits):  # every reading agrees with the witnesses: they settle nothing
        return Settled(splits, base, rules if base != "ambiguous" else [], agree)
    return Settled(standing, "witness" if len(standing) == 1 else "witness (partly)", rules, agree)


def _note(row: Table2Row, how: str, st: Settled) -> str:
    by = st.by + (": " + ", ".join(st.rules) if st.rules else "")
    return f"table 二 {row.key} ({how}; settled by {by})"


def _witness(w: Witness) -> Candidate:
    """What the prose says, beside a printed value it contradicts: reconcile flags the two (`source_disagrees`)."""
    return Candidate(path=w.path, value=w.value, evidence=w.evidence, span=w.span, method="sentence", confidence=0.8,
                     note=f"table 二 witness: {w.rule}")


def _emit_row(ctx: Context, ct: Compact, row: Table2Row, splits: list[RowSplit], how: str, st: Settled,
              unit: re.Match[str] | None) -> list[Candidate]:
    out: list[Candidate] = []
    base = 0.9 if how in ("cells", "cut") else 0.8
    label = _note(row, how, st)
    if how == "unsettled":
        return [unsettled(path, label) for path in row.fields.values()]
    for idx, path in row.fields.items():
        values = {s[idx].value for s in st.standing if idx < len(s)}
        if not values:
            continue
        if len(values) > 1:
            shown = " or ".join("|".join(str(c.value) for c in s) for s in st.standing[:6])
            out.append(ambiguous(ctx, ct, path, [s[idx] for s in st.standing], f"{label}: {shown}"))
            continue
        cell = st.standing[0][idx]
        conf = base
        if len({s[idx].value for s in splits if idx < len(s)}) > 1:
            conf -= 0.05  # the cut was chosen by the prose, not by the table's arithmetic
        if st.agree.get(idx):
            conf += 0.05
        prefix = unit.start() if (path.endswith("_yuan") and unit and unit.start() < (cell.start or 0)) else None
        c = cell_candidate(ctx, ct, path, cell, conf, label, prefix)
        if c:
            out += [c] + [_witness(w) for w in st.against.get(idx, [])]
    return out


def _skip(ct: Compact, start: int, end: int) -> tuple[int, int]:
    """The view range of table 二 (compact start to end), where no witness is looked for."""
    return ct.view_at[start], ct.view_at[max(start, end - 1)] + 1


@dataclass
class Table2Read:
    found: Found
    reads: Reads
    witnesses: dict[str, list[Witness]]
    unit: re.Match[str] | None


def _read(ctx: Context, ct: Compact, version: str | None, t3_start: int, prefer: str | None) -> Table2Read | None:
    if version is None:
        return None
    text = ct.text
    heads = [m for m in TABLE2_HEAD.finditer(text, 0, t3_start) if TABLE2_LEAD.search(text[m.end() : m.end() + 200])]
    if not heads:
        return None
    start, end = heads[-1].end(), t3_start
    found = _find(ct, version, start, end)
    if not found:
        return None
    reads = _by_rows(ct, found, end)
    if len(reads) < len(found) * 0.6:  # a PDF stream: labels first, numbers later
        reads = _by_stream(ct, found, start, end, version, prefer)
    witnesses = find_witnesses(ctx, _skip(ct, heads[-1].start(), end)) if reads else {}
    return Table2Read(found, reads, witnesses, UNIT_HEAD.search(text, start, end))


def read_table2(ctx: Context, ct: Compact, version: str | None, t3_start: int, prefer: str | None) -> list[Candidate]:
    """Candidates of table 二, between its heading and table 三 (`prefer`: the block order table 三 was read in)."""
    t = _read(ctx, ct, version, t3_start, prefer)
    if t is None:
        return []
    out: list[Candidate] = []
    for row, _s, _e in t.found:
        if row.key in t.reads:
            splits, how = t.reads[row.key]
            out += _emit_row(ctx, ct, row, splits, how, settle(row, splits, how, t.witnesses), t.unit)
    return out


def table2_cells(ctx: Context, ct: Compact, version: str | None, t3_start: int) -> dict[str, RowSplit]:
    """Every cell of the rows of table 二 read one way only (the cells that are no field too: 2019's 上一年项目数量
    and 本年增/减), by row key."""
    t = _read(ctx, ct, version, t3_start, None)
    if t is None:
        return {}
    out: dict[str, RowSplit] = {}
    for row, _s, _e in t.found:
        if row.key in t.reads:
            splits, how = t.reads[row.key]
            st = settle(row, splits, how, t.witnesses)
            if len(st.standing) == 1 and st.by != "contradicted":
                out[row.key] = st.standing[0]
    return out
