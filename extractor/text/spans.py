"""Spans, decided in one place: where a piece of evidence is in the original text.

Every value's evidence is original[start:end], verbatim; every stage finds it through these primitives:

- a folded text and, per folded character, the original offset it came from (`fold_onto`, `folded`): what a
  `text.clean.View` is built of, and what a quote is matched on;
- a folded range back to the original (`view_span`), with its text (`evidence_at`): the rules' evidence;
- a quote located in the passage it names (`locate`), cut to end at the number that states its value
  (`cut_at_value`): a model's evidence;
- whether evidence is at its span (`at_span`): what verification asks first.

Pure: no I/O.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from extractor.text.numbers import quantities, reparse, values_equal
from extractor.text.script import fold, fold_char

Span = tuple[int, int]  # original offsets [start, end)


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence and where it is in the original (None: an empty quote, nowhere)."""

    text: str
    span: Span | None


def fold_onto(original: str, a: int, b: int, parts: list[str], offsets: array[int]) -> None:
    """Fold original[a:b] onto a view; a character may fold to several (NFKC), each mapping back to it."""
    text = fold(original[a:b])
    parts.append(text)
    if len(text) == b - a:  # the common case: one character each (no character folds to none: NFKC never empties one)
        offsets.extend(range(a, b))
        return
    folded_chars = list(map(fold_char, original[a:b]))
    lengths = list(map(len, folded_chars))
    for k, n in enumerate(lengths):
        offsets.extend([a + k] * n)


def folded(text: str) -> tuple[str, array[int]]:
    """The whole text folded, and per folded character its offset in `text`."""
    parts: list[str] = []
    offsets = array("l")
    if text:
        fold_onto(text, 0, len(text), parts, offsets)
    return "".join(parts), offsets


def view_span(offsets: Sequence[int], start: int, end: int) -> Span:
    """Original [start, end) of a folded range [start, end), by its offsets."""
    if not (0 <= start < end <= len(offsets)):
        raise ValueError(f"bad view span {start}:{end}")
    return offsets[start], offsets[end - 1] + 1


def evidence_at(original: str, offsets: Sequence[int], start: int, end: int) -> tuple[str, Span]:
    """The original text of a folded range, and its span."""
    s, e = view_span(offsets, start, end)
    return original[s:e], (s, e)


def at_span(original: str, evidence: str, span: Span | Sequence[int]) -> bool:
    """Whether the evidence is exactly the original's text at its span (a non-empty span inside the text)."""
    s, e = span
    return 0 <= s < e <= len(original) and original[s:e] == evidence


def locate(original: str, quote: str, passage: Span | None) -> Evidence:
    """Where a quote is: verbatim in the passage it names; else the same text up to script and spacing; a quote
    found only elsewhere keeps the claimed place (so it fails as not at its span). No passage: anywhere."""
    lo, hi = passage if passage is not None else (0, len(original))
    i = original.find(quote, lo, hi)
    if i >= 0:
        return Evidence(quote, (i, i + len(quote)))
    if passage is not None:
        fq = re.sub(r"\s+", "", folded(quote)[0])
        text = original[lo:hi]
        vtext, offsets = folded(text)
        squeezed = [(ch, k) for k, ch in enumerate(vtext) if not ch.isspace()]
        flat = "".join(ch for ch, _ in squeezed)
        j = flat.find(fq) if fq else -1
        if j >= 0:
            a = offsets[squeezed[j][1]]
            b = offsets[squeezed[j + len(fq) - 1][1]] + 1
            return Evidence(text[a:b], (lo + a, lo + b))
    return Evidence(quote, (lo, min(len(original), lo + len(quote))) if quote else None)


def cut_at_value(ev: Evidence, value: object, kind: str) -> Evidence:
    """Evidence ends with its number: evidence whose last number is not the value is cut after the first
    quantity that states it (evidence that already re-parses to the value is kept whole)."""
    text, span = ev.text, ev.span
    assert span is not None
    whole = reparse(text, kind)
    if whole is not None and values_equal(whole.value, value):
        return ev
    vtext, offsets = folded(text)
    for q in quantities(vtext):
        cut = offsets[q.end - 1] + 1
        parsed = reparse(text[:cut], kind)
        if parsed is not None and values_equal(parsed.value, value):
            return Evidence(text[:cut], (span[0], span[0] + cut))
    return ev
