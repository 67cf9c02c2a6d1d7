"""Bytes to text: UTF-8 with or without BOM, UTF-16 (BOM or not), GB18030/GBK, Big5, told apart by a genre-word
score. NUL bytes are never text in UTF-8 or GB18030/Big5: a stray one is dropped and noted, it does not refuse the
report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractor.core.errors import IngestError

_GENRE_TERMS = ("政府", "信息", "公开", "公開", "报告", "報告", "申请", "申請", "工作", "年度")


_CONTROL = bytes(b for b in range(256) if b < 9 or 13 < b < 32)  # control bytes no text holds (not \t\n\v\f\r)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = len(sample) - len(sample.translate(None, _CONTROL))  # counted in C, not a Python loop over 8 KB
    return ctrl > len(sample) * 0.05


def _genre_score(text: str) -> int:
    return sum(text.count(t) for t in _GENRE_TERMS)


@cache
def _textlike() -> re.Pattern[str]:
    """What text is made of: ASCII, Latin-1, punctuation and symbols (box drawing, circled numbers), CJK. Compiled
    when first needed (a UTF-16 reading without a BOM), not on every start (3 ms)."""
    return re.compile(r"[\t\n\r\x20-\x7e\xa0-\u024f\u2000-\u27bf\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff"
                      r"\ufe30-\ufe4f\uff00-\uffef]")


def _plausible(text: str) -> bool:
    """A UTF-16 reading that is text, not bytes read two at a time (those land all over the code space)."""
    sample = text[:20000]
    return bool(sample) and "\x00" not in sample and len(_textlike().findall(sample)) >= 0.9 * len(sample)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec's name (utf-8-sig, utf-16, gb18030, big5, ...)
    notes: tuple[str, ...] = ()  # what was dropped (NUL bytes)


def decode(data: bytes) -> Decoded:
    """The text, its encoding and what was dropped. Raises IngestError for empty or binary input.

    UTF-16 without a BOM is told apart by what its reading looks like (text, not code units from anywhere)
    and, like GB18030 against Big5, by the genre words; a NUL byte is never text in UTF-8 or the legacy
    encodings, so a few of them are dropped (and noted) rather than refusing the report.
    """
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "utf-16")
    nul = data.count(0)
    if not nul:
        try:
            return Decoded(data.decode("utf-8"), "utf-8")
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
        return Decoded(text, enc, (f"{nul} NUL byte{'s' if nul > 1 else ''} dropped (not text)",))
    return Decoded(text, enc)
