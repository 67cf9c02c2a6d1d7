"""The old 统计表 in a report's text: its header (the number columns), its rows (found by their wording, `legacy`)
and each row's numbers as pieces for `template.legacy_cells`.

Works on a compact copy of the table's region (`template.compact`: no whitespace between non-digits, so a label
broken over lines still matches). Two kinds of layout:

- **`|` cells** (a row per line, or a cell per line with `|` on its own line; our HTML renderer's tables): the cells
  after a label are, in order, the header's columns (unit, then the number columns); a blank cell is kept;
- **spaces or nothing** between cells (`主动公开信息数 条 612 2087 其中:1.网站公开 …`, or
  `主动公开文件数条318762450其中:1、政府网站公开数条3187624502、…`): after the label and its unit, the digits up to
  the next label; the next row's ordinal glued to them (`…02、政府公报…` is `0` then `2、`) is cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extractor.template.compact import Compact
from extractor.template.legacy import (
    CUMULATIVE,
    HEAD_CUMULATIVE,
    HEAD_LABEL,
    HEAD_THIS_YEAR,
    HEAD_UNIT,
    ROWS,
    THIS_YEAR,
    UNIT,
    LegacyRow,
)
from extractor.template.legacy_cells import Piece

_PAREN = re.compile(r"(?:\s?\([^()]{0,80}\))+")  # (不同渠道和方式公开相同信息计1条), (元)
_VALUE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|无|—+|-|/"
_VALUE_RE = re.compile(_VALUE)
_PIPE_CELL = re.compile(rf"\s*(?P<v>{_VALUE})?\s*")
_RUN = re.compile(rf"(?:\s*(?:{_VALUE}))*")
_ORDINAL_END = re.compile(r"^\s*[、.)]")
_SPACE = re.compile(r"\s*")
_OWN_ORDINAL = re.compile(r"(?<![\d.])(\d{1,2})\s?[、.)]\s?$")


@dataclass
class Found:
    row: LegacyRow
    start: int  # compact offsets of the label
    end: int
    duplicate: bool = False  # the row was found before: a boundary, not read again


@dataclass
class Header:
    columns: tuple[str, ...]  # THIS_YEAR / CUMULATIVE, in the table's order
    unit_column: bool
    end: int  # compact offset where the header ends


@dataclass
class RowText:
    found: Found
    variants: list[list[Piece]] = field(default_factory=list)  # ways to read the row's numbers (ordinal cuts)
    unit: str | None = None
    pinned: bool = False  # `|` cells


@cache
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def header(ct: Compact, start: int, first_label: int) -> Header | None:
    """The header row before the first row label: its number columns (本年度 or 2015年度 / 历年累计) and whether it
    has a unit column."""
    m = HEAD_LABEL.search(ct.text, start, first_label)
    if not m:
        return None
    zone = ct.text[m.end():first_label]
    hits = [(x.start(), x.end(), col) for rx, col in ((HEAD_THIS_YEAR, THIS_YEAR), (HEAD_CUMULATIVE, CUMULATIVE))
            for x in [rx.search(zone)] if x]
    if not any(col == THIS_YEAR for _s, _e, col in hits):
        return None
    return Header(tuple(col for _s, _e, col in sorted(hits)), bool(HEAD_UNIT.search(zone)),
                  m.end() + max(e for _s, e, _c in hits))


def labels(ct: Compact, start: int, end: int) -> list[Found]:
    """Row labels in the region, left to right; where labels overlap the leftmost (then longest) wins, and a
    wording shared by rows under different totals (维持具体行政行为数) goes to the total found last."""
    cands = []
    for order, row in enumerate(ROWS):
        for m in _rx(row.pattern).finditer(ct.text, start, end):
            cands.append((m.start(), -(m.end() - m.start()), order, m.end(), row))
    cands.sort(key=lambda c: c[:3])
    found: list[Found] = []
    seen: dict[str, int] = {}
    pos = start
    for s, _neg, _order, e, row in cands:
        if s < pos:
            continue
        rivals = [c[4] for c in cands if c[0] == s and c[3] == e and c[4].pattern == row.pattern]
        if len(rivals) > 1:
            placed = [r for r in rivals if r.parent in seen]
            if not placed:
                continue
            row = max(placed, key=lambda r: seen[r.parent or ""])
        ext = _PAREN.match(ct.text, e, end)
        e2 = ext.end() if ext else e
        dup = row.key in seen
        found.append(Found(row, s, e2, duplicate=dup))
        if not dup:
            seen[row.key] = len(found)
        pos = e2
    return found


def pinned(ct: Compact, start: int, end: int) -> bool:
    return ct.text.count("|", start, end) >= 3


def _pipe_cell(piece: str, at: int) -> tuple[Piece | None, bool]:
    """(a `|` cell, whether text follows it): None when the piece is not a number, a blank or 无."""
    m = _PIPE_CELL.match(piece)
    assert m is not None
    v = m.group("v")
    rest = piece[m.end():]
    if rest and rest[0].isdigit() and not _ORDINAL_END.match(rest[len(rest) - len(rest.lstrip("0123456789")):]):
        return None, True  # two numbers in one cell: not a `|` layout we know
    if v and _ORDINAL_END.match(rest) and v.isdigit():
        v = ""  # `| 3.否决公开答复数`: the next row's ordinal after a blank cell, not a number
    if not v:
        return Piece("", at + m.start(), at + m.start(), whole=True), bool(rest)
    s = at + m.start("v")
    text = "0" if v == "无" else ("" if v[0] in "—-/" else v)
    return Piece(text, s, s + len(v), whole=True), bool(rest)


def pipe_row(ct: Compact, f: Found, stop: int, head: Header | None) -> RowText:
    """The cells after a label in a `|` layout, by the header's columns."""
    out = RowText(f, pinned=True)
    zone = ct.text[f.end:stop]
    pieces, pos = [], f.end
    for p in zone.split("|"):
        pieces.append((p, pos))
        pos += len(p) + 1
    if len(pieces) < 2 or any(ch.isdigit() for ch in pieces[0][0]):
        return out  # no cell after the label, or numbers inside the label's cell
    n = len(head.columns) if head else 1
    k = 1
    unit = pieces[1][0].strip()
    if head.unit_column if head else (UNIT.fullmatch(unit) or not unit):
        if any(ch.isdigit() for ch in unit):
            return out  # a number where the unit column is: the row's cells are not where the header says
        out.unit = unit or None
        k = 2
    cells: list[Piece] = []
    for p, at in pieces[k:k + n]:
        cell, more = _pipe_cell(p, at)
        if cell is None:
            return out
        cells.append(cell)
        if more:
            break
    while len(cells) < n:  # cells the row does not print: blank
        cells.append(Piece("", stop, stop, whole=True))
    out.variants = [cells]
    return out


def _ordinal_cuts(tok: re.Match[str], expected: int | None) -> list[tuple[str, int]]:
    """(what is left of the token, the ordinal cut off) for each way its end can be the next row's ordinal."""
    text = tok.group(0).strip()
    cuts = []
    for k in (1, 2):
        if len(text) < k or not text[-k:].isdigit() or text[-k] == "0":
            continue
        left = text[:-k]
        if left.endswith(".") or (left and not left[-1].isdigit()):
            continue
        cuts.append((left, int(text[-k:])))
    if expected is not None and any(o == expected for _, o in cuts):
        return [c for c in cuts if c[1] == expected]
    return cuts


def run_row(ct: Compact, f: Found, stop: int, expected: int | None) -> tuple[RowText, int | None]:
    """The numbers after a label and its unit, separated by spaces or by nothing; (the row, the next row's ordinal
    when it was glued to the numbers and is known)."""
    out = RowText(f)
    pos = f.end
    pos = _SPACE.match(ct.text, pos, stop).end()  # type: ignore[union-attr]
    u = UNIT.match(ct.text, pos, stop)
    if u and not _VALUE_RE.fullmatch(u.group(0)):
        out.unit = u.group(0)
        pos = u.end()
    run = _RUN.match(ct.text, pos, stop)
    assert run is not None
    toks = list(_VALUE_RE.finditer(ct.text, pos, run.end()))
    rest = ct.text[run.end():stop]
    base = [_piece(t) for t in toks]
    if toks and _ORDINAL_END.match(rest) and rest.strip()[:1] in "、.)" and toks[-1].end() == run.end() \
            and toks[-1].group(0)[0].isdigit():
        variants, ordinals = [], set()
        for left, ordinal in _ordinal_cuts(toks[-1], expected):
            last = [] if not left else [Piece(left, toks[-1].start(), toks[-1].start() + len(left))]
            variants.append(base[:-1] + last)
            ordinals.add(ordinal)
        out.variants = variants or [base]
        return out, (ordinals.pop() if len(ordinals) == 1 else None)
    out.variants = [base]
    own = _OWN_ORDINAL.search(rest)
    return out, (int(own.group(1)) if own else None)


def _piece(t: re.Match[str]) -> Piece:
    v = t.group(0)
    if v == "无":
        return Piece("0", t.start(), t.end(), whole=True)
    if v[0] in "—-/":
        return Piece("", t.start(), t.start(), whole=True)
    return Piece(v, t.start(), t.end(), whole="." in v or "," in v)


def expected_ordinal(prev: Found, nxt: Found, prev_ordinal: int | None) -> int | None:
    """The ordinal the label after this row is printed with, from the structure: the first part under a total is 1;
    after a row numbered k, k + 1 (1.参加或举办新闻发布会总次数 … 3.政策解读稿件发布数 4.微博微信…)."""
    if nxt.row.parent is not None and nxt.row.parent == prev.row.key:
        return 1
    return None if prev_ordinal is None else prev_ordinal + 1


def rows(ct: Compact, found: list[Found], end: int, head: Header | None, is_pinned: bool) -> list[RowText]:
    out: list[RowText] = []
    ordinal = None
    lead = _OWN_ORDINAL.search(ct.text, max(0, found[0].start - 4), found[0].start) if found else None
    if lead:
        ordinal = int(lead.group(1))
    for i, f in enumerate(found):
        stop = found[i + 1].start if i + 1 < len(found) else end
        if is_pinned:  # a `|` cell holds one number: the next row's ordinal is never glued to it
            out.append(pipe_row(ct, f, stop, head))
            continue
        expected = expected_ordinal(f, found[i + 1], ordinal) if i + 1 < len(found) else None
        row, ordinal = run_row(ct, f, stop, expected)
        out.append(row)
    return [r for r in out if not r.found.duplicate]

