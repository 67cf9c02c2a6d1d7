"""The `rules` backend: tables and sentence patterns only; deterministic, offline, the embedded default."""

from __future__ import annotations

import re

from extractor.backends import Backend, Note, Proposal
from extractor.core.candidates import Candidate
from extractor.core.document import Document
from extractor.rules import assessment, legacy_table, meta, narrative
from extractor.rules.common import Context, read_shares
from extractor.template import read as standard_table
from extractor.text.clean import Cleaned

STANDARD_MARKERS = re.compile(r"本年新收政府信息公开申请数量|收到和处理政府信息公开申请情况")


class RulesBackend(Backend):
    """Tables and sentence patterns only: deterministic, offline, the embedded default."""

    name = "rules"

    def propose(self, doc: Document, cleaned: Cleaned) -> Proposal:
        ctx = Context(cleaned)
        about = meta.extract(ctx)  # reads no table region: safe before the tables mark theirs
        if about.not_a_report:
            # not a disclosure report (a 404 page, a news item, ...): doc_type = other and why (the notes), every
            # other field empty, rather than values read out of a text that is not one
            out = [c for c in about.candidates if c.path == "meta.doc_type"]
        else:
            out = self._candidates(ctx, about.candidates)
        read_shares(out, cleaned.body.original)  # 占N%: read here, so reconcile only checks it
        return Proposal(out, [Note(n) for n in about.notes])

    def _candidates(self, ctx: Context, about: list[Candidate]) -> list[Candidate]:
        legacy_table.mark(ctx)  # first: it marks the table region the prose patterns skip
        std = standard_table.extract(ctx)
        prose = narrative.extract(ctx)
        table = legacy_table.extract(ctx, prose)  # the prose's numbers are witnesses for run-together cells
        out = table + std + prose + about + assessment.extract(ctx)
        if STANDARD_MARKERS.search(ctx.body.text):
            fmt, note = "standard_table", "national template table headers"
        elif len({c.path for c in table}) >= 3:
            fmt, note = "legacy_table", "old statistics table rows"
        else:
            fmt, note = "narrative", "no table found"
        out.append(Candidate(path="meta.format", value=fmt, method="inferred", confidence=0.85, note=note))
        return out

    def warm(self) -> None:
        """The patterns, dictionaries and reconcile over one report of each format (and one in traditional script)."""
        from extractor.evaluation.corpus import FORMATS, report, to_traditional
        from extractor.ingest import from_text
        from extractor.pipeline import process

        text = ""
        for fmt in FORMATS:
            text = report(0, fmt=fmt).text
            process(from_text(text), self)
        process(from_text(to_traditional(text)), self)
