"""The passages a model is sent: paragraphs or sentences of the report's body, as verbatim original text.

Never the whole report, never the template tables the rules read cell by cell, never a passage twice; per group
(ask all) the passages that name one of its fields, or (ask open) the sentences that name an open field and state a
number or a zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.core.candidates import Candidate
from extractor.llm.groups import Group, sentence_terms
from extractor.text.clean import Cleaned

MAX_CHUNK = 500
MAX_CHARS_PER_GROUP = 6000
TABLE_PREFIXES = ("standard_table.",)


@dataclass(frozen=True)
class Chunk:
    id: str
    start: int  # original offsets
    end: int
    text: str  # original text, verbatim
    folded: str


@dataclass(frozen=True)
class Passages:
    """What one call sends: the passages, and the fields it asks about."""

    chunks: list[Chunk]
    fields: list[str]


Region = tuple[int, int]  # original offsets [start, end) of a table the rules read cell by cell


def chunks_of(cleaned: Cleaned, sentences: bool = False) -> list[Chunk]:
    """Paragraphs of the body view (long ones cut at sentence ends), or its sentences, as original-text passages."""
    view = cleaned.body
    out: list[Chunk] = []
    for m in re.finditer(r"[^\n。；;！？]+[。；;！？]?" if sentences else r"[^\n]+", view.text):
        s, e = m.start(), m.end()
        while s < e:
            cut = e
            if e - s > MAX_CHUNK:
                stop = view.text.rfind("。", s, s + MAX_CHUNK)
                cut = stop + 1 if stop > s else s + MAX_CHUNK
            if view.text[s:cut].strip():
                text, (os_, oe) = view.evidence(s, cut)
                out.append(Chunk(f"C{len(out) + 1}", os_, oe, text, view.text[s:cut]))
            s = cut
    return out


def relevant(chunks: list[Chunk], g: Group, settled: list[Region]) -> list[Chunk]:
    """The passages that name one of the group's fields (the group's subject when a field has no terms of its own),
    skipping the tables the rules read cell by cell and passages repeated word for word."""
    terms = tuple(dict.fromkeys(t for p in g.fields for t in (g.field_terms(p) or g.terms)))
    picked, size, seen = [], 0, set()
    for c in chunks:
        if _in_settled(c, settled) or c.folded in seen:
            continue
        if any(t in c.folded for t in terms):
            seen.add(c.folded)
            if size + len(c.text) > MAX_CHARS_PER_GROUP:
                break
            picked.append(c)
            size += len(c.text)
    return picked


def _in_settled(c: Chunk, settled: list[Region]) -> bool:
    """Whether the passage overlaps a table the rules read cell by cell."""
    return any(s < c.end and c.start < e for s, e in settled)


STATES_A_VALUE = re.compile(r"\d|零|没有|未|无|[一二三四五六七八九十两]+\s*(?:条|件|次|人|个|篇|期|场|项|名|元|家)")


def sentences_for(sentences: list[Chunk], settled: list[Region], fields: list[str],
                  group_terms: dict[str, tuple[str, ...]]) -> Passages:
    """Each sentence that names an open field and states a number or a zero, once, outside the tables the rules
    settled; and the open fields that such a sentence names (the others are not asked)."""
    picked: list[Chunk] = []
    named: set[str] = set()
    seen: set[str] = set()
    size = 0
    for c in sentences:
        if c.folded in seen or _in_settled(c, settled) or not STATES_A_VALUE.search(c.folded):
            continue
        hits = {p for p in fields if any(t in c.folded for t in sentence_terms(p, group_terms.get(p, ())))}
        if hits and size + len(c.text) <= MAX_CHARS_PER_GROUP:
            seen.add(c.folded)
            picked.append(c)
            named |= hits
            size += len(c.text)
    return Passages([Chunk(f"C{i + 1}", c.start, c.end, c.text, c.folded) for i, c in enumerate(picked)],
                    [p for p in fields if p in named])


def settled_regions(rule_cands: list[Candidate]) -> list[Region]:
    """The span of the template tables the rules read (when they read at least ten cells), else nothing."""
    spans = [c.span for c in rule_cands if c.path.startswith(TABLE_PREFIXES) and c.span and c.value is not None]
    if len(spans) < 10:
        return []
    return [(min(s for s, _ in spans), max(e for _, e in spans))]
