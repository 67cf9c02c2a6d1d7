"""One file to a `Document`: read the bytes; a PDF, Word file or image (sniffed by its signature, or by suffix) is
rendered by its reader (`pdf.py`, `docx.py`, `ocr.py`); anything else is decoded, and a crawler's CSV row or HTML
(sniffed by content, or by suffix for HTML) rendered to text, cells a crawler joined with carriage-return runs as
`|` cells."""

from __future__ import annotations

import hashlib
import os
import re

from extractor.core.document import Document
from extractor.core.errors import IngestError
from extractor.ingest.crawl import cr_cells, is_csv_row, render_csv
from extractor.ingest.decode import decode
from extractor.ingest.html import html_to_text, js_html
from extractor.ingest.inputs import (
    HTML_SUFFIXES,
    IMAGE_SUFFIXES,
    MAX_BINARY_BYTES,
    MAX_BYTES,
    OLD_WORD_SUFFIXES,
    PAGED_SUFFIXES,
)

_TAG = re.compile(r"</?(?:p|div|span|table|tr|td|th|br|font|strong|section|article|h[1-6])\b[^>]*>", re.I)
MIN_TAGS = 5  # a text with this many block or table tags (and few lines per tag) is markup, whatever its suffix


def _is_html(path: str, text: str) -> bool:
    """By suffix, by the document's own head, or by its markup: a `.txt` that holds a page's HTML."""
    if os.path.splitext(path)[1].lower() in HTML_SUFFIXES:
        return True
    head = text[:2000].lower()
    if "<html" in head or "<!doctype html" in head:
        return True
    tags = len(_TAG.findall(text, 0, 200_000))
    return tags >= MIN_TAGS and tags * 2 >= text.count("\n")


def _binary_kind(path: str, data: bytes) -> str | None:
    """"pdf", "docx", "image" or "word97" by the file's signature (then its suffix); None for text."""
    suffix = os.path.splitext(path)[1].lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04") and (suffix == ".docx" or b"word/" in data[:4096]):
        return "docx"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or suffix in IMAGE_SUFFIXES:
        return "image"
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix in OLD_WORD_SUFFIXES:
        return "word97"
    return None


def _binary(path: str, data: bytes, kind: str) -> Document:
    from extractor.ingest import docx, ocr, pdf

    if kind == "word97":
        raise IngestError("a Word 97-2003 or WPS document: convert it first (libreoffice --headless --convert-to docx)")
    if kind == "pdf":
        r = pdf.render_pdf(data)
    elif kind == "docx":
        r = docx.render_docx(data)
    else:
        r = ocr.render_image(data)
    if not r.text.strip():
        raise IngestError("; ".join(r.notes) if r.notes else f"no text in {kind} file")
    digest = hashlib.sha256(data).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding="binary", media_type=kind, original=r.text,
                    notes=tuple(r.notes), pages=r.pages, ocr_spans=r.ocr_spans)


def load(path: str) -> Document:
    """Read one file into a Document, or raise IngestError with a one-line reason."""
    try:
        size = os.path.getsize(path)
        binary = os.path.splitext(path)[1].lower() in PAGED_SUFFIXES | IMAGE_SUFFIXES
        limit = MAX_BINARY_BYTES if binary else MAX_BYTES
        if size > limit:
            raise IngestError(f"file too large ({size} bytes, limit {limit})")
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except IsADirectoryError:
        raise IngestError("is a directory") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    if (kind := _binary_kind(path, data)) is not None:
        return _binary(path, data, kind)
    decoded = decode(data)
    text, media = decoded.text, "text"
    if is_csv_row(text):
        text, media = render_csv(text), "csv"
    elif (markup := js_html(text)) is not None:
        text, media = html_to_text(markup), "html"  # a site's data file: the report in a JavaScript string
    elif _is_html(path, text):
        text, media = html_to_text(text), "html"
    else:
        text = cr_cells(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError("no text in file")
    digest = hashlib.sha256(data).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding=decoded.encoding, media_type=media,
                    original=text, notes=decoded.notes)


def from_text(text: str, path: str = "<text>") -> Document:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding="utf-8", media_type="text", original=text)
