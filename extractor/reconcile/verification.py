"""Verification: every candidate against the original at its span.

A value is `verified` only when original[start:end] == evidence and the evidence re-parses to the value: a number
(a model's must also state this field, `text.labels`), a date, a text, a list's items; a name must have a name's
shape. A candidate read from a sentence addressed to a model is refused first (`text.injection`). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from extractor.core import result as R
from extractor.core.candidates import Candidate
from extractor.core.catalogue import catalogue
from extractor.core.schema import alternative
from extractor.text.injection import instruction_regions, overlaps
from extractor.text.labels import context_of, continues_number, states_field
from extractor.text.numbers import dates, reparse, values_equal
from extractor.text.script import fold
from extractor.text.spans import Span, at_span

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# What a model may name as an issuing body or title: a name, not a pronoun (我镇) or a fragment (年度报告).
_ORG_NAME = re.compile(r"^(?![我本该])[\u4e00-\u9fff（）()·]{2,40}(?:人民政府|政府|委员会|管委会|管理委员会|办公室|办事处|局|厅|委|办|署|院|"
                       r"中心|公司|所|站|队|处|镇|乡|街道|区|县|市|省)$")
_TITLE = re.compile(r"(?:报告|年报|报表)")
MIN_ITEM = 4  # characters of the shortest problem or measure a model may list


class Checked(NamedTuple):
    """A candidate and how it fared against the original (a tuple: made once per candidate, never changed)."""

    candidate: Candidate
    status: str
    reasons: list[str]


@dataclass
class Verified:
    """A report's candidates, each verified once, by path in the order proposed. `add` verifies more candidates
    against the same original (a model's answers after the rules') and leaves this set as it was."""

    original: str
    regions: list[Span]  # the sentences addressed to a model: no value is taken from them
    by_path: dict[str, list[Checked]] = field(default_factory=dict)

    def add(self, candidates: list[Candidate]) -> Verified:
        original, regions = self.original, self.regions
        by_path = {p: list(cs) for p, cs in self.by_path.items()}
        for c in candidates:
            if regions and c.value is not None and overlaps(c.span, regions):
                c = _refused(c)  # read from a sentence addressed to a model: data, and no value of it is taken
            checked = Checked(c, *verify(c, original))
            cs = by_path.get(c.path)
            if cs is None:
                by_path[c.path] = [checked]
            else:
                cs.append(checked)
        return Verified(original, regions, by_path)


def verify_all(candidates: list[Candidate], original: str) -> Verified:
    """Every candidate verified against the original."""
    return Verified(original, instruction_regions(original)).add(candidates)


def _refused(c: Candidate) -> Candidate:
    reasons = [R.INSTRUCTION_IN_SOURCE]
    alt = alternative(c.value, c.evidence, c.span, c.method, c.backend, R.UNVERIFIED, reasons)
    return Candidate(c.path, None, method=c.method, backend=c.backend, confidence=0.0, reasons=reasons,
                     note=c.note, alternatives=[alt])


def _norm_text(s: str) -> str:
    return _PUNCT.sub("", fold(s))


def _date_in(evidence: str) -> str | None:
    found = dates(fold(evidence))
    return found[0].iso if found else None


@cache
def _kinds() -> dict[str, str]:
    """Each catalogued path's kind (asked once per candidate)."""
    return {p: s.kind for p, s in catalogue().items()}


def verify(c: Candidate, original: str) -> tuple[str, list[str]]:
    """(status, reasons) for one candidate against the original text."""
    kind = _kinds()[c.path]
    value, evidence, span, method = c.value, c.evidence, c.span, c.method
    if value is None:
        return R.UNVERIFIED, []
    if evidence is None or span is None:
        if method in ("inferred", "derived"):
            return R.DERIVED, [R.INFERRED] if method == "inferred" else []
        return R.UNVERIFIED, [R.NO_EVIDENCE]
    if not at_span(original, evidence, span):
        return R.UNVERIFIED, [R.EVIDENCE_NOT_AT_SPAN if evidence in original else R.EVIDENCE_NOT_IN_SOURCE]
    if method == R.MODEL_ROW and R.ROW_READING_ONLY in c.reasons:
        return R.UNVERIFIED, []  # at its span, but one reading among several: the model's word alone verifies nothing
    if kind == "int" or kind == "yuan":  # most candidates: a count, its evidence re-parsed (kept per evidence)
        parsed = reparse(evidence, kind)
        if parsed is None or not _same_number(parsed.value, value):
            return R.UNVERIFIED, [R.NUMBER_NOT_IN_EVIDENCE]
        return _model_number(c, original, span) if method == "model" else (R.VERIFIED, [])
    if kind == "date":
        return (R.VERIFIED, []) if _date_in(evidence) == value else (R.UNVERIFIED, [R.DATE_NOT_IN_EVIDENCE])
    if kind == "text":
        return _text(c, original, span)
    if kind == "list":
        return _list(c)
    if kind == "enum":
        return R.DERIVED, [R.INFERRED]
    return R.UNVERIFIED, [R.UNKNOWN_KIND]


def _model_number(c: Candidate, original: str, span: Span) -> tuple[str, list[str]]:
    """A model's number, which re-parses from its quote: the quote must not cut a number short, and must state
    this field."""
    if continues_number(original, span):
        return R.UNVERIFIED, [R.NUMBER_NOT_IN_EVIDENCE]  # the quote cuts a number short
    if not states_field(c.path, context_of(original, span)):
        return R.UNVERIFIED, [R.EVIDENCE_OFF_FIELD]  # the quote's label is some other quantity's
    return R.VERIFIED, []


_EXACT = 2 ** 53  # ints below this in size are floats exactly


def _same_number(a: object, b: object) -> bool:
    """`values_equal`, its commonest case first: two equal ints (a table cell's count and its reparse)."""
    if type(a) is int and type(b) is int and a == b and -_EXACT < a < _EXACT:
        return True  # what values_equal says of them (|a - b| = 0 as floats)
    return values_equal(a, b)


def _text(c: Candidate, original: str, span: Span) -> tuple[str, list[str]]:
    value = _norm_text(str(c.value))
    if value not in _norm_text(c.evidence or "") or not value:
        return R.UNVERIFIED, [R.TEXT_NOT_IN_EVIDENCE]
    if c.path == "meta.issuing_body" and not _ORG_NAME.match(value):
        return R.UNVERIFIED, [R.NOT_A_NAME]  # a pronoun (我镇政府) or a fragment, whoever proposed it
    if c.method == "model" and not _names_this(c.path, str(c.value), original, span):
        return R.UNVERIFIED, [R.EVIDENCE_OFF_FIELD]
    return R.VERIFIED, []


def _list(c: Candidate) -> tuple[str, list[str]]:
    ev = _norm_text(c.evidence or "")
    if any(_norm_text(i) not in ev for i in c.value):
        return R.UNVERIFIED, [R.TEXT_NOT_IN_EVIDENCE]
    if c.method == "model" and any(len(_norm_text(i)) < MIN_ITEM for i in c.value):
        return R.UNVERIFIED, [R.EVIDENCE_OFF_FIELD]  # 年, 报告: a fragment is not a problem or a measure
    return R.VERIFIED, []


def _names_this(path: str, value: str, original: str, span: Span) -> bool:
    """A model's text value for a name field must have the field's shape and be a whole name where it stands: not a
    fragment of a longer one (人民政府 of ××镇人民政府), not a name cited in 《》 (other text fields: no test)."""
    v = _norm_text(value)
    if path == "meta.issuing_body":
        if not _ORG_NAME.match(v):
            return False
        where = fold(original[span[0]:span[1]])
        i = where.find(fold(value.strip()))
        if i < 0:
            return False
        before = fold(original[max(0, span[0] + i - 1):span[0] + i])
        cited = original.rfind("《", 0, span[0] + i) > original.rfind("》", 0, span[0] + i)
        return not cited and not ("\u4e00" <= before <= "\u9fff")
    if path == "meta.title":
        return bool(_TITLE.search(v)) and "公开" in v and 8 <= len(v) <= 80
    return True
