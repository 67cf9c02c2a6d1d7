"""What a crawler leaves: a CSV export with one report per record, and table cells joined by runs of carriage
returns.

**A crawler's CSV row.** A header line naming the columns (标题, 时间, 内容, 来源网站, 访问地址, …) and one record
(or a few) whose 内容/正文 cell holds the report. It is rendered as a crawler's header lines (`标题: …`,
`时间: …`, the other short cells) and then the report's text, so the title and the date a report does not repeat
are found where readers look for them, and the URLs and column names never read as the report's words.

**Cells joined by carriage returns.** Inside such a cell every table cell was one text node, and the crawler joined
the nodes with runs of `\\r`: a run of 3 between two cells of a row, 5 at a row's end, and each empty cell adds 3
(a run of 6 inside a row is one empty cell, 3k + 5 at a row's end is k empty cells). One or two `\\r` break a
paragraph. The runs become the ` | ` cells and row lines every table reader takes, empty cells kept empty (a
blank cell is null, not 0). Runs that fit neither pattern are line breaks.
"""

from __future__ import annotations

import csv
import io
import re

CONTENT_COLUMNS = ("内容", "正文", "content", "Content", "text")
HEADER_COLUMNS = ("标题", "title", "Title")
_CR_RUN = re.compile(r"\r{3,}")
SHORT_CELL = 120  # longer cells (other than the content) are not header material


def _cr(m: re.Match[str]) -> str:
    n = len(m.group())
    if n % 3 == 0:
        return " | " * (n // 3)  # between two cells, with n/3 - 1 empty ones
    if (n - 5) % 3 == 0:
        return " | " * ((n - 5) // 3) + "\n"  # a row's end after k empty cells
    return "\n"


# A section heading (四、…) is never a cell: the run before it ended the table, whatever its length said.
_HEADING_CELL = re.compile(r"(?: \| ?)+(?=[一二三四五六七八九十]{1,2}、)")


def cr_cells(text: str) -> str:
    """Runs of three or more carriage returns as cells and rows (see the module's doc); other line ends kept."""
    if "\r\r\r" not in text:
        return text
    return _HEADING_CELL.sub("\n", _CR_RUN.sub(_cr, text.replace("\r\n", "\n")))


def _header(first_line: str) -> list[str] | None:
    try:
        cols = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return None
    cols = [c.strip().lstrip("\ufeff") for c in cols]
    if len(cols) >= 3 and any(c in CONTENT_COLUMNS for c in cols) and any(c in HEADER_COLUMNS for c in cols):
        return cols
    return None


def is_csv_row(text: str) -> bool:
    """A crawler's CSV export: a header line naming a title column and a content column, then records."""
    first = text.split("\n", 1)[0].rstrip("\r")
    return len(first) < 400 and _header(first) is not None


def render_csv(text: str) -> str:
    """The records as header lines and the report's text (see the module's doc); what cannot be parsed as CSV is
    returned as it was."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return text
    if not rows or _header(text.split("\n", 1)[0].rstrip("\r")) is None:
        return text
    cols = [c.strip().lstrip("\ufeff") for c in rows[0]]
    out = []
    for row in rows[1:]:
        cells = dict(zip(cols, row, strict=False))
        content = next((cells[c] for c in CONTENT_COLUMNS if c in cells and cells[c].strip()), "")
        head = [f"{c}: {v.strip()}" for c, v in cells.items()
                if c not in CONTENT_COLUMNS and v.strip() and len(v) <= SHORT_CELL]
        out.append("\n".join(head) + "\n\n" + cr_cells(content).strip("\r\n") + "\n")
    return "\n".join(out) if out else text
