"""Shared helpers for the rule modules: a context object, evidence from view matches, the share a value's
sentence states for it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extractor.core.candidates import Candidate
from extractor.text.clean import Cleaned, View
from extractor.text.numbers import Parsed, reparse
from extractor.text.script import fold
from extractor.text.sections import Section, find_sections

# Regex fragments for the folded text (ASCII punctuation, simplified script).
NUM = r"(?P<n>(?:将近|近|约)?\s*(?:\d[\d,]*(?:\.\d+)?|[一二两三四五六七八九十百千万零〇]+)\s*[万亿]?\s*[余多]?)"
NEG = r"(?:没有|没|未(?!按|经)|无(?!偿|法|论|正当|需|须|效|疑|关)|不存在|并未|均未)"


def gap(n: int) -> str:
    """Up to n characters inside one clause (no sentence or clause break)."""
    return r"[^。;!?\n|]{0," + str(n) + r"}?"


def sgap(n: int) -> str:
    """Up to n characters inside one sentence (commas allowed)."""
    return r"[^。;!?\n|]{0," + str(n) + r"}?"


def cgap(n: int) -> str:
    """Up to n characters inside one comma clause."""
    return r"[^。;!?\n|,、]{0," + str(n) + r"}?"


@dataclass
class Context:
    """Everything the rules read about one report."""

    cleaned: Cleaned

    @property
    def body(self) -> View:
        return self.cleaned.body

    @property
    def full(self) -> View:
        return self.cleaned.full

    table_regions: list[tuple[int, int]] = field(default_factory=list)  # body-view ranges of tables

    def in_table(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.table_regions)

    @cached_property
    def sections(self) -> list[Section]:
        return find_sections(self.body.text)

    def innermost_section(self, pos: int) -> Section | None:
        best = None
        for s in self.sections:
            if s.start <= pos < s.end and (best is None or s.level >= best.level):
                best = s
        return best

    def enclosing_titles(self, pos: int) -> str:
        return " ".join(s.title for s in self.sections if s.start <= pos < s.end)


def sentence_bounds(text: str, start: int, end: int, stops: str = "。;!?\n") -> tuple[int, int]:
    s = start
    while s > 0 and text[s - 1] not in stops:
        s -= 1
    e = end
    while e < len(text) and text[e] not in stops:
        e += 1
    return s, e


def clause_start(text: str, pos: int, stops: str = "。;!?\n,") -> int:
    s = pos
    while s > 0 and text[s - 1] not in stops:
        s -= 1
    return s


def candidate_from_view(
    view: View, path: str, start: int, end: int, kind: str, method: str, note: str, confidence: float
) -> Candidate | None:
    """A numeric candidate whose evidence is view[start:end] mapped back to the original (`text.spans`).

    The value is what the number parser reads from the evidence itself, so rules never state a
    value their evidence does not.
    """
    if end <= start:
        return None
    evidence, span = view.evidence(start, end)
    parsed: Parsed | None = reparse(evidence, kind)
    if parsed is None:
        return None
    return Candidate(
        path=path, value=parsed.value, evidence=evidence, span=span, approximate=parsed.approximate,
        method=method, confidence=confidence, note=note,
    )


# 120条，占总数的40%: a share of the total, stated right after the value's evidence
_SHARE = re.compile(r"[^。;]{0,10}?占[^。;\d]{0,8}(\d+(?:\.\d+)?)\s*%")
SHARE_REACH = 16  # characters after the evidence the share is looked for in


def stated_share(original: str, span: tuple[int, int] | None, folded: str | None = None) -> float | None:
    """The share (a percentage) the report states for the value whose evidence ends at span's end, or None.
    `folded`: the whole original folded, when it has one character per original character (its pieces are then
    the pieces of the original folded)."""
    if span is None:
        return None
    after = folded[span[1]:span[1] + SHARE_REACH] if folded is not None else fold(original[span[1]:span[1] + SHARE_REACH])
    m = _SHARE.match(after)
    return float(m.group(1)) if m else None


def read_shares(candidates: list[Candidate], original: str) -> None:
    """Each candidate with evidence gets the share its sentence states for it (`Candidate.share`), in place: what
    reconcile's percentage check compares with the value over its total."""
    if not any(c.span is not None for c in candidates):
        return
    whole = fold(original)
    # a character folding to several (none folds to nothing) shifts the folded text: then fold piece by piece
    folded = whole if len(whole) == len(original) else None
    for c in candidates:
        if c.span is not None:
            c.share = stated_share(original, c.span, folded)


def strip_ws(s: str) -> str:
    return re.sub(r"\s+", "", s)
