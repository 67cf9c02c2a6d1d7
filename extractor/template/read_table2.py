"""Table 二 of the national template (主动公开政府信息情况): a few rows of one to three cells (`spec.TABLE2`).

Each row's numbers are read right after its label; when fewer than 60% of the rows have numbers there, the text
is a PDF stream (labels first, numbers later) and the numbers are taken sub-table by sub-table, row or column
order settled only when the order table 三 was read in is also the only plausible one.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from extractor.core.candidates import Candidate
from extractor.rules.common import Context
from extractor.template.cells import RowSplit, TooManySplits, split_row, token_cell, tokenize
from extractor.template.compact import Compact, orders, stream_blocks, value_run
from extractor.template.emit import ambiguous, cell_candidate
from extractor.template.grid import Table2Row
from extractor.template.spec import TABLE2, TABLE2_HEAD, TABLE2_LEAD, UNIT_HEAD

Found = list[tuple[Table2Row, int, int]]  # (row, compact start of its label, compact end)
Reads = dict[str, tuple[list[RowSplit], str]]  # row -> (its possible readings, how they were read)


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
                reads[row.key] = (split_row(toks, row.ncells, negative_cols=row.negative_cols), "row")
            except TooManySplits:
                continue
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


def _emit(ctx: Context, ct: Compact, found: Found, reads: Reads, unit: re.Match[str] | None) -> list[Candidate]:
    out: list[Candidate] = []
    for row, _s, _e in found:
        if row.key not in reads:
            continue
        splits, layout = reads[row.key]
        conf = 0.9 if layout == "row" else 0.8
        label = f"table 二 {row.key} ({layout})"
        for idx, path in row.fields.items():
            values = {s[idx].value for s in splits if idx < len(s)}
            if len(splits) == 1 or len(values) == 1:
                if not splits:
                    continue
                cell = splits[0][idx]
                prefix = unit.start() if (path.endswith("_yuan") and unit and unit.start() < (cell.start or 0)) else None
                c = cell_candidate(ctx, ct, path, cell, conf, label, prefix)
                if c:
                    out.append(c)
            elif splits:
                out.append(ambiguous(ctx, ct, path, [s[idx] for s in splits],
                                     label + ": " + " or ".join("|".join(str(c.value) for c in s) for s in splits[:6])))
    return out


def read_table2(ctx: Context, ct: Compact, version: str | None, t3_start: int, prefer: str | None) -> list[Candidate]:
    """Candidates of table 二, between its heading and table 三 (`prefer`: the block order table 三 was read in)."""
    if version is None:
        return []
    text = ct.text
    heads = [m for m in TABLE2_HEAD.finditer(text, 0, t3_start) if TABLE2_LEAD.search(text[m.end() : m.end() + 200])]
    if not heads:
        return []
    start, end = heads[-1].end(), t3_start
    found = _find(ct, version, start, end)
    if not found:
        return []
    reads = _by_rows(ct, found, end)
    if len(reads) < len(found) * 0.6:  # a PDF stream: labels first, numbers later
        reads = _by_stream(ct, found, start, end, version, prefer)
    return _emit(ctx, ct, found, reads, UNIT_HEAD.search(text, start, end))
