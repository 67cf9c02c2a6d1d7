"""One file to a `Document`: read the bytes, decode them, render HTML (sniffed by suffix or content) to text."""

from __future__ import annotations

import hashlib
import os

from extractor.core.document import Document
from extractor.core.errors import IngestError
from extractor.ingest.decode import decode_noted
from extractor.ingest.html import html_to_text
from extractor.ingest.inputs import HTML_SUFFIXES, MAX_BYTES


def _is_html(path: str, text: str) -> bool:
    if os.path.splitext(path)[1].lower() in HTML_SUFFIXES:
        return True
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head


def load(path: str) -> Document:
    """Read one file into a Document, or raise IngestError with a one-line reason."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise IngestError(f"file too large ({size} bytes, limit {MAX_BYTES})")
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except IsADirectoryError:
        raise IngestError("is a directory") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    text, encoding, notes = decode_noted(data)
    media = "text"
    if _is_html(path, text):
        text, media = html_to_text(text), "html"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError("no text in file")
    digest = hashlib.sha256(data).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding=encoding, media_type=media, original=text,
                    notes=notes)


def from_text(text: str, path: str = "<text>") -> Document:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding="utf-8", media_type="text", original=text)
