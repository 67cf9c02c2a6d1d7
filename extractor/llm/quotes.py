"""What a model's answer becomes before reconcile sees it: its quote placed in the original, its value refused when
no report could state it.

A quote is located in the passage the model named (else it is not at its span) and, for a number, cut to end at
the number that states the value (`text.spans.locate`, `text.spans.cut_at_value`), so `reconcile.verify` checks it
like any rule's evidence.
"""

from __future__ import annotations

import datetime
import math

from extractor.core.catalogue import ENUMS
from extractor.llm.passages import Chunk
from extractor.text.spans import Evidence, at_span, cut_at_value, locate


def evidence_of(original: str, quote: str, chunk: Chunk | None, value: object, kind: str) -> Evidence:
    """The evidence of a quoted answer: located, then (a count or an amount found verbatim) cut at its value."""
    q = locate(original, quote, (chunk.start, chunk.end) if chunk else None)
    if q.span and kind in ("int", "yuan") and at_span(original, q.text, q.span):
        return cut_at_value(q, value, kind)
    return q


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
