"""A field's result, and every status and reason code a record can carry, each with what it means.

`FieldResult` is what reconcile makes of a field's candidates and what every later stage (coverage, the store, the
review queue, the export) reads. The codes are declared here once: the stages that give one take its value from
here, or (the template's readers, which keep their own name for it) give the value listed here. A code with a `:`
is a prefix followed by what it is about. Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REVIEW_THRESHOLD = 0.7  # a field with a lower confidence is reviewed

STATUSES: dict[str, str] = {}
REASONS: dict[str, str] = {}  # every reason code, with its meaning
PREFIXES: dict[str, str] = {}  # the codes followed by what they are about


def _status(code: str, meaning: str) -> str:
    STATUSES[code] = meaning
    return code


def _reason(code: str, meaning: str) -> str:
    (PREFIXES if code.endswith(":") else REASONS)[code] = meaning
    return code


VERIFIED = _status("verified", "the evidence is at its span in the original and re-parses to the value")
DERIVED = _status("derived", "inferred from the report, or computed from other fields (a sum)")
UNVERIFIED = _status("unverified", "no value, or a value its evidence does not vouch for")
CONFLICT = _status("conflict", "two verified witnesses (rules and a model) give different values")
AMBIGUOUS = _status("ambiguous", "null: the source admits more than one reading, listed as alternatives")
UNREAD = _status("unread", "null: the report addresses the field and no reader read it")

# verification: a candidate against the original at its span (reconcile.verify)
NO_EVIDENCE = _reason("no_evidence", "a value with no evidence or no span, and neither inferred nor derived")
EVIDENCE_NOT_AT_SPAN = _reason("evidence_not_at_span", "the evidence is in the original, but not at its span")
EVIDENCE_NOT_IN_SOURCE = _reason("evidence_not_in_source", "the evidence is nowhere in the original")
NUMBER_NOT_IN_EVIDENCE = _reason("number_not_in_evidence",
                                 "the evidence does not re-parse to the value (or a quote cuts its number short)")
EVIDENCE_OFF_FIELD = _reason("evidence_off_field",
                             "a model's evidence states another field (its label), or its name or item is a fragment")
DATE_NOT_IN_EVIDENCE = _reason("date_not_in_evidence", "the evidence's first date is not the value")
TEXT_NOT_IN_EVIDENCE = _reason("text_not_in_evidence", "a text value or a list item is not in its evidence")
NOT_A_NAME = _reason("not_a_name", "an issuing body that is not an organisation's name (我镇政府, a fragment)")
INFERRED = _reason("inferred", "a value inferred from the report as a whole, not read at a span")
UNKNOWN_KIND = _reason("unknown_kind", "the field's kind is one verification cannot check")

# merging: the candidates of one field, and two witnesses (reconcile.merge)
INSTRUCTION_IN_SOURCE = _reason("instruction_in_source",
                                "read from a sentence addressed to a model (or the one after it): no value taken")
BACKENDS_AGREE = _reason("backends_agree", "rules and a model, both verified, give the same value")
BACKENDS_DISAGREE = _reason("backends_disagree", "rules and a model, both verified, give different values")
OTHER_WITNESS_UNVERIFIED = _reason("other_witness_unverified", "the other witness said something else, unverified")
SOURCE_DISAGREES = _reason("source_disagrees",
                           "the report states another value elsewhere (a table against a sentence), an alternative")
MULTIPLE_CANDIDATES = _reason("multiple_candidates", "one method read several values, the others alternatives")
APPROXIMATE = _reason("approximate", "the evidence states the number approximately (约, 余, 近)")
OCR = _reason("ocr", "read by OCR from a page image: the value's confidence is scaled by OCR's; a blank cell OCR saw "
                     "is reviewed (OCR may have missed its digit)")

# cross-field checks (reconcile.checks) and the template's identities (template.checks)
SUM_OK = _reason("sum_ok", "the parts add up to the total")
SUM_MISMATCH = _reason("sum_mismatch", "the parts exceed, or do not add up to, the total")
PERCENT_OK = _reason("percent_ok", "the share the report states (占N%) matches the count over the total")
PERCENT_MISMATCH = _reason("percent_mismatch", "the share the report states is off the count over the total")
NEGATIVE_COUNT = _reason("negative_count", "a count below zero (outside the 本年增/减 figures)")
IDENTITY_FAILED = _reason("identity_failed", "a template identity over this cell does not hold (see identity:)")
IDENTITY = _reason("identity:", "which identity failed: <identity>:<row or column>")
SUM_OF = _reason("sum_of:", "a derived sum: of the named fields, or of <n>_cells of the template")
CELL = _reason("cell:", "a summary field copied from this template cell")
BLANK_AS_ZERO = _reason("blank_as_zero:", "<n>_cells blank among the numbers of a sum, counted as 0")

# checks across reports: one body's numbers in consecutive years (reconcile.across)
ACROSS_YEARS_AGREE = _reason("across_years_agree",
                             "an identity with the same body's report of the year before or after holds (both raised)")
ACROSS_YEARS_DISAGREE = _reason("across_years_disagree",
                                "an identity with the same body's report of the year before or after fails: the "
                                "item shows both reports and both pieces of evidence (one of them is wrong, or the "
                                "body recounted)")
ACROSS_YEARS_SETTLED = _reason("across_years_settled",
                               "a run-together cut with several readings: the one reading that agrees with the same "
                               "body's report of the neighbouring year")

# the readers (rules, template)
NOT_A_REPORT = _reason("not_a_report", "on meta.doc_type = other: the text is not a disclosure report")
PRONOUN_NOT_A_NAME = _reason("pronoun_not_a_name", "null issuing body: the report names it only as 我镇/我局")
COMBINED_ROW = _reason("combined_row", "an old-table row joining two categories: read only when it is 0")
AMBIGUOUS_SPLIT = _reason("ambiguous_split", "a run of digits that splits into cells more than one way")
BLANK_CELL = _reason("blank_cell", "a null cell the table prints empty: read, and it states nothing")

# a model's reading of a table row the rules left open (template.rowcheck): verified only by the checks
MODEL_ROW = "model_row"  # the method of a cell a model read as part of a row
ROW_READING_ONLY = _reason("row_reading_only", "a model's reading of a row, one of several its digits and the "
                           "identities allow: no second witness agrees, so it is a suggestion for review")
CELLS_NOT_READ = _reason("cells_not_read", "a 统计表 row whose label is there and whose cells do not read as the "
                                           "table's number columns")
# (a row reading the checks refuse gives no value at all: the cells stay as the rules left them, with a note)

# coverage: a null field the report addresses (status unread)
TABLE_NOT_READ = _reason("table_not_read", "the field's table is in the report, with numbers, and no reader read it")
TABLE_MISSING = _reason("table_missing", "the field's table heading is there and its numbers are not")
ROW_NOT_READ = _reason("row_not_read", "a row of a table read in part: the template prints it and no reader read it")
STATED_NOT_READ = _reason("stated_not_read", "a number labelled as the field, kept as a suggestion, not read")
SECTION_NOT_READ = _reason("section_not_read", "a section on problems or measures whose list came out null")
OCR_PART_IN_REVIEW = _reason("ocr_part_in_review",
                              "derived from a table OCR read, one of whose cells is in review: the sum is reviewed too")
UNREAD_REASONS = (TABLE_NOT_READ, TABLE_MISSING, ROW_NOT_READ, STATED_NOT_READ, SECTION_NOT_READ)

# A field with one of these failed a check: it is reviewed whatever its confidence.
CHECK_FAILURES = frozenset({
    SUM_MISMATCH, PERCENT_MISMATCH, SOURCE_DISAGREES, BACKENDS_DISAGREE, MULTIPLE_CANDIDATES, EVIDENCE_NOT_AT_SPAN,
    EVIDENCE_NOT_IN_SOURCE, NUMBER_NOT_IN_EVIDENCE, TEXT_NOT_IN_EVIDENCE, AMBIGUOUS_SPLIT, IDENTITY_FAILED,
    EVIDENCE_OFF_FIELD, NO_EVIDENCE, OTHER_WITNESS_UNVERIFIED, INSTRUCTION_IN_SOURCE, ROW_READING_ONLY,
    OCR_PART_IN_REVIEW, ACROSS_YEARS_DISAGREE})
# A field with no value is still reviewed when one of these says why a value was not taken.
NULL_FLAGS = frozenset({INSTRUCTION_IN_SOURCE, PRONOUN_NOT_A_NAME, OCR})
# The failures that put a field first in the review queue (with conflicts, ambiguities and identity:).
HARD_FAILURES = frozenset({SUM_MISMATCH, PERCENT_MISMATCH, SOURCE_DISAGREES, BACKENDS_DISAGREE, IDENTITY_FAILED,
                           OTHER_WITNESS_UNVERIFIED, ACROSS_YEARS_DISAGREE})


def known(code: str) -> bool:
    """Whether a reason code is one listed here (a prefixed one by its prefix)."""
    return code in REASONS or any(code.startswith(p) for p in PREFIXES)


@dataclass
class FieldResult:
    path: str
    value: Any = None
    evidence: str | None = None
    span: tuple[int, int] | None = None
    approximate: bool = False
    confidence: float = 0.0
    status: str = UNVERIFIED
    reasons: list[str] = field(default_factory=list)
    method: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    page: int | None = None  # the 1-based page of the evidence (paged input: PDF, scans); None otherwise
    # the share of its total the report states for the value (占N%), as the reader of the evidence found it: what
    # the percentage check compares (not part of the record)
    share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "evidence": self.evidence, "span": list(self.span) if self.span else None,
                "approximate": self.approximate, "confidence": round(self.confidence, 3), "status": self.status,
                "reasons": self.reasons, "method": self.method, "alternatives": self.alternatives, "page": self.page}

    def needs_review(self, threshold: float = REVIEW_THRESHOLD) -> bool:
        if self.value is None and self.status not in (CONFLICT, AMBIGUOUS, UNREAD):
            return bool(NULL_FLAGS & set(self.reasons))
        return (self.status not in (VERIFIED, DERIVED) or self.confidence < threshold
                or bool(CHECK_FAILURES & set(self.reasons)))


EMPTY = FieldResult("").as_dict()  # what a field says when it says nothing (the store keeps no row for it)
