"""Cross-field checks on the fields' results: arithmetic raises or lowers confidence, never a value.

First the template's identities and the summary fields they derive (`template.checks`), which the checks here look
at; then channels against the total (and the shares the report states for them, as the readers found them:
`FieldResult.share`), staff sums, appeal outcomes, request outcomes and channels, and counts below zero. Every
lowered confidence carries a reason code; a source that breaks an identity is reported, never corrected. Only
the results are read: nothing here reads the report again. Pure: no I/O.
"""

from __future__ import annotations

from extractor.core import result as R
from extractor.core.catalogue import catalogue
from extractor.core.result import FieldResult
from extractor.template.checks import check_standard_table

CHANNELS = ["proactive.website", "proactive.gazette", "proactive.weibo", "proactive.wechat",
            "proactive.other_channels"]
STAFF = ["capacity.staff_full_time", "capacity.staff_part_time", "capacity.staff_total"]
OUTCOMES = ["requests.disclosed", "requests.partially_disclosed", "requests.denied", "requests.other_handling",
            "requests.already_public", "requests.not_this_agency", "requests.not_exist"]
REQUEST_CHANNELS = ["requests.in_person", "requests.fax", "requests.online", "requests.letter"]


def check(results: dict[str, FieldResult]) -> None:
    """Every check, in place."""
    check_standard_table(results, FieldResult, R.CHECK_FAILURES)
    _channels(results)
    _staff(results)
    _appeals(results)
    _requests(results)
    _sizes(results)


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
    r = FieldResult(path, value, None, None, False, 0.85, R.DERIVED, [], "derived")
    r.reasons = [f"{R.SUM_OF}{'+'.join(s.split('.')[-1] for s in sources)}"]
    results[path] = r


def _channels(results: dict[str, FieldResult]) -> None:
    """Channels against the total: none above it, their sum equal to it, each stated share its ratio."""
    total = _num(results, "proactive.total")
    if total is None:
        return
    present = [p for p in CHANNELS if _num(results, p) is not None]
    for p in present:
        v = _num(results, p)
        if v is not None and v > total:
            _flag(results, [p, "proactive.total"], R.SUM_MISMATCH, -0.3)
    if present and sum(_num(results, p) or 0 for p in present) == total and len(present) > 1:
        _flag(results, present + ["proactive.total"], R.SUM_OK, 0.05)
    for p in present:
        pct = results[p].share
        v = _num(results, p)
        if pct is not None and v is not None and total:
            if abs(v / total * 100 - pct) <= 0.06 + pct * 0.001:
                _flag(results, [p, "proactive.total"], R.PERCENT_OK, 0.05)
            elif abs(v / total * 100 - pct) > 1.0:
                _flag(results, [p], R.PERCENT_MISMATCH, -0.3)


def _staff(results: dict[str, FieldResult]) -> None:
    """Full-time + part-time = total (the total derived when the report states only the parts)."""
    ft, pt, st = (_num(results, p) for p in STAFF)
    if ft is None or pt is None:
        return
    if st is None:
        _derive(results, "capacity.staff_total", int(ft + pt), STAFF[:2])
    elif ft + pt == st:
        _flag(results, STAFF, R.SUM_OK, 0.05)
    else:
        _flag(results, STAFF, R.SUM_MISMATCH, -0.3)


def _appeals(results: dict[str, FieldResult]) -> None:
    """Each kind's outcomes sum to its total."""
    for kind in ("reconsideration", "litigation"):
        parts = [f"appeals.{kind}_{o}" for o in ("upheld", "corrected", "other", "pending")]
        vals = [_num(results, p) for p in parts]
        tot = _num(results, f"appeals.{kind}_total")
        if tot is not None and all(v is not None for v in vals):
            ok = sum(v for v in vals if v is not None) == tot
            _flag(results, parts + [f"appeals.{kind}_total"], R.SUM_OK if ok else R.SUM_MISMATCH,
                  0.05 if ok else -0.3)


def _requests(results: dict[str, FieldResult]) -> None:
    """Outcomes cannot exceed the answers given, channels cannot exceed what was received."""
    handled = _num(results, "requests.handled_total")
    if handled is not None and sum(_num(results, p) or 0 for p in OUTCOMES) > handled:
        _flag(results, OUTCOMES + ["requests.handled_total"], R.SUM_MISMATCH, -0.3)
    received = _num(results, "requests.received")
    if received is not None and sum(_num(results, p) or 0 for p in REQUEST_CHANNELS) > received:
        _flag(results, REQUEST_CHANNELS + ["requests.received"], R.SUM_MISMATCH, -0.3)


def _sizes(results: dict[str, FieldResult]) -> None:
    """A report's counts are not below zero (proactive.* carries the 2019 template's 本年增/减 figures)."""
    cats = catalogue()
    for p, r in results.items():
        v = r.value
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0 and cats[p].kind == "int":
            if not p.startswith("proactive."):
                _flag(results, [p], R.NEGATIVE_COUNT, -0.4)
