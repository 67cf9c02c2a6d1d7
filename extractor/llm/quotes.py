"""What a model's answer becomes before reconcile sees it: its quote placed in the original, its value refused when
no report could state it.

A quote is located in the passage the model named (else it is not at its span) and, for a number, cut to end at
the number that states the value, so `reconcile.verify` checks it like any rule's evidence.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

from extractor.core.catalogue import ENUMS
from extractor.llm.passages import Chunk
from extractor.text.clean import build_view
from extractor.text.numbers import quantities, reparse, values_equal


@dataclass(frozen=True)
class Quote:
    """A model's quote as evidence: its text and where it is in the original (None: an empty quote)."""

    evidence: str
    span: tuple[int, int] | None


def evidence_of(original: str, quote: str, chunk: Chunk | None, value: object, kind: str) -> Quote:
    """The evidence of a quoted answer: located, then (a count or an amount found verbatim) cut at its value."""
    q = locate(original, quote, chunk)
    if q.span and kind in ("int", "yuan") and original[q.span[0]:q.span[1]] == q.evidence:
        return cut_at_value(q, value, kind)
    return q


def locate(original: str, quote: str, chunk: Chunk | None) -> Quote:
    """Where a model quote is: verbatim in the named passage; else the same text up to script and
    spacing; a quote found only elsewhere keeps the claimed place (so it fails as not at its span)."""
    lo, hi = (chunk.start, chunk.end) if chunk else (0, len(original))
    i = original.find(quote, lo, hi)
    if i >= 0:
        return Quote(quote, (i, i + len(quote)))
    if chunk is not None:
        fq = re.sub(r"\s+", "", build_view(quote).text)
        v = build_view(chunk.text)
        squeezed = [(ch, k) for k, ch in enumerate(v.text) if not ch.isspace()]
        flat = "".join(ch for ch, _ in squeezed)
        j = flat.find(fq) if fq else -1
        if j >= 0:
            a = v.offsets[squeezed[j][1]]
            b = v.offsets[squeezed[j + len(fq) - 1][1]] + 1
            return Quote(chunk.text[a:b], (chunk.start + a, chunk.start + b))
    claimed = lo
    return Quote(quote, (claimed, min(len(original), claimed + len(quote))) if quote else None)


def cut_at_value(quote: Quote, value: object, kind: str) -> Quote:
    """Evidence ends with its number: a quote whose last number is not the value is cut after the first
    quantity that states it (a quote that already re-parses to the value is kept whole)."""
    evidence, span = quote.evidence, quote.span
    assert span is not None
    whole = reparse(evidence, kind)
    if whole is not None and values_equal(whole.value, value):
        return quote
    v = build_view(evidence)
    for q in quantities(v.text):
        cut = v.offsets[q.end - 1] + 1
        parsed = reparse(evidence[:cut], kind)
        if parsed is not None and values_equal(parsed.value, value):
            return Quote(evidence[:cut], (span[0], span[0] + cut))
    return quote


MAX_COUNT = 10**9  # no report counts a billion of anything; money up to a trillion yuan
MAX_YUAN = 10**12
MAX_TEXT = 120
MAX_ITEMS, MAX_ITEM = 30, 200


def plausible(path: str, kind: str, value: object) -> object | None:
    """The model's value if it is one the record could hold and a report could state, else None: a count is a
    non-negative integer under a billion (never a boolean), money finite and non-negative, a date a real day, an enum
    one of its values, a text a short non-empty line, a list a few short items."""
    if isinstance(value, bool):
        return None
    if kind == "int":
        return value if isinstance(value, int) and 0 <= value <= MAX_COUNT else None
    if kind == "yuan":
        ok = isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= MAX_YUAN
        return value if ok else None
    if kind == "enum":
        return value if value in ENUMS.get(path, ()) else None
    if kind == "date":
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            return None
        return value if isinstance(value, str) and len(value) == 10 and 1990 <= day.year <= 2100 else None
    if kind == "text":
        text = str(value).strip()
        return text if isinstance(value, str) and 0 < len(text) <= MAX_TEXT and "\n" not in text else None
    if kind == "list":
        if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
            return None
        items = [str(x).strip() for x in value]
        return items if all(0 < len(x) <= MAX_ITEM for x in items) else None
    return None
