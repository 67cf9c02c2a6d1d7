"""A Word (.docx) file to text: its paragraphs and tables in document order, a line per paragraph and per table row,
cells joined with ` | ` (a merged cell once, in its first row and column, as the HTML and PDF readers print it; a
blank cell kept empty). No pages: a Word file has none until it is laid out, so its fields carry no page."""

from __future__ import annotations

import io
import re
from typing import Any

from extractor.core.errors import IngestError
from extractor.ingest.paged import Rendered

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(el: Any) -> str:
    """The text of a paragraph or cell element (runs, tabs and breaks), whitespace runs as one space."""
    parts = []
    for node in el.iter():
        if node.tag == _W + "t" and node.text:
            parts.append(node.text)
        elif node.tag in (_W + "tab", _W + "br", _W + "cr"):
            parts.append(" ")
        elif node.tag == _W + "p" and parts:
            parts.append("\n")
    return re.sub(r"[ \t\u3000\xa0]+", " ", "".join(parts)).strip()


def _cell(tc: Any) -> str:
    lines = [ln.strip() for ln in _text(tc).split("\n")]
    return "".join(ln for ln in lines if ln)  # a cell's paragraphs are one cell: wrapped words, not rows


def _table(tbl: Any) -> list[str]:
    out = []
    for tr in tbl.iterchildren(_W + "tr"):
        cells = []
        for tc in tr.iterchildren(_W + "tc"):
            pr = tc.find(_W + "tcPr")
            vm = pr.find(_W + "vMerge") if pr is not None else None
            if vm is not None and vm.get(_W + "val") in (None, "continue"):
                continue  # the rows a vertically merged cell covers below its first: printed once, above
            cells.append(_cell(tc))
        if any(cells):
            out.append(" | ".join(cells))
    return out


def render_docx(data: bytes) -> Rendered:
    try:
        import docx
    except ImportError:  # a dependency: only a broken install lacks it
        raise IngestError("cannot read .docx: python-docx is not installed (pip install python-docx)") from None
    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # a zip that is not a Word document, a damaged package
        raise IngestError(f"not a readable .docx ({type(exc).__name__})") from None
    lines: list[str] = []
    for el in body.iterchildren():
        if el.tag == _W + "p":
            lines.extend(ln for ln in (x.strip() for x in _text(el).split("\n")) if ln)
        elif el.tag == _W + "tbl":
            lines.extend(_table(el))
    return Rendered("".join(ln + "\n" for ln in lines), ())
