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

from ..candidates import Candidate
from ..catalogue import spec
from ..clean import Cleaned, build_view
from ..document import Document
from ..numbers import quantities, reparse, values_equal
from ..reconcile import REVIEW_THRESHOLD, FieldResult, merge
from ..rundb import CallLog
from .answers import group_model, path_of
from .groups import GROUPS, Group
from .prompts import load_prompt
from .transport import CallFailed, ModelSettings, Transport

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


def chunks_of(cleaned: Cleaned) -> list[Chunk]:
    """Paragraphs of the body view (long ones cut at sentence ends), as original-text passages."""
    view = cleaned.body
    out: list[Chunk] = []
    for m in re.finditer(r"[^\n]+", view.text):
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


def relevant(chunks: list[Chunk], g: Group, settled: list[tuple[int, int]],
             fields: list[str] | None = None) -> list[Chunk]:
    """The passages that name a field still to be settled (the group's subject when a field has no terms of its
    own), skipping the tables the rules read cell by cell and passages repeated word for word."""
    terms = tuple(dict.fromkeys(t for p in (fields if fields is not None else g.fields)
                                for t in (g.field_terms(p) or g.terms)))
    picked, size, seen = [], 0, set()
    for c in chunks:
        if any(s < c.end and c.start < e for s, e in settled):
            continue  # a table the rules read cell by cell
        if c.folded in seen:
            continue
        if any(t in c.folded for t in terms):
            seen.add(c.folded)
            if size + len(c.text) > MAX_CHARS_PER_GROUP:
                break
            picked.append(c)
            size += len(c.text)
    return picked


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
        from ..backends import RulesBackend

        self.settings = settings
        self.rules = RulesBackend()
        self.transport = transport or Transport(settings, log)
        self.groups = groups or GROUPS
        self.calls_done = 0
        self.chars_sent = 0  # prompt characters of every call asked (cached or not): what the design sends
        self.threshold = REVIEW_THRESHOLD

    def config(self) -> dict[str, object]:
        """What decides this backend's values (the run's configuration; keys and URLs are not part of it)."""
        prompts = {g.name: {"version": load_prompt(g.name).version, "hash": load_prompt(g.name).sha} for g in self.groups}
        return {"backend": self.name, "model": self.settings.model, "mode": self.settings.mode, "ask": self.settings.ask,
                "prompts": prompts}

    def propose(self, doc: Document, cleaned: Cleaned) -> list[Candidate]:
        return asyncio.run(self.apropose(doc, cleaned))

    def open_fields(self, g: Group, rules: dict[str, FieldResult]) -> list[str]:
        """The group's fields the rules did not settle: no verified value, or one the review queue would get."""
        if self.settings.ask == "all":
            return list(g.fields)
        return [p for p in g.fields
                if not ((r := rules.get(p)) and r.value is not None and r.status in ("verified", "derived")
                        and not r.needs_review(self.threshold))]

    async def apropose(self, doc: Document, cleaned: Cleaned) -> list[Candidate]:
        rule_cands = self.rules.propose(doc, cleaned)
        chunks = chunks_of(cleaned)
        settled = _settled_regions(rule_cands)
        by_rules = merge([c for c in rule_cands if c.method != "note"], doc.original)
        title = next((str(c.value) for c in rule_cands if c.path == "meta.title" and c.value), doc.path)
        jobs = []
        for g in self.groups:
            todo = self.open_fields(g, by_rules)
            if todo:
                jobs.append((g, todo, relevant(chunks, g, settled, todo)))
        results = await asyncio.gather(*(self._ask(doc, g, cs, title, todo) for g, todo, cs in jobs if cs))
        out = list(rule_cands)
        for r in results:
            out.extend(r)
        return out

    async def _ask(self, doc: Document, g: Group, chunks: list[Chunk], title: str,
                   todo: list[str] | None = None) -> list[Candidate]:
        prompt = load_prompt(g.name)
        todo = list(g.fields) if todo is None else todo
        fields = "\n".join(f"- {p.replace('.', '__')}: {g.fields[p]}" for p in todo)
        body = "\n\n".join(f"[{c.id}]\n{c.text}\n[/{c.id}]" for c in chunks)
        system, user = prompt.render(title=title, fields=fields, chunks=body)
        self.chars_sent += len(system) + len(user)
        model = group_model(g.name, None if len(todo) == len(g.fields) else tuple(todo))
        try:
            answers = await self.transport.ask(prompt, system, user, model, doc.id)
        except CallFailed as exc:
            return [Candidate(path="note", value=f"{exc}; the rules' values stand for {g.name}", method="note")]
        finally:
            self.calls_done += 1
        by_id = {c.id: c for c in chunks}
        out: list[Candidate] = []
        for attr, ans in answers:
            if ans is None or ans.value is None:
                continue
            path = path_of(attr)
            kind = spec(path).kind
            value = ans.value
            if kind == "list" and not value:
                continue
            cand = Candidate(path=path, value=value, method="model", backend="openai", confidence=0.75,
                             note=f"model answer ({g.name} prompt v{prompt.version}, chunk {ans.chunk})")
            if ans.quote:
                evidence, span = locate(doc.original, ans.quote, by_id.get(ans.chunk or ""))
                if span and kind in ("int", "yuan") and doc.original[span[0]:span[1]] == evidence:
                    evidence, span = cut_at_value(evidence, span, value, kind)
                cand.evidence, cand.span = evidence, span
            out.append(cand)
        return out
