"""Inputs: files, directories and globs in; the paths to read, or `Rejected` with a reason, out.

Encodings: UTF-8 with or without BOM, UTF-16 (BOM or not), GB18030/GBK, Big5. HTML pages are
rendered to text with table cells kept apart (`|` between cells, one line per row), and script,
style and navigation dropped. NUL bytes are never text in UTF-8 or GB18030/Big5: a stray one is
dropped and noted on the document, it does not refuse the report.

What `enumerate_inputs` takes from a directory, and why (nothing that could be a report is skipped in silence):

- report formats (`REPORT_SUFFIXES`: .txt .text .html .htm .shtml .xhtml, .pdf .docx, the images .png .jpg .jpeg
  read by OCR) are read; .doc and .wps are taken too, to give the one error line that says how to convert them;
- every other file is a `Rejected` path, `unsupported format (.ofd)`, until a reader exists: other documents,
  spreadsheets, other images, archives, web archives (.mht), and `.csv`/`.xml` too, because a crawl export may carry
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
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
PAGED_SUFFIXES = {".pdf", ".docx"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}  # read by OCR (the `ocr` extra)
OLD_WORD_SUFFIXES = {".doc", ".wps"}  # read only to say how to convert them (one error line)
REPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PAGED_SUFFIXES | IMAGE_SUFFIXES | OLD_WORD_SUFFIXES
IGNORED_SUFFIXES = {".md", ".markdown", ".json", ".jsonl", ".tsv", ".log", ".css", ".js", ".map"}
BINARY_SUFFIXES = {  # never decoded as text, even when named: a reader has to exist first
    ".ofd", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".ods", ".ppt", ".pptx",
    ".dps", ".odp", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".zip", ".rar", ".7z",
    ".tar", ".gz", ".tgz", ".bz2", ".xz", ".mht", ".mhtml"}
MAX_BYTES = 10 * 1024 * 1024  # a real report is well under 1 MB; a larger file is a crawl dump, not a report
MAX_BINARY_BYTES = 60 * 1024 * 1024  # a PDF, Word file or image: a scanned report of many pages is large


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


def _entry(path: str) -> str | Rejected | None:
    """A file met in a directory: the path to read, a Rejected, or None (ignored knowingly)."""
    name = os.path.basename(path)
    if name.startswith("."):
        return None
    s = _suffix(name)
    if s in IGNORED_SUFFIXES:
        return None
    if s not in REPORT_SUFFIXES:
        return unsupported(path)
    return _regular(path)


def _regular(path: str) -> str | Rejected:
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


def _named(path: str) -> str | Rejected:
    """A file named on the command line or matched by a glob: read whatever its suffix, unless known binary."""
    if _suffix(path) in BINARY_SUFFIXES:
        return unsupported(path)
    return _regular(path)


class _Walk:
    """One enumeration: each path once, each directory once (a link loop ends)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.walked: set[tuple[int, int]] = set()  # (device, inode) of the directories walked

    def emit(self, p: str | Rejected) -> Iterator[str | Rejected]:
        ap = os.path.abspath(p.path if isinstance(p, Rejected) else p)
        if ap not in self.seen:
            self.seen.add(ap)
            yield p

    def walk(self, top: str) -> Iterator[str | Rejected]:
        try:
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in self.walked:
                return
            self.walked.add((st.st_dev, st.st_ino))
            with os.scandir(top) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield from self.emit(Rejected(top, f"cannot read directory: {_os_reason(exc)}"))
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
            got = _entry(e.path)
            if got is not None:
                yield from self.emit(got)
        for sub in subdirs:
            yield from self.walk(sub)

    def item(self, item: str) -> Iterator[str | Rejected]:
        if os.path.isdir(item):
            yield from self.walk(item)
        elif os.path.lexists(item):
            yield from self.emit(_named(item))
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                why = "no file matches the pattern" if glob.has_magic(item) else "no such file or directory"
                yield from self.emit(Rejected(item, why))
            for m in matches:
                yield from (self.walk(m) if os.path.isdir(m) else self.emit(_named(m)))


def enumerate_inputs(inputs: list[str]) -> Iterator[str | Rejected]:
    """Report files lazily from paths, directories (recursively, sorted) and glob patterns, each once; and a
    `Rejected` for every path that is not read (unreadable, unsupported, missing), so none passes in silence."""
    w = _Walk()
    for item in inputs:
        yield from w.item(item)
