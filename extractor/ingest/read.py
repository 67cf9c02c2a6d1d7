"""Ingest: files, directories and globs in; decoded `Document`s out.

Encodings: UTF-8 with or without BOM, UTF-16 (BOM or not), GB18030/GBK, Big5. HTML pages are
rendered to text with table cells kept apart (`|` between cells, one line per row), and script,
style and navigation dropped. NUL bytes are never text in UTF-8 or GB18030/Big5: a stray one is
dropped and noted on the document, it does not refuse the report.

What `enumerate_inputs` takes from a directory, and why (nothing that could be a report is skipped in silence):

- report formats (`REPORT_SUFFIXES`: .txt .text .html .htm .shtml .xhtml) are read;
- every other file is a `Rejected` path, `unsupported format (.pdf)`, until a reader exists: documents,
  spreadsheets, images, archives, web archives (.mht), and `.csv`/`.xml` too, because a crawl export may carry
  reports' text in its rows; a file without a suffix as well (`unsupported format (no suffix)`);
- ignored knowingly (`IGNORED_SUFFIXES`, hidden names): files that are never a report's text but sit beside
  reports in a crawl or a labelled set: `.md` notes and READMEs (a labelling note quotes a report's numbers
  and would come out as one), `.json`/`.jsonl` metadata and gold labels, a crawler's `.tsv` link tables, logs,
  page assets (.css, .js), and hidden files and directories (`.DS_Store`, `.git`);
- an unreadable directory, a path that is not a regular file (a FIFO would block the run), a broken link and
  a missing path are `Rejected` with the reason; symbolic links to directories are followed, each directory
  once (a link loop ends).

A file named on the command line, or matched by a glob, is the user's choice: it is read whatever its suffix if
it decodes as text (`load` refuses binary), except the formats known to be binary (`BINARY_SUFFIXES`), which
are `unsupported format`. A glob that matches a directory walks it as above.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from extractor.core.document import Document
from extractor.core.errors import IngestError

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
REPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
IGNORED_SUFFIXES = {".md", ".markdown", ".json", ".jsonl", ".tsv", ".log", ".css", ".js", ".map"}
BINARY_SUFFIXES = {  # never decoded as text, even when named: a reader has to exist first
    ".pdf", ".ofd", ".doc", ".docx", ".wps", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".ods", ".ppt", ".pptx",
    ".dps", ".odp", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".zip", ".rar", ".7z",
    ".tar", ".gz", ".tgz", ".bz2", ".xz", ".mht", ".mhtml"}
MAX_BYTES = 10 * 1024 * 1024  # a real report is well under 1 MB; a larger file is a crawl dump, not a report

_GENRE_TERMS = ("政府", "信息", "公开", "公開", "报告", "報告", "申请", "申請", "工作", "年度")


@dataclass(frozen=True)
class Rejected:
    """An input path that is not read, with the one-line reason its error line gives."""

    path: str
    reason: str


def _suffix(path: str) -> str:
    return os.path.splitext(path)[1].lower()


def unsupported(path: str) -> Rejected:
    s = _suffix(path)
    return Rejected(path, f"unsupported format ({s or 'no suffix'})")


def _os_reason(exc: OSError) -> str:
    return str(exc.strerror or exc)


def enumerate_inputs(inputs: list[str]) -> Iterator[str | Rejected]:
    """Report files lazily from paths, directories (recursively, sorted) and glob patterns, each once; and a
    `Rejected` for every path that is not read (unreadable, unsupported, missing), so none passes in silence."""
    seen: set[str] = set()
    walked: set[tuple[int, int]] = set()  # (device, inode) of the directories walked: a link loop ends

    def emit(p: str | Rejected) -> Iterator[str | Rejected]:
        ap = os.path.abspath(p.path if isinstance(p, Rejected) else p)
        if ap not in seen:
            seen.add(ap)
            yield p

    def entry(path: str) -> str | Rejected | None:
        """A file met in a directory: the path to read, a Rejected, or None (ignored knowingly)."""
        name = os.path.basename(path)
        if name.startswith("."):
            return None
        s = _suffix(name)
        if s in IGNORED_SUFFIXES:
            return None
        if s not in REPORT_SUFFIXES:
            return unsupported(path)
        return regular(path)

    def regular(path: str) -> str | Rejected:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            broken = os.path.islink(path)
            return Rejected(path, "no such file or directory" + (" (broken link)" if broken else ""))
        except OSError as exc:
            return Rejected(path, f"cannot read: {_os_reason(exc)}")
        if not stat.S_ISREG(st.st_mode):
            return Rejected(path, "not a regular file")
        return path

    def walk(top: str) -> Iterator[str | Rejected]:
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in walked:
                return
            walked.add((st.st_dev, st.st_ino))
            with os.scandir(top) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield from emit(Rejected(top, f"cannot read directory: {_os_reason(exc)}"))
            return
        subdirs = []
        for e in entries:
            try:
                is_dir = e.is_dir()  # follows links: a linked directory is walked (once)
            except OSError:
                is_dir = False
            if is_dir:
                if not e.name.startswith("."):
                    subdirs.append(e.path)
                continue
            got = entry(e.path)
            if got is not None:
                yield from emit(got)
        for sub in subdirs:
            yield from walk(sub)

    def named(path: str) -> str | Rejected:
        if _suffix(path) in BINARY_SUFFIXES:
            return unsupported(path)
        return regular(path)

    for item in inputs:
        if os.path.isdir(item):
            yield from walk(item)
        elif os.path.lexists(item):
            yield from emit(named(item))
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                why = "no file matches the pattern" if glob.has_magic(item) else "no such file or directory"
                yield from emit(Rejected(item, why))
            for m in matches:
                if os.path.isdir(m):
                    yield from walk(m)
                else:
                    yield from emit(named(m))


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl > len(sample) * 0.05


def _genre_score(text: str) -> int:
    return sum(text.count(t) for t in _GENRE_TERMS)


# What text is made of: ASCII, Latin-1, punctuation and symbols (box drawing, circled numbers), CJK.
_TEXTLIKE = re.compile(r"[\t\n\r\x20-\x7e\xa0-\u024f\u2000-\u27bf\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff"
                       r"\ufe30-\ufe4f\uff00-\uffef]")


def _plausible(text: str) -> bool:
    """A UTF-16 reading that is text, not bytes read two at a time (those land all over the code space)."""
    sample = text[:20000]
    return bool(sample) and "\x00" not in sample and len(_TEXTLIKE.findall(sample)) >= 0.9 * len(sample)


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises IngestError for empty or binary input."""
    text, encoding, _ = decode_noted(data)
    return text, encoding


def decode_noted(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """(text, encoding name, notes): the notes say what was dropped (NUL bytes). Raises IngestError for empty
    or binary input.

    UTF-16 without a BOM is told apart by what its reading looks like (text, not code units from anywhere)
    and, like GB18030 against Big5, by the genre words; a NUL byte is never text in UTF-8 or the legacy
    encodings, so a few of them are dropped (and noted) rather than refusing the report.
    """
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", ()
    nul = data.count(0)
    if not nul:
        try:
            return data.decode("utf-8"), "utf-8", ()
        except UnicodeDecodeError:
            pass
    # readings: (genre score, preference, text, encoding); the best score wins, ties go to the preference
    readings: list[tuple[int, int, str, str]] = []
    dense = nul * 100 >= len(data) // 2  # NULs in at least 1% of the code units: the ASCII of a UTF-16 text
    if len(data) % 2 == 0:
        for k, enc in enumerate(("utf-16-le", "utf-16-be")):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _plausible(text):
                readings.append((_genre_score(text), k if dense else 10 + k, text, enc))
    rest = data.replace(b"\x00", b"") if nul else data
    if nul and not rest.strip():
        raise IngestError("no text in file (only NUL bytes)")
    if not _looks_binary(rest):
        for k, enc in enumerate(("utf-8", "big5", "gb18030") if nul else ("big5", "gb18030")):
            try:
                text = rest.decode(enc)
            except UnicodeDecodeError:
                continue
            readings.append((_genre_score(text), 2 + k, text, enc))
    elif not readings:
        raise IngestError("binary file, not a text or HTML report")
    if readings:
        _, _, text, enc = min(readings, key=lambda r: (-r[0], r[1]))
    else:
        from charset_normalizer import from_bytes

        best = from_bytes(rest).best()
        if best is None:
            raise IngestError("cannot detect the text encoding")
        text, enc = str(best), best.encoding
    if nul and not enc.startswith("utf-16"):
        return text, enc, (f"{nul} NUL byte{'s' if nul > 1 else ''} dropped (not text)",)
    return text, enc, ()


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
