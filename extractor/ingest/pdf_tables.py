"""A page's glyphs and ruling lines to text lines: tables rebuilt from the rulings, everything else in reading order.

Pure geometry, shared by the PDF text layer (`pdf.py`) and OCR (`ocr.py`). Coordinates are PDF points with the
origin at the bottom left (y grows upwards). A table is a set of ruling segments that touch one another; its grid is
the distinct x of its vertical rulings and the distinct y of its horizontal ones; two grid cells with no ruling
between them are one merged cell. A table row is printed as one line, its cells joined with ` | `; a merged cell is
printed once, in the first row it covers (as the HTML reader prints a `rowspan`), and a row that starts under a
merged label continued from the page before starts with its own label; a blank cell is kept as an empty cell. Text outside the tables is grouped into visual lines (glyphs whose vertical middles agree), read top to bottom,
left to right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SNAP = 2.5  # points: rulings closer than this are one ruling; a glyph this far outside a table is outside it
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


@dataclass(frozen=True)
class Glyph:
    text: str
    left: float
    bottom: float
    right: float
    top: float
    conf: float = 1.0  # OCR's confidence in the text box the glyph came from (1 for a text layer)
    space: bool = False  # the text layer has a space before it

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


Box = tuple[float, float, float, float]  # left, bottom, right, top
Fill = Callable[[Box], list[Glyph]]  # OCR's second look at a table cell it found empty


@dataclass(frozen=True)
class Segment:
    """A ruling: horizontal (y0 == y1) or vertical (x0 == x1), x0 <= x1 and y0 <= y1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) < abs(self.x1 - self.x0)


@dataclass(frozen=True)
class Line:
    """A line of the page's text: where it sits (its top, for ordering) and the confidence of its weakest glyph."""

    top: float
    text: str
    conf: float = 1.0


def _touch(a: Segment, b: Segment) -> bool:
    return (a.x0 - SNAP <= b.x1 and b.x0 - SNAP <= a.x1 and a.y0 - SNAP <= b.y1 and b.y0 - SNAP <= a.y1)


def _groups(segs: list[Segment]) -> list[list[Segment]]:
    """The segments that touch, transitively (union-find over pairs: a page has at most a few hundred)."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(segs)):
        for j in range(i + 1, len(segs)):
            if _touch(segs[i], segs[j]):
                parent[find(i)] = find(j)
    out: dict[int, list[Segment]] = {}
    for i, s in enumerate(segs):
        out.setdefault(find(i), []).append(s)
    return sorted(out.values(), key=lambda g: -max(s.y1 for s in g))


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


class Grid:
    """One table: column edges `xs` (left to right), row edges `ys` (top to bottom), and its rulings."""

    def __init__(self, segs: list[Segment]) -> None:
        self.h = [s for s in segs if s.horizontal]
        self.v = [s for s in segs if not s.horizontal]
        # a table cut by the page's end may lack its closing ruling: the far ends of the other rulings stand in
        ends_x = [min(s.x0 for s in self.h), max(s.x1 for s in self.h)] if self.h and self.v else []
        ends_y = [min(s.y0 for s in self.v), max(s.y1 for s in self.v)] if self.h and self.v else []
        self.xs = _snap([s.x0 for s in self.v] + ends_x)
        self.ys = _snap([s.y0 for s in self.h] + ends_y)[::-1]

    @property
    def ok(self) -> bool:
        """Two cells or more: a frame ruled round a block (one cell, no ruling inside) is no table, and reading it
        as one would join its lines into one cell (rows run together: `821512规范性文件`); its lines stay lines."""
        return len(self.xs) >= 2 and len(self.ys) >= 2 and len(set(self.cells().values())) > 1

    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[-1], self.xs[-1], self.ys[0]

    def _ruled_v(self, x: float, y_lo: float, y_hi: float) -> bool:
        mid = (y_lo + y_hi) / 2
        return any(abs(s.x0 - x) <= SNAP and s.y0 - SNAP <= mid <= s.y1 + SNAP for s in self.v)

    def _ruled_h(self, y: float, x_lo: float, x_hi: float) -> bool:
        mid = (x_lo + x_hi) / 2
        return any(abs(s.y0 - y) <= SNAP and s.x0 - SNAP <= mid <= s.x1 + SNAP for s in self.h)

    def cells(self) -> dict[tuple[int, int], tuple[int, int]]:
        """Each grid cell (row, col) -> the top-left grid cell of the merged cell it belongs to."""
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        owner: dict[tuple[int, int], tuple[int, int]] = {}
        for r in range(nr):
            for c in range(nc):
                own = (r, c)
                if c > 0 and not self._ruled_v(self.xs[c], self.ys[r + 1], self.ys[r]):
                    own = owner[(r, c - 1)]
                elif r > 0 and not self._ruled_h(self.ys[r], self.xs[c], self.xs[c + 1]):
                    up = owner[(r - 1, c)]
                    if up[1] == c or owner.get((r, c - 1)) == up:
                        own = up
                owner[(r, c)] = own
        return owner

    def locate(self, g: Glyph) -> tuple[int, int] | None:
        if not (self.xs[0] - SNAP <= g.cx <= self.xs[-1] + SNAP and self.ys[-1] - SNAP <= g.cy <= self.ys[0] + SNAP):
            return None
        c = next((i for i in range(len(self.xs) - 1) if g.cx <= self.xs[i + 1]), len(self.xs) - 2)
        r = next((i for i in range(len(self.ys) - 1) if g.cy >= self.ys[i + 1]), len(self.ys) - 2)
        return r, c


def _join(parts: list[str]) -> str:
    """Lines of one cell (or words of one line) joined: nothing between two CJK characters, a space otherwise."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(p[0])):
            out += " "
        out += p
    return out


def visual_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into visual lines, top to bottom, each left to right."""
    lines: list[list[Glyph]] = []
    mids: list[float] = []
    for g in sorted(glyphs, key=lambda g: (-g.cy, g.left)):
        if lines and abs(g.cy - mids[-1]) < 0.45 * max(g.height, lines[-1][0].height):
            lines[-1].append(g)
            continue
        lines.append([g])
        mids.append(g.cy)
    return [sorted(ln, key=lambda g: g.left) for ln in lines]


def line_text(glyphs: list[Glyph]) -> str:
    """One visual line: a space where the text layer has one, or where the gap between two glyphs is a third of
    their height or more (a whole height between two CJK characters, which justified text spreads apart)."""
    out: list[str] = []
    prev: Glyph | None = None
    for g in glyphs:
        wide = 1.0 if _CJK.match(g.text) and _CJK.match(prev.text if prev else "") else 0.33  # justified CJK
        gap = prev is not None and (g.space or g.left - prev.right >= wide * min(g.height, prev.height))
        if gap and out[-1] != " ":
            out.append(" ")
        out.append(g.text)
        prev = g
    return "".join(out).strip()


def _cell_text(glyphs: list[Glyph]) -> str:
    return _join([line_text(ln) for ln in visual_lines(glyphs)])


def table_lines(grid: Grid, glyphs: list[Glyph], fill: Fill | None = None) -> list[Line]:
    """The table's rows, one line each: the merged cells that start in the row, joined with ` | `. With `fill`,
    every single (unmerged) cell left empty is looked at again (OCR misses a lone digit in a wide cell)."""
    owner = grid.cells()
    content: dict[tuple[int, int], list[Glyph]] = {}
    for g in glyphs:
        at = grid.locate(g)
        if at is not None:
            content.setdefault(owner[at], []).append(g)
    if fill is not None:
        merged = {own for at, own in owner.items() if at != own}
        for (r, c), own in owner.items():
            if own == (r, c) and own not in content and own not in merged:
                if found := fill((grid.xs[c], grid.ys[r + 1], grid.xs[c + 1], grid.ys[r])):
                    content[own] = found
    out: list[Line] = []
    for r in range(len(grid.ys) - 1):
        starts = sorted({own for (rr, _), own in owner.items() if rr == r and own[0] == r}, key=lambda o: o[1])
        if not starts:
            continue
        cells = [_cell_text(content.get(o, [])) for o in starts]
        if not any(cells):
            continue
        lead = next((i for i, c in enumerate(cells) if c), 0)
        if lead and _CJK.search(cells[lead]):
            del cells[:lead]  # a merged label continued from the page before: absent, as a rowspan's rows in HTML
        conf = min((g.conf for o in starts for g in content.get(o, [])), default=1.0)
        out.append(Line(grid.ys[r], " | ".join(cells), conf))
    return out


def page_lines(glyphs: list[Glyph], segs: list[Segment], fill: Fill | None = None) -> list[Line]:
    """A page as lines in reading order: tables (from their rulings) and the text around them, by height."""
    grids = [g for g in (Grid(grp) for grp in _groups(segs)) if g.ok]
    inside: list[list[Glyph]] = [[] for _ in grids]
    outside: list[Glyph] = []
    for g in glyphs:
        k = next((i for i, grid in enumerate(grids) if grid.locate(g) is not None), None)
        (outside if k is None else inside[k]).append(g)
    out = [Line(max(g.top for g in ln), line_text(ln), min(g.conf for g in ln)) for ln in visual_lines(outside)]
    for grid, gl in zip(grids, inside, strict=True):
        out.extend(table_lines(grid, gl, fill))
    return sorted((ln for ln in out if ln.text), key=lambda ln: -ln.top)
