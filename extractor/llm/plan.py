"""What to ask a model about one report: the rules' proposal first, then the calls to make.

`ask="all"`: every group with its own prompt and the passages that name its fields. `ask="open"`: one call about
the fields and table rows (template tables, the old 统计表) the rules did not settle (the rules' candidates verified and decided to know
which, each step once: the proposal carries both, so the model's answers are added to the verified set), with the
sentences (or clauses) that name the fields and the text of each table with open rows, once (`rows`,
`legacy_rows`); a table the rules read is never sent sentence by sentence.
A text that is not a report is asked nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.backends import Backend, Proposal
from extractor.core.document import Document
from extractor.core.result import CHECK_FAILURES, DERIVED, NOT_A_REPORT, VERIFIED, FieldResult
from extractor.coverage import mark_unread
from extractor.llm.groups import Group
from extractor.llm.legacy_rows import open_legacy
from extractor.llm.passages import Chunk, chunks_of, relevant, sentences_for, settled_regions
from extractor.llm.rows import RowTable, open_tables
from extractor.reconcile import decide, verify_all
from extractor.text.clean import Cleaned, clean

OPEN_PROMPT = "open_fields"


@dataclass(frozen=True)
class Ask:
    """One call: the prompt it is asked under, the passages sent, the fields asked about."""

    prompt: str
    chunks: list[Chunk]
    fields: list[str]
    tables: list[RowTable] = field(default_factory=list)  # tables with open rows, asked with the fields


@dataclass
class Plan:
    rules: Proposal  # the rules' candidates and notes; with ask open, verified and decided (what chose the open fields)
    asks: list[Ask]


def open_fields(g: Group, rules: dict[str, FieldResult], ask: str) -> list[str]:
    """The group's fields to ask about. With `ask="open"`, those the rules did not settle: no value, a value not
    verified, or a failed check (a verified value only low in confidence is at its span and re-parses)."""
    if ask == "all":
        return list(g.fields)
    return [p for p in g.fields
            if not ((r := rules.get(p)) and r.value is not None and r.status in (VERIFIED, DERIVED)
                    and not CHECK_FAILURES & set(r.reasons))]


def prepare(rules: Backend, groups: list[Group], ask: str, doc: Document, cleaned: Cleaned | None) -> Plan:
    """The rules' proposal and the calls to make: per group its passages (ask all), or one set of sentences and the
    open fields they name (ask open)."""
    cleaned = cleaned if cleaned is not None else clean(doc.original)
    said = rules.propose(doc, cleaned)
    if any(c.path == "meta.doc_type" and NOT_A_REPORT in c.reasons for c in said.candidates):
        return Plan(said, [])  # nothing to ask of a non-report
    settled = settled_regions(said.candidates)
    if ask == "all":
        chunks = chunks_of(cleaned)
        picked = [(g, relevant(chunks, g, settled)) for g in groups]
        return Plan(said, [Ask(g.name, cs, list(g.fields)) for g, cs in picked if cs])
    said.verified = verify_all(said.candidates, doc.original)
    said.decided = decide(said.verified)
    todo = [p for g in groups for p in open_fields(g, said.decided, ask)]
    group_terms = {p: g.terms for g in groups for p in g.fields}
    # coverage's marks on the rules' decision, once: the open rows are found on them, and when the model adds no
    # value the decision stands and so do they (the pipeline would otherwise mark it again, a millisecond a report)
    said.marked = dict(said.decided)
    mark_unread(said.marked, cleaned)
    tables: list[RowTable] = list(open_tables(cleaned, said.marked, marked=True))
    legacy, legacy_region = open_legacy(cleaned, said.decided, said.candidates, f"T{len(tables) + 1}")
    tables += [legacy] if legacy is not None else []
    # a table sent whole is not sent again sentence by sentence, nor a 统计表 the rules read
    skip = settled + [(t.chunk.start, t.chunk.end) for t in tables] + ([legacy_region] if legacy_region else [])
    sent = sentences_for(chunks_of(cleaned, sentences=True), skip, todo, group_terms)
    fields = sent.fields if sent.chunks else []
    return Plan(said, [Ask(OPEN_PROMPT, sent.chunks if fields else [], fields, tables)] if fields or tables else [])
