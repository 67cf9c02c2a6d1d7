"""The passages a model is sent: paragraphs or sentences of the report's body, as verbatim original text.

Never the whole report, never the template tables the rules read cell by cell, never a passage twice; per group
(ask all) the passages that name one of its fields, or (ask open) the sentences that name an open field and state a
count or a zero, cut to the clauses that can state it when only numeric fields want the sentence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from extractor.core.candidates import Candidate
from extractor.llm.groups import Group, sentence_terms
from extractor.text.clean import Cleaned
from extractor.text.spans import folded

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
# numbers that count nothing a field counts: a date or a year, a heading's or a list's ordinal, a document number,
# a telephone number, a web address, the report's own outline (六个部分)
NOT_A_COUNT = re.compile(
    r"https?://\S+|www\.\S+|\d{3,4}-\d{7,8}|〔\d{4}〕\s*\d*\s*号?|\d{4}\s*[-–—至]\s*\d{2,4}\s*(?:年度?|学年)?"
    r"|\d{4}\s*[年./-]\s*(?:\d{1,2}\s*[月./-]\s*(?:\d{1,2}\s*日?)?)?|\d{2,4}\s*年度?|\d{1,2}\s*月份?|\d{1,2}\s*日"
    r"|[（(]\s*\d{1,2}\s*[)）]|(?<![\d.])\d{1,2}\s?[、.．)](?!\d)|[一二三四五六七八九十]+个部分")
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
NUMERIC = ("int", "yuan")


def states_count(folded: str) -> bool:
    """Whether a passage states a count or a zero (not only dates, ordinals and the like)."""
    return bool(STATES_A_VALUE.search(NOT_A_COUNT.sub(" ", folded)))


@functools.cache
def _terms(path: str, group_terms: tuple[str, ...]) -> tuple[str, ...]:
    return sentence_terms(path, group_terms)


def _named(text: str, fields: list[str], group_terms: dict[str, tuple[str, ...]]) -> set[str]:
    """The fields a text names (one of its terms in it): a plain loop, run for every clause of every sentence."""
    out = set()
    for p in fields:
        for t in _terms(p, group_terms.get(p, ())):
            if t in text:
                out.add(p)
                break
    return out


def clauses_for(c: Chunk, fields: list[str], group_terms: dict[str, tuple[str, ...]]) -> list[tuple[Chunk, set[str]]]:
    """The parts of a sentence that can state a numeric field: each run of clauses where a clause names the field
    and it or the next one states a count (the rest of a long sentence is not sent); the fields each part names."""
    parts = [(m.start(), m.end(), folded(m.group(0))[0]) for m in _CLAUSE.finditer(c.text)]
    named = [_named(f, fields, group_terms) for _s, _e, f in parts]
    counts = [states_count(f) for _s, _e, f in parts]
    keep = [False] * len(parts)
    for i, hits in enumerate(named):
        if hits and counts[i]:
            keep[i] = True
        elif hits and i + 1 < len(parts) and counts[i + 1]:
            keep[i] = keep[i + 1] = True
    out: list[tuple[Chunk, set[str]]] = []
    i = 0
    while i < len(parts):
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(parts) and keep[j + 1]:
            j += 1
        s, e = parts[i][0], parts[j][1]
        text = c.text[s:e]
        out.append((Chunk(c.id, c.start + s, c.start + e, text, folded(text)[0]), set().union(*named[i:j + 1])))
        i = j + 1
    return out


def sentences_for(sentences: list[Chunk], settled: list[Region], fields: list[str],
                  group_terms: dict[str, tuple[str, ...]]) -> Passages:
    """Each sentence that names an open field and states a value, once, outside the tables the rules settled; and the
    open fields that such a sentence names (the others are not asked). A sentence only numeric fields want is cut to
    the clauses that can state them (`clauses_for`); one a text or list field wants goes whole."""
    from extractor.core.catalogue import spec

    numeric = [p for p in fields if spec(p).kind in NUMERIC]
    others = [p for p in fields if spec(p).kind not in NUMERIC]
    picked: list[Chunk] = []
    named: set[str] = set()
    seen: set[str] = set()
    size = 0
    for c in sentences:
        if c.folded in seen or _in_settled(c, settled) or not STATES_A_VALUE.search(c.folded):
            continue
        hits = _named(c.folded, others, group_terms)
        parts = [(c, hits | _named(c.folded, numeric, group_terms))] if hits else \
            clauses_for(c, numeric, group_terms)
        for part, got in parts:
            if got and size + len(part.text) <= MAX_CHARS_PER_GROUP:
                seen.add(c.folded)
                picked.append(part)
                named |= got
                size += len(part.text)
    return Passages([Chunk(f"C{i + 1}", c.start, c.end, c.text, c.folded) for i, c in enumerate(picked)],
                    [p for p in fields if p in named])


def settled_regions(rule_cands: list[Candidate]) -> list[Region]:
    """The span of the template tables the rules read (when they read at least ten cells), else nothing."""
    spans = [c.span for c in rule_cands if c.path.startswith(TABLE_PREFIXES) and c.span and c.value is not None]
    if len(spans) < 10:
        return []
    return [(min(s for s, _ in spans), max(e for _, e in spans))]
