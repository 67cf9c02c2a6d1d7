"""Reconcile: re-check every candidate against the source, merge witnesses, run cross-field checks.

A value is `verified` only when original[start:end] == evidence and the evidence re-parses to the
value. Cross-field arithmetic raises or lowers confidence; every lowered confidence carries a
reason code. A source that breaks an identity is reported, never corrected. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from extractor.core.candidates import Candidate
from extractor.core.catalogue import catalogue
from extractor.core.schema import alternative
from extractor.template.checks import check_standard_table
from extractor.text.injection import instruction_regions, overlaps
from extractor.text.labels import context_of, continues_number, states_field
from extractor.text.numbers import dates, reparse, values_equal
from extractor.text.script import fold

METHOD_RANK = {"table": 0, "sentence": 1, "model": 2, "zero_statement": 3, "section": 4, "inferred": 5, "derived": 6}
REVIEW_THRESHOLD = 0.7
CHECK_FAILURES = {"sum_mismatch", "percent_mismatch", "source_disagrees", "backends_disagree", "multiple_candidates",
                  "evidence_not_in_source", "evidence_not_at_span", "number_not_in_evidence", "text_not_in_evidence",
                  "ambiguous_split", "identity_failed", "evidence_off_field", "no_evidence", "other_witness_unverified",
                  "instruction_in_source"}
# A field with no value is still reviewed when one of these says why a value was not taken.
NULL_FLAGS = {"instruction_in_source", "pronoun_not_a_name"}
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass
class FieldResult:
    path: str
    value: Any = None
    evidence: str | None = None
    span: tuple[int, int] | None = None
    approximate: bool = False
    confidence: float = 0.0
    status: str = "unverified"
    reasons: list[str] = field(default_factory=list)
    method: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "evidence": self.evidence, "span": list(self.span) if self.span else None,
                "approximate": self.approximate, "confidence": round(self.confidence, 3), "status": self.status,
                "reasons": self.reasons, "method": self.method, "alternatives": self.alternatives}

    def needs_review(self, threshold: float = REVIEW_THRESHOLD) -> bool:
        if self.value is None and self.status not in ("conflict", "ambiguous", "unread"):
            return bool(NULL_FLAGS & set(self.reasons))
        return (self.status not in ("verified", "derived") or self.confidence < threshold
                or bool(CHECK_FAILURES & set(self.reasons)))


def _norm_text(s: str) -> str:
    return _PUNCT.sub("", fold(s))


def _date_in(evidence: str) -> str | None:
    found = dates(fold(evidence))
    return found[0].iso if found else None


def verify(c: Candidate, original: str) -> tuple[str, list[str]]:
    """(status, reasons) for one candidate against the original text."""
    kind = catalogue()[c.path].kind
    if c.value is None:
        return "unverified", []
    if c.evidence is None or c.span is None:
        if c.method in ("inferred", "derived"):
            return "derived", ["inferred"] if c.method == "inferred" else []
        return "unverified", ["no_evidence"]
    s, e = c.span
    if not (0 <= s < e <= len(original)) or original[s:e] != c.evidence:
        return "unverified", ["evidence_not_at_span" if c.evidence in original else "evidence_not_in_source"]
    if kind in ("int", "yuan"):
        parsed = reparse(c.evidence, kind)
        if parsed is None or not values_equal(parsed.value, c.value):
            return "unverified", ["number_not_in_evidence"]
        if c.method == "model":
            if continues_number(original, c.span):
                return "unverified", ["number_not_in_evidence"]  # the quote cuts a number short
            if not states_field(c.path, context_of(original, c.span)):
                return "unverified", ["evidence_off_field"]  # the quote's label is some other quantity's
        return "verified", []
    if kind == "date":
        return ("verified", []) if _date_in(c.evidence) == c.value else ("unverified", ["date_not_in_evidence"])
    if kind == "text":
        if _norm_text(str(c.value)) not in _norm_text(c.evidence) or not _norm_text(str(c.value)):
            return "unverified", ["text_not_in_evidence"]
        if c.path == "meta.issuing_body" and not _ORG_NAME.match(_norm_text(str(c.value))):
            return "unverified", ["not_a_name"]  # a pronoun (我镇政府) or a fragment, whoever proposed it
        if c.method == "model" and not _names_this(c.path, str(c.value), original, c.span):
            return "unverified", ["evidence_off_field"]
        return "verified", []
    if kind == "list":
        ev = _norm_text(c.evidence)
        missing = [i for i in c.value if _norm_text(i) not in ev]
        if missing:
            return "unverified", ["text_not_in_evidence"]
        if c.method == "model" and any(len(_norm_text(i)) < MIN_ITEM for i in c.value):
            return "unverified", ["evidence_off_field"]  # 年, 报告: a fragment is not a problem or a measure
        return "verified", []
    if kind == "enum":
        return "derived", ["inferred"]
    return "unverified", ["unknown_kind"]


# What a model may name as an issuing body or title: a name, not a pronoun (我镇) or a fragment (年度报告).
_ORG_NAME = re.compile(r"^(?![我本该])[\u4e00-\u9fff（）()·]{2,40}(?:人民政府|政府|委员会|管委会|管理委员会|办公室|办事处|局|厅|委|办|署|院|"
                       r"中心|公司|所|站|队|处|镇|乡|街道|区|县|市|省)$")
_TITLE = re.compile(r"(?:报告|年报|报表)")


MIN_ITEM = 4  # characters of the shortest problem or measure a model may list


def _names_this(path: str, value: str, original: str, span: tuple[int, int]) -> bool:
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


def _alt(x: tuple[Candidate, str, list[str]]) -> dict[str, Any]:
    c, status, reasons = x
    return alternative(c.value, c.evidence, c.span, c.method, c.backend, status, reasons)


def _pick(path: str, cands: list[tuple[Candidate, str, list[str]]]) -> FieldResult:
    # readings a person has to choose between: an ambiguous table split, a value refused where it was read
    # and nulls that say why (a blank table cell, a pronoun where a name should be)
    unsettled = [x[0] for x in cands if x[0].value is None and (x[0].alternatives or x[0].reasons)]
    cands = [x for x in cands if x[0].value is not None]
    reasons = list(dict.fromkeys(x for c in unsettled for x in c.reasons))
    if not cands:
        u = unsettled[0] if unsettled else None
        r = FieldResult(path, None, status="ambiguous" if "ambiguous_split" in reasons else "unverified",
                        method=u.method if u else None, reasons=reasons)
        r.alternatives = [a for c in unsettled for a in c.alternatives]
        return r
    r = _pick_valued(path, cands)
    if unsettled:
        r.reasons.extend(x for x in reasons if x not in r.reasons)
        r.alternatives.extend(a for c in unsettled for a in c.alternatives)
    return r


def _pick_valued(path: str, cands: list[tuple[Candidate, str, list[str]]]) -> FieldResult:
    """One witness: the best candidate. Two (rules and a model): agreement raises confidence, a lone
    verified witness wins with less, and two verified witnesses that differ are a conflict for review."""
    model = [x for x in cands if x[0].method == "model"]
    rules = [x for x in cands if x[0].method != "model"]
    if not model or not rules:
        return _pick_one(path, cands)
    r, m = _pick_one(path, rules), _pick_one(path, model)
    r_ok, m_ok = r.status in ("verified", "derived"), m.status in ("verified", "derived")
    if r_ok and m_ok:
        if values_equal(r.value, m.value):
            r.confidence = min(1.0, max(r.confidence, m.confidence) + 0.1)
            r.reasons.append("backends_agree")
            return r
        r.status = "conflict"
        r.reasons.append("backends_disagree")
        r.confidence = min(r.confidence, 0.4)
        r.alternatives.insert(0, _result_alt(m, "model"))
        return r
    best, other = (r, m) if r_ok or not m_ok else (m, r)
    if not values_equal(best.value, other.value):
        best.confidence = max(0.0, best.confidence - 0.2)
        best.reasons.append("other_witness_unverified")  # a witness said something else: a person looks
        best.alternatives.append(_result_alt(other, "model" if other is m else "rules"))
    return best


def _result_alt(r: FieldResult, backend: str) -> dict[str, Any]:
    return alternative(r.value, r.evidence, r.span, r.method, backend, r.status, r.reasons)


def _pick_one(path: str, cands: list[tuple[Candidate, str, list[str]]]) -> FieldResult:
    ok = [x for x in cands if x[1] in ("verified", "derived")] or cands

    def key(x: tuple[Candidate, str, list[str]]) -> tuple[int, float, int]:
        c = x[0]
        size = -float(c.value) if path == "proactive.total" and isinstance(c.value, (int, float)) else 0.0
        return (METHOD_RANK.get(c.method, 9), size, c.span[0] if c.span else 0)

    ok.sort(key=key)
    best, status, reasons = ok[0]
    r = FieldResult(path, best.value, best.evidence, best.span, best.approximate, best.confidence, status,
                    list(dict.fromkeys(best.reasons + reasons)), best.method)
    if status not in ("verified", "derived"):
        r.confidence = min(r.confidence, 0.3)
    others = [x for x in cands if x[0] is not best and not values_equal(x[0].value, best.value)]
    if others:
        table_vs_prose = any(x[0].method != best.method for x in others)
        r.reasons.append("source_disagrees" if table_vs_prose else "multiple_candidates")
        r.confidence = max(0.0, r.confidence - 0.25)
        seen = set()
        for x in others:
            k = (repr(x[0].value), x[0].span)
            if k not in seen:
                seen.add(k)
                r.alternatives.append(_alt(x))
    else:
        agreeing = [x for x in cands if x[0] is not best and x[1] == "verified"]
        if agreeing and status == "verified":
            r.confidence = min(1.0, r.confidence + 0.05)
    if r.approximate:
        r.reasons.append("approximate")
        r.confidence = max(0.0, r.confidence - 0.1)
    return r


def merge(candidates: list[Candidate], original: str) -> dict[str, FieldResult]:
    by_path: dict[str, list[tuple[Candidate, str, list[str]]]] = {}
    regions = instruction_regions(original)
    for c in candidates:
        if regions and c.value is not None and overlaps(c.span, regions):
            c = _refused(c)  # read from a sentence addressed to a model: data, and no value of it is taken
        status, reasons = verify(c, original)
        by_path.setdefault(c.path, []).append((c, status, reasons))
    results = {p: _pick(p, cs) for p, cs in by_path.items()}
    check(results, original)
    return results


def _refused(c: Candidate) -> Candidate:
    reasons = ["instruction_in_source"]
    alt = alternative(c.value, c.evidence, c.span, c.method, c.backend, "unverified", reasons)
    return Candidate(c.path, None, method=c.method, backend=c.backend, confidence=0.0, reasons=reasons,
                     note=c.note, alternatives=[alt])


# ---- cross-field checks

def _num(results: dict[str, FieldResult], path: str) -> float | None:
    r = results.get(path)
    if r is None or not isinstance(r.value, (int, float)) or isinstance(r.value, bool):
        return None
    return float(r.value)


def _flag(results: dict[str, FieldResult], paths: list[str], reason: str, delta: float) -> None:
    for p in paths:
        r = results.get(p)
        if r is not None and r.value is not None:
            if delta < 0:
                if reason not in r.reasons:
                    r.reasons.append(reason)
                r.confidence = max(0.0, r.confidence + delta)
            else:
                r.confidence = min(1.0, r.confidence + delta)


def _derive(results: dict[str, FieldResult], path: str, value: int, sources: list[str]) -> None:
    r = FieldResult(path, value, None, None, False, 0.85, "derived", [], "derived")
    r.alternatives = []
    r.reasons = [f"sum_of:{'+'.join(s.split('.')[-1] for s in sources)}"]
    results[path] = r


def _percent_after(original: str, r: FieldResult) -> float | None:
    if r.span is None:
        return None
    tail = fold(original[r.span[1] : r.span[1] + 16])
    m = re.match(r"[^。;]{0,10}?占[^。;\d]{0,8}(\d+(?:\.\d+)?)\s*%", tail)
    return float(m.group(1)) if m else None


def check(results: dict[str, FieldResult], original: str) -> None:
    # first: the template's identities and the summary fields they derive, which the checks below look at
    check_standard_table(results, FieldResult, CHECK_FAILURES)
    total = _num(results, "proactive.total")
    channels = ["proactive.website", "proactive.gazette", "proactive.weibo", "proactive.wechat", "proactive.other_channels"]
    if total is not None:
        present = [p for p in channels if _num(results, p) is not None]
        for p in present:
            v = _num(results, p)
            if v is not None and v > total:
                _flag(results, [p, "proactive.total"], "sum_mismatch", -0.3)
        if present and sum(_num(results, p) or 0 for p in present) == total and len(present) > 1:
            _flag(results, present + ["proactive.total"], "sum_ok", 0.05)
        for p in present:
            pct = _percent_after(original, results[p])
            v = _num(results, p)
            if pct is not None and v is not None and total:
                if abs(v / total * 100 - pct) <= 0.06 + pct * 0.001:
                    _flag(results, [p, "proactive.total"], "percent_ok", 0.05)
                elif abs(v / total * 100 - pct) > 1.0:
                    _flag(results, [p], "percent_mismatch", -0.3)
    # staff: full-time + part-time = total
    ft, pt, st = (_num(results, f"capacity.staff_{k}") for k in ("full_time", "part_time", "total"))
    if ft is not None and pt is not None:
        if st is None:
            _derive(results, "capacity.staff_total", int(ft + pt), ["capacity.staff_full_time", "capacity.staff_part_time"])
        elif ft + pt == st:
            _flag(results, ["capacity.staff_full_time", "capacity.staff_part_time", "capacity.staff_total"], "sum_ok", 0.05)
        else:
            _flag(results, ["capacity.staff_full_time", "capacity.staff_part_time", "capacity.staff_total"], "sum_mismatch", -0.3)
    # appeals: outcomes sum to the total
    for kind in ("reconsideration", "litigation"):
        parts = [f"appeals.{kind}_{o}" for o in ("upheld", "corrected", "other", "pending")]
        vals = [_num(results, p) for p in parts]
        tot = _num(results, f"appeals.{kind}_total")
        if tot is not None and all(v is not None for v in vals):
            ok = sum(v for v in vals if v is not None) == tot
            _flag(results, parts + [f"appeals.{kind}_total"], "sum_ok" if ok else "sum_mismatch", 0.05 if ok else -0.3)
    # requests: outcomes cannot exceed the answers given, channels cannot exceed what was received
    handled = _num(results, "requests.handled_total")
    outcomes = ["requests.disclosed", "requests.partially_disclosed", "requests.denied", "requests.other_handling",
                "requests.already_public", "requests.not_this_agency", "requests.not_exist"]
    if handled is not None:
        s = sum(_num(results, p) or 0 for p in outcomes)
        if s > handled:
            _flag(results, outcomes + ["requests.handled_total"], "sum_mismatch", -0.3)
    received = _num(results, "requests.received")
    chans = ["requests.in_person", "requests.fax", "requests.online", "requests.letter"]
    if received is not None and sum(_num(results, p) or 0 for p in chans) > received:
        _flag(results, chans + ["requests.received"], "sum_mismatch", -0.3)
    # sanity of sizes: a report's counts are not astronomically large
    for p, r in results.items():
        if isinstance(r.value, (int, float)) and not isinstance(r.value, bool) and catalogue()[p].kind == "int":
            if r.value < 0 and not p.startswith("proactive."):
                _flag(results, [p], "negative_count", -0.4)
