"""The text the template readers search: a *compact* copy of the body view, and what they take from it.

Whitespace between two non-digits is removed, so PDF line breaks inside a label do not matter; whitespace next
to a digit is kept, because it separates cells. Every compact offset maps back to the view. Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from extractor.template.cells import RowSplit, Token, token_cell


class ViewAt(Sequence[int]):
    """Compact index -> view index, held as stretches rather than one entry per character: from compact index
    `starts[k]` on (up to the next stretch) the view index is the compact index plus `shifts[k]`."""

    __slots__ = ("_n", "_shifts", "_starts")

    def __init__(self, starts: list[int], shifts: list[int], n: int) -> None:
        self._starts = starts
        self._shifts = shifts
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("compact index out of range")
        return i + self._shifts[bisect_right(self._starts, i) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """(self[start], self[end - 1] + 1): the view range of compact [start, end)."""
        n, starts, shifts = self._n, self._starts, self._shifts
        last = end - 1
        if start < 0:
            start += n
        if last < 0:
            last += n
        if not (0 <= start < n and 0 <= last < n):
            raise IndexError("compact index out of range")
        return start + shifts[bisect_right(starts, start) - 1], last + shifts[bisect_right(starts, last) - 1] + 1


@dataclass
class Compact:
    text: str
    view_at: ViewAt  # compact index -> view index
    view_text: str = ""  # the view text it was made from (where a line starts)

    def view_span(self, start: int, end: int) -> tuple[int, int]:
        return self.view_at.span(start, end)


_SPACE_RUN = re.compile(r"\s+")


def compact(view_text: str, start: int = 0, end: int | None = None) -> Compact:
    """Drop whitespace between two non-digits (so `(三)不\\n予公开` reads `(三)不予公开`)."""
    end = len(view_text) if end is None else end
    out: list[str] = []
    starts = [0]  # a stretch from each kept piece of text on: the view index is the compact one plus its shift
    shifts = [start]
    n = 0  # characters kept so far
    pos = start
    for m in _SPACE_RUN.finditer(view_text, start, end):
        i, j = m.span()
        out.append(view_text[pos:i])
        n += i - pos
        prev = view_text[i - 1] if i > start else ""
        nxt = view_text[j] if j < end else ""
        if prev.isdigit() or nxt.isdigit() or nxt == "-":
            out.append(" ")  # at view index i: the stretch from pos goes on
            n += 1
        pos = j
        starts.append(n)
        shifts.append(pos - n)
    out.append(view_text[pos:end])
    n += len(out[-1])
    return Compact("".join(out), ViewAt(starts, shifts, n), view_text)


NUMERIC_RUN = re.compile(r"[\d\s|.,\-]*")
STANDALONE = re.compile(r"(?<![^\s|])-?\d+(?:\.\d+)?(?![^\s|])")


def value_run(ct: Compact, start: int, stop: int) -> tuple[str, int]:
    """The numbers right after a label: (run text, compact start), cut before the next label."""
    m = NUMERIC_RUN.match(ct.text, start, stop)
    run = m.group(0) if m else ""
    run = re.sub(r"\d{1,2}\s?[.、]\s?$", "", run) if re.search(r"[.、]\s?$", run) else run  # next row's "2."
    run = re.sub(r"[.\-,]+\s*$", "", run)
    return run, start


def find_labels(ct: Compact, rows: list[tuple[str, re.Pattern[str]]], start: int, end: int) -> list[tuple[str, int, int]]:
    """(row, compact start, compact end) for each row label found, searched in template order."""
    found: list[tuple[str, int, int]] = []
    pos = start
    for key, rx in rows:
        m = rx.search(ct.text, pos, end)
        if not m:
            continue
        found.append((key, m.start(), m.end()))
        pos = m.end()
    return found


def stream_blocks(ct: Compact, start: int, end: int) -> list[list[Token]]:
    """Standalone numbers between start and end, grouped into blocks of numbers with nothing between."""
    blocks: list[list[Token]] = []
    last_end = None
    for m in STANDALONE.finditer(ct.text, start, end):
        tok = Token(m.group(0), m.start(), m.end(), pinned=True)
        if last_end is not None and ct.text[last_end:m.start()].strip(" \t\n\r\f\v|") == "":
            blocks[-1].append(tok)
        else:
            blocks.append([tok])
        last_end = m.end()
    return blocks


def orders(block: list[Token], ncols: int) -> list[tuple[str, list[RowSplit]]]:
    """A block of numbers read as rows of `ncols` cells: row by row, and (several rows) column by column."""
    k = len(block) // ncols
    by_row = [tuple(token_cell(block[r * ncols + c]) for c in range(ncols)) for r in range(k)]
    out = [("row-major", by_row)]
    if k > 1 and ncols > 1:
        by_col = [tuple(token_cell(block[c * k + r]) for c in range(ncols)) for r in range(k)]
        out.append(("column-major", by_col))
    return out
