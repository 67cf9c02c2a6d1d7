"""Ingest: files, directories and globs in; decoded `Document`s out.

Encodings: UTF-8 with or without BOM, UTF-16 (BOM or not), GB18030/GBK, Big5. HTML pages are
rendered to text with table cells kept apart (`|` between cells, one line per row), and script,
style and navigation dropped.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser

from .document import Document
from .errors import IngestError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
MAX_BYTES = 10 * 1024 * 1024  # a real report is well under 1 MB; a larger file is a crawl dump, not a report

_GENRE_TERMS = ("政府", "信息", "公开", "公開", "报告", "報告", "申请", "申請", "工作", "年度")


def enumerate_inputs(inputs: list[str]) -> Iterator[str]:
    """Yield report files lazily from paths, directories (recursively) and glob patterns, each once."""
    seen: set[str] = set()

    def emit(p: str) -> Iterator[str]:
        ap = os.path.abspath(p)
        if ap not in seen:
            seen.add(ap)
            yield p

    for item in inputs:
        if os.path.isdir(item):
            for root, dirs, files in os.walk(item):
                dirs.sort()
                for f in sorted(files):
                    if os.path.splitext(f)[1].lower() in TEXT_SUFFIXES | HTML_SUFFIXES:
                        yield from emit(os.path.join(root, f))
        elif os.path.exists(item):
            yield from emit(item)
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield from emit(item)  # reported as unreadable by load()
            for m in matches:
                if os.path.isfile(m):
                    yield from emit(m)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl > len(sample) * 0.05


def _genre_score(text: str) -> int:
    return sum(text.count(t) for t in _GENRE_TERMS)


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises IngestError for empty or binary input."""
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    # UTF-16 without a BOM: every other byte is NUL in the ASCII parts.
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        try:
            return data.decode("utf-16-le"), "utf-16-le"
        except UnicodeDecodeError:
            pass
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        try:
            return data.decode("utf-16-be"), "utf-16-be"
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        raise IngestError("binary file, not a text or HTML report")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[int, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_genre_score(text), enc, text))
    if candidates:
        candidates.sort(key=lambda c: (-c[0], c[1]))
        return candidates[0][2], candidates[0][1]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("cannot detect the text encoding")
    return str(best), best.encoding


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "iframe", "svg", "head", "template", "select", "button"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
             "table", "tbody", "thead", "tfoot", "title", "dd", "dt", "dl", "pre", "blockquote", "hr", "form"}
    CHROME = re.compile(r"(^|[-_ ])(nav|navbar|menu|breadcrumb|share|footer|header|crumb|sidebar|toolbar)([-_ ]|$)", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def _emit(self, s: str) -> None:
        if self.cell is not None:
            self.cell.append(s)
        else:
            self.out.append(s)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        chrome = bool(self.CHROME.search(f"{a.get('class') or ''} {a.get('id') or ''}")) and tag in (
            "div", "ul", "nav", "header", "footer", "section", "p", "span")
        skipping = tag in self.SKIP or chrome or tag in ("header", "footer")
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.stack.append((tag, skipping))
        if skipping:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        # Pop to the matching start tag (tolerates unclosed tags).
        idx = next((i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i][0] == tag), None)
        if idx is None:
            return
        for _, skipping in self.stack[idx:]:
            if skipping:
                self.skip_depth -= 1
        del self.stack[idx:]
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            text = re.sub(r"\s+", " ", "".join(self.cell)).strip()
            if self.row is not None:
                self.row.append(text)
            else:
                self.out.append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.out.append("\n" + " | ".join(self.row) + "\n")
            self.row = None
        elif tag in self.BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self._emit(data.replace("\xa0", " "))


def html_to_text(html: str) -> str:
    p = _HTMLText()
    p.feed(html)
    p.close()
    text = "".join(p.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


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
    text, encoding = decode(data)
    media = "text"
    if _is_html(path, text):
        text, media = html_to_text(text), "html"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError("no text in file")
    digest = hashlib.sha256(data).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding=encoding, media_type=media, original=text)


def from_text(text: str, path: str = "<text>") -> Document:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(id=digest[:16], path=path, sha256=digest, encoding="utf-8", media_type="text", original=text)
