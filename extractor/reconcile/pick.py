"""Picking: one result per field from its verified candidates, then the cross-field checks.

Per field, the best verified candidate wins (table > sentence > model > zero statement > …); values that disagree
are kept as alternatives. Rules and a model are two witnesses: both verified and equal raises confidence, both
verified and different is a conflict, a lone verified witness wins with less. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from extractor.core import result as R
from extractor.core.candidates import Candidate
from extractor.core.result import FieldResult
from extractor.core.schema import alternative
from extractor.reconcile.checks import check
from extractor.reconcile.verification import Checked, Verified, verify_all
from extractor.text.numbers import values_equal

METHOD_RANK = {"table": 0, "sentence": 1, "model": 2, "model_row": 2, "zero_statement": 3, "section": 4, "inferred": 5, "derived": 6}
_SETTLED = (R.VERIFIED, R.DERIVED)


def decide(verified: Verified) -> dict[str, FieldResult]:
    """The fields' results from verified candidates, checked across fields (a new set at each call)."""
    results = {p: _pick(p, cs) for p, cs in verified.by_path.items()}
    check(results)
    return results


def merge(candidates: list[Candidate], original: str) -> dict[str, FieldResult]:
    """Verify, then decide: the whole of reconcile on one report's candidates."""
    return decide(verify_all(candidates, original))


def _alt(x: Checked) -> dict[str, Any]:
    c = x.candidate
    return alternative(c.value, c.evidence, c.span, c.method, c.backend, x.status, x.reasons)


def _pick(path: str, cands: list[Checked]) -> FieldResult:
    if len(cands) == 1 and cands[0].candidate.value is not None:
        return _only(path, cands[0])  # most fields: one witness with a value, nothing unsettled or to weigh
    # readings a person has to choose between: an ambiguous table split, a value refused where it was read
    # and nulls that say why (a blank table cell, a pronoun where a name should be)
    unsettled = [x.candidate for x in cands if x.candidate.value is None
                 and (x.candidate.alternatives or x.candidate.reasons)]
    cands = [x for x in cands if x.candidate.value is not None]
    reasons = list(dict.fromkeys(x for c in unsettled for x in c.reasons))
    if not cands:
        u = unsettled[0] if unsettled else None
        r = FieldResult(path, None, status=R.AMBIGUOUS if R.AMBIGUOUS_SPLIT in reasons else R.UNVERIFIED,
                        method=u.method if u else None, reasons=reasons)
        r.alternatives = [a for c in unsettled for a in c.alternatives]
        return r
    r = _pick_valued(path, cands)
    if r.method == R.MODEL_ROW and r.status == R.VERIFIED:
        # a reader that could not cut a row's cells says nothing against a reading of them the checks verified
        unsettled = [c for c in unsettled if c.alternatives or R.CELLS_NOT_READ not in c.reasons]
        reasons = list(dict.fromkeys(x for c in unsettled for x in c.reasons))
    if unsettled:
        r.reasons.extend(x for x in reasons if x not in r.reasons)
        r.alternatives.extend(a for c in unsettled for a in c.alternatives)
    return r


def _pick_valued(path: str, cands: list[Checked]) -> FieldResult:
    """One witness: the best candidate. Two (rules and a model): agreement raises confidence, a lone
    verified witness wins with less, and two verified witnesses that differ are a conflict for review."""
    model = [x for x in cands if x.candidate.method == "model"]
    rules = [x for x in cands if x.candidate.method != "model"]
    if not model or not rules:
        return _pick_one(path, cands)
    r, m = _pick_one(path, rules), _pick_one(path, model)
    r_ok, m_ok = r.status in _SETTLED, m.status in _SETTLED
    if r_ok and m_ok:
        if values_equal(r.value, m.value):
            r.confidence = min(1.0, max(r.confidence, m.confidence) + 0.1)
            r.reasons.append(R.BACKENDS_AGREE)
            return r
        r.status = R.CONFLICT
        r.reasons.append(R.BACKENDS_DISAGREE)
        r.confidence = min(r.confidence, 0.4)
        r.alternatives.insert(0, _result_alt(m, "model"))
        return r
    best, other = (r, m) if r_ok or not m_ok else (m, r)
    if not values_equal(best.value, other.value):
        best.confidence = max(0.0, best.confidence - 0.2)
        best.reasons.append(R.OTHER_WITNESS_UNVERIFIED)  # a witness said something else: a person looks
        best.alternatives.append(_result_alt(other, "model" if other is m else "rules"))
    return best


def _result_alt(r: FieldResult, backend: str) -> dict[str, Any]:
    return alternative(r.value, r.evidence, r.span, r.method, backend, r.status, r.reasons)


def _result_of(path: str, x: Checked) -> FieldResult:
    """The field's result from its chosen candidate: its reasons and the check's, its confidence capped when the
    check did not settle it."""
    best, status, reasons = x
    merged = best.reasons + reasons
    r = FieldResult(path, best.value, best.evidence, best.span, best.approximate, best.confidence, status,
                    list(dict.fromkeys(merged)) if len(merged) > 1 else merged, best.method, share=best.share)
    if status not in _SETTLED:
        r.confidence = min(r.confidence, 0.3)
    return r


def _approximate(r: FieldResult) -> FieldResult:
    """An approximate value (约, 余) says so, with less confidence."""
    if r.approximate:
        r.reasons.append(R.APPROXIMATE)
        r.confidence = max(0.0, r.confidence - 0.1)
    return r


def _only(path: str, x: Checked) -> FieldResult:
    """`_pick_one` of a single candidate: it is the best, and nothing else disagrees or agrees with it."""
    return _approximate(_result_of(path, x))


def _pick_one(path: str, cands: list[Checked]) -> FieldResult:
    if len(cands) == 1:
        return _only(path, cands[0])
    ok = [x for x in cands if x.status in _SETTLED] or cands

    def key(x: Checked) -> tuple[int, float, int]:
        c = x.candidate
        size = -float(c.value) if path == "proactive.total" and isinstance(c.value, (int, float)) else 0.0
        return (METHOD_RANK.get(c.method, 9), size, c.span[0] if c.span else 0)

    if len(ok) > 1:
        ok.sort(key=key)
    best, status = ok[0].candidate, ok[0].status
    r = _result_of(path, ok[0])
    others = [x for x in cands if x.candidate is not best and not values_equal(x.candidate.value, best.value)]
    if others:
        table_vs_prose = any(x.candidate.method != best.method for x in others)
        r.reasons.append(R.SOURCE_DISAGREES if table_vs_prose else R.MULTIPLE_CANDIDATES)
        r.confidence = max(0.0, r.confidence - 0.25)
        seen = set()
        for x in others:
            k = (repr(x.candidate.value), x.candidate.span)
            if k not in seen:
                seen.add(k)
                r.alternatives.append(_alt(x))
    else:
        agreeing = [x for x in cands if x.candidate is not best and x.status == R.VERIFIED]
        if agreeing and status == R.VERIFIED:
            r.confidence = min(1.0, r.confidence + 0.05)
    return _approximate(r)
