"""Script handling: character-level traditional-to-simplified folding and script detection.

Folding is one character in, one or more characters out, so a view built from it keeps an
exact map back to the original offsets. OpenCC's character table is used, not its phrase
table, because phrase conversion may change lengths.
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from functools import cache


def _opencc_dir() -> str:
    """The dictionaries the pure-Python OpenCC ships (found without importing it: only its files are read)."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("No module named 'opencc'", name="opencc")
    return os.path.join(os.path.dirname(spec.origin), "dictionary")


def _load_table(name: str) -> dict[str, str]:
    """One character -> its first conversion when that is one character, for the lines `char<TAB>conversions`."""
    with open(os.path.join(_opencc_dir(), name), encoding="utf-8") as fh:
        data = fh.read()
    table: dict[str, str] = {}
    for line in data.split("\n"):
        key, tab, values = line.partition("\t")
        if len(key) == 1 and tab and "\t" not in values:
            first = values.split(" ", 1)[0]
            if len(first) == 1:
                table[key] = first
    return table


@cache
def t2s_table() -> dict[str, str]:
    return _load_table("TSCharacters.txt")


@cache
def s2t_table() -> dict[str, str]:
    return _load_table("STCharacters.txt")


@cache
def fold_char(ch: str) -> str:
    """NFKC (full-width to half-width and the like), then traditional to simplified."""
    out = unicodedata.normalize("NFKC", ch)
    t2s = t2s_table()
    return "".join(t2s.get(c, c) for c in out)


class _FoldTable(dict[int, str]):
    """`fold_char` as a `str.translate` table, filled as characters are met (the loop runs in C)."""

    def __missing__(self, code: int) -> str:
        out = self[code] = fold_char(chr(code))
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    return text.translate(_FOLD)


def to_simplified(text: str) -> str:
    """Simplified-script text for values (no NFKC: keeps the source's punctuation)."""
    t2s = t2s_table()
    return "".join(t2s.get(c, c) for c in text)


@cache
def _script_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(characters only traditional script writes, characters only simplified script writes)."""
    t2s, s2t = t2s_table(), s2t_table()
    trad = frozenset(c for c, s in t2s.items() if s != c)
    return trad, frozenset(c for c, t in s2t.items() if t != c) - trad


def detect_script(text: str) -> tuple[str, float]:
    """Return ('traditional' | 'simplified', share of script-specific characters that are traditional)."""
    trad_chars, simp_chars = _script_sets()
    trad = sum(map(trad_chars.__contains__, text))
    simp = sum(map(simp_chars.__contains__, text))
    total = trad + simp
    if total == 0:
        return "simplified", 0.0
    share = trad / total
    return ("traditional" if share > 0.5 else "simplified"), share
