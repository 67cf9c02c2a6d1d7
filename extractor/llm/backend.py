"""The `openai` backend: the rules' candidates plus a model's, two witnesses for reconcile to weigh.

Per field group, the model is asked only about the fields the rules did not settle (no verified value,
or one the review queue would get), with only the passages that name those fields (never the whole
report, never the template tables the rules settled, never a passage twice), under the group's prompt. Every answer comes
back as a value and a verbatim quote; the quote is located in the passage the model named and cut to
end at the stated number, so `reconcile.verify` checks it like any rule's evidence. A call that fails
leaves the report with the rules' values and a note saying which call failed.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.core.candidates import Candidate
from extractor.core.catalogue import spec
from extractor.core.document import Document
from extractor.llm.answers import fields_model, path_of
from extractor.llm.groups import GROUPS, Group, meaning, sentence_terms
from extractor.llm.prompts import Prompt, load_prompt
from extractor.llm.transport import CallFailed, EndpointFailed, ModelSettings, Transport
from extractor.reconcile import CHECK_FAILURES, FieldResult, merge
from extractor.store.db import CallLog
from extractor.text.clean import Cleaned, build_view
from extractor.text.numbers import quantities, reparse, values_equal

if TYPE_CHECKING:
    from extractor.backends import RulesBackend

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
                os_, oe = view.span(s, cut)
                out.append(Chunk(f"C{len(out) + 1}", os_, oe, view.original[os_:oe], view.text[s:cut]))
            s = cut
    return out


def relevant(chunks: list[Chunk], g: Group, settled: list[tuple[int, int]]) -> list[Chunk]:
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


def _in_settled(c: Chunk, settled: list[tuple[int, int]]) -> bool:
    """Whether the passage overlaps a table the rules read cell by cell."""
    return any(s < c.end and c.start < e for s, e in settled)


STATES_A_VALUE = re.compile(r"\d|零|没有|未|无|[一二三四五六七八九十两]+\s*(?:条|件|次|人|个|篇|期|场|项|名|元|家)")


def sentences_for(sentences: list[Chunk], settled: list[tuple[int, int]], fields: list[str],
                  group_terms: dict[str, tuple[str, ...]]) -> tuple[list[Chunk], list[str]]:
    """(sentences, fields): each sentence that names an open field and states a number or a zero, once, outside
    the tables the rules settled; and the open fields that such a sentence names (the others are not asked)."""
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
    return [Chunk(f"C{i + 1}", c.start, c.end, c.text, c.folded) for i, c in enumerate(picked)], \
        [p for p in fields if p in named]


def _settled_regions(rule_cands: list[Candidate]) -> list[tuple[int, int]]:
    spans = [c.span for c in rule_cands if c.path.startswith(TABLE_PREFIXES) and c.span and c.value is not None]
    if len(spans) < 10:
        return []
    return [(min(s for s, _ in spans), max(e for _, e in spans))]


def locate(original: str, quote: str, chunk: Chunk | None) -> tuple[str, tuple[int, int] | None]:
    """(evidence, span) for a model quote: verbatim in the named passage; else the same text up to script and
    spacing; a quote found only elsewhere keeps the claimed place (so it fails as not at its span)."""
    lo, hi = (chunk.start, chunk.end) if chunk else (0, len(original))
    i = original.find(quote, lo, hi)
    if i >= 0:
        return quote, (i, i + len(quote))
    if chunk is not None:
        fq = re.sub(r"\s+", "", build_view(quote).text)
        v = build_view(chunk.text)
        squeezed = [(ch, k) for k, ch in enumerate(v.text) if not ch.isspace()]
        flat = "".join(ch for ch, _ in squeezed)
        j = flat.find(fq) if fq else -1
        if j >= 0:
            a = v.offsets[squeezed[j][1]]
            b = v.offsets[squeezed[j + len(fq) - 1][1]] + 1
            return chunk.text[a:b], (chunk.start + a, chunk.start + b)
    claimed = lo
    return quote, (claimed, min(len(original), claimed + len(quote))) if quote else None


def cut_at_value(evidence: str, span: tuple[int, int], value: object, kind: str) -> tuple[str, tuple[int, int]]:
    """Evidence ends with its number: a quote whose last number is not the value is cut after the first
    quantity that states it (a quote that already re-parses to the value is kept whole)."""
    whole = reparse(evidence, kind)
    if whole is not None and values_equal(whole.value, value):
        return evidence, span
    v = build_view(evidence)
    for q in quantities(v.text):
        cut = v.offsets[q.end - 1] + 1
        parsed = reparse(evidence[:cut], kind)
        if parsed is not None and values_equal(parsed.value, value):
            return evidence[:cut], (span[0], span[0] + cut)
    return evidence, span


class OpenAIBackend:
    """Rules plus a model behind any OpenAI-compatible endpoint."""

    name = "openai"

    def __init__(self, settings: ModelSettings, log: CallLog | None = None, transport: Transport | None = None,
                 groups: list[Group] | None = None) -> None:
        from extractor.backends import RulesBackend

        self.settings = settings
        self.rules = RulesBackend()
        self.transport = transport or Transport(settings, log)
        self.groups = groups or GROUPS
        self.calls_done = 0
        self.chars_sent = 0  # prompt characters of every call asked (cached or not): what the design sends

    def config(self) -> dict[str, object]:
        """What decides this backend's values (the run's configuration): the endpoint without credentials, never a key."""
        names = [g.name for g in self.groups] if self.settings.ask == "all" else [OPEN_PROMPT]
        prompts = {n: {"version": load_prompt(n).version, "hash": load_prompt(n).sha} for n in names}
        return {"backend": self.name, "endpoint": self.settings.endpoint, "model": self.settings.model,
                "mode": self.settings.mode, "ask": self.settings.ask, "prompts": prompts}

    def propose(self, doc: Document, cleaned: Cleaned) -> list[Candidate]:
        """One report from synchronous code: its own event loop, its connections closed before the loop is."""
        async def one() -> list[Candidate]:
            try:
                return await self.apropose(doc, cleaned)
            finally:
                await self.transport.aclose()

        return asyncio.run(one())

    async def apropose(self, doc: Document, cleaned: Cleaned | None = None) -> list[Candidate]:
        rule_cands, prepared = prepare(self.rules, self.groups, self.settings.ask, doc, cleaned)
        title = next((str(c.value) for c in rule_cands if c.path == "meta.title" and c.value), doc.path)
        if self.settings.ask == "all":
            jobs = [self._ask(doc, load_prompt(g.name), cs, title, list(g.fields)) for g, cs in prepared if cs]
        else:
            sents, todo = prepared
            jobs = [self._ask(doc, load_prompt(OPEN_PROMPT), sents, title, todo)] if todo and sents else []
        out = list(rule_cands)
        for r in await asyncio.gather(*jobs):
            out.extend(r)
        return out

    async def _ask(self, doc: Document, prompt: Prompt, chunks: list[Chunk], title: str, todo: list[str]) -> list[Candidate]:
        fields = "\n".join(f"- {p.replace('.', '__')}: {meaning(p)}" for p in todo)
        body = "\n\n".join(f"[{c.id}]\n{c.text}\n[/{c.id}]" for c in chunks)
        system, user = prompt.render(title=title, fields=fields, chunks=body)
        self.chars_sent += len(system) + len(user)
        model = fields_model(tuple(todo), prompt.name)
        try:
            answers = await self.transport.ask(prompt, system, user, model, doc.id)
        except CallFailed as exc:
            from extractor.pipeline import ENDPOINT_FATAL, MODEL_FAILED

            reasons = [MODEL_FAILED, ENDPOINT_FATAL] if isinstance(exc, EndpointFailed) else [MODEL_FAILED]
            return [Candidate(path="note", value=f"{exc}; the rules' values stand for {prompt.name}", method="note",
                              reasons=reasons)]
        finally:
            self.calls_done += 1
        by_id = {c.id: c for c in chunks}
        out: list[Candidate] = []
        refused: list[str] = []
        for attr, ans in answers:
            if ans is None or ans.value is None:
                continue
            path = path_of(attr)
            kind = spec(path).kind
            value = plausible(path, kind, ans.value)
            if value is None:
                if not (kind == "list" and ans.value == []):
                    refused.append(path)
                continue
            cand = Candidate(path=path, value=value, method="model", backend="openai", confidence=0.75,
                             note=f"model answer ({prompt.name} prompt v{prompt.version}, chunk {ans.chunk})")
            if ans.quote:
                evidence, span = locate(doc.original, ans.quote, by_id.get(ans.chunk or ""))
                if span and kind in ("int", "yuan") and doc.original[span[0]:span[1]] == evidence:
                    evidence, span = cut_at_value(evidence, span, value, kind)
                cand.evidence, cand.span = evidence, span
            out.append(cand)
        if refused:
            out.append(Candidate(path="note", method="note", value=f"model answers refused as not a possible value: "
                                 f"{', '.join(refused)} ({prompt.name} prompt)"))
        return out


MAX_COUNT = 10**9  # no report counts a billion of anything; money up to a trillion yuan
MAX_YUAN = 10**12
MAX_TEXT = 120
MAX_ITEMS, MAX_ITEM = 30, 200


def plausible(path: str, kind: str, value: object) -> object | None:
    """The model's value if it is one the record could hold and a report could state, else None: a count is a
    non-negative integer under a billion (never a boolean), money finite and non-negative, a date a real day, an enum
    one of its values, a text a short non-empty line, a list a few short items."""
    import datetime
    import math

    from extractor.core.catalogue import ENUMS

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


OPEN_PROMPT = "open_fields"


def open_fields(g: Group, rules: dict[str, FieldResult], ask: str) -> list[str]:
    """The group's fields to ask about. With `ask="open"`, those the rules did not settle: no value, a value not
    verified, or a failed check (a verified value only low in confidence is at its span and re-parses)."""
    if ask == "all":
        return list(g.fields)
    return [p for p in g.fields
            if not ((r := rules.get(p)) and r.value is not None and r.status in ("verified", "derived")
                    and not CHECK_FAILURES & set(r.reasons))]


def prepare(rules: RulesBackend, groups: list[Group], ask: str, doc: Document,
            cleaned: Cleaned | None) -> tuple[list[Candidate], object]:
    """Rules' candidates and what to send: per group its passages (ask all), or one set of sentences and the
    open fields they name (ask open)."""
    from extractor.text.clean import clean

    cleaned = cleaned if cleaned is not None else clean(doc.original)
    rule_cands = rules.propose(doc, cleaned)
    if any(c.path == "meta.doc_type" and "not_a_report" in c.reasons for c in rule_cands):
        return rule_cands, [(g, []) for g in groups] if ask == "all" else ([], [])  # nothing to ask of a non-report
    settled = _settled_regions(rule_cands)
    if ask == "all":
        chunks = chunks_of(cleaned)
        return rule_cands, [(g, relevant(chunks, g, settled)) for g in groups]
    by_rules = merge([c for c in rule_cands if c.method != "note"], doc.original)
    todo = [p for g in groups for p in open_fields(g, by_rules, ask)]
    group_terms = {p: g.terms for g in groups for p in g.fields}
    return rule_cands, sentences_for(chunks_of(cleaned, sentences=True), settled, todo, group_terms)
