"""The text the template readers search: a *compact* copy of the body view, and what they take from it.

Whitespace between two non-digits is removed, so PDF line breaks inside a label do not matter; whitespace next
to a digit is kept, because it separates cells. Every compact offset maps back to the view. Pure: no I/O.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

from extractor.template.cells import RowSplit, Token, token_cell


@dataclass
class Compact:
    text: str
    view_at: array[int]  # compact index -> view index
    view_text: str = ""  # the view text it was made from (where a line starts)

    def view_span(self, start: int, end: int) -> tuple[int, int]:
        return self.view_at[start], self.view_at[end - 1] + 1


_SPACE_RUN = re.compile(r"\s+")


def compact(view_text: str, start: int = 0, end: int | None = None) -> Compact:
    """Drop whitespace between two non-digits (so `(三)不\\n予公开` reads `(三)不予公开`)."""
    end = len(view_text) if end is None else end
    out: list[str] = []
    at: array[int] = array("l")
    pos = start
    for m in _SPACE_RUN.finditer(view_text, start, end):
        i, j = m.span()
        out.append(view_text[pos:i])
        at.extend(range(pos, i))
        prev = view_text[i - 1] if i > start else ""
        nxt = view_text[j] if j < end else ""
        if prev.isdigit() or nxt.isdigit() or nxt == "-":
            out.append(" ")
            at.append(i)
        pos = j
    out.append(view_text[pos:end])
    at.extend(range(pos, end))
    return Compact("".join(out), at, view_text)


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
