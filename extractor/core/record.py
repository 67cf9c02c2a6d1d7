"""The per-report record as a run writes it (results.jsonl, `--per-report-json`): compact, and the full record it
stands for.

A compact record has the full record's keys, and in `fields` every group, with each field that says something:
a value, evidence, a status other than unverified, a reason, an alternative. A field left out is empty (null,
unverified, no evidence, confidence 0), exactly as the run database leaves it out: most of the catalogue's ~300
fields are empty in most reports, and written whole they were two thirds of a run's output. Each field written is
validated against its model of the strict schema; `expand` gives the full record (every field), which validates
against the whole schema (`extractor schema`).

A field as the pipeline makes it (exact types: a float confidence in [0, 1], an int span, a value of its kind) is
checked here directly, with what the model's dump of it would be (`_plain_field`); anything else (a value pydantic
would coerce, or refuse) goes through the field's model, which decides: the same record either way, an order of
magnitude less CPU for the common case.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any, get_args

from extractor import __version__
from extractor.core.catalogue import ENUMS, catalogue
from extractor.core.result import EMPTY, NOT_A_REPORT
from extractor.core.schema import Status, field_model, nest, report_model

GROUPS = ("meta", "proactive", "requests", "fees", "appeals", "capacity", "assessment", "standard_table")

_KEYS = frozenset(EMPTY)  # a field's keys, as `FieldResult.as_dict` gives them (and the model allows)
_ALT_KEYS = frozenset(("value", "evidence", "span", "method", "backend", "status", "reasons"))
_STATUSES = frozenset(get_args(Status))
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only: another digit is the model's to judge
_NO = object()  # not a plain value: the model decides


def _span(v: Any) -> Any:
    if v is None:
        return None
    if type(v) in (list, tuple) and len(v) == 2 and type(v[0]) is int and type(v[1]) is int:
        return [v[0], v[1]]
    return _NO


def _strs(v: Any) -> Any:
    if type(v) is list and all(type(x) is str for x in v):
        return list(v)
    return _NO


def _any(v: Any) -> Any:
    """An alternative's value (`Any`): a JSON scalar or a list of them, as it is; anything else the model's."""
    t = type(v)
    if v is None or t is str or t is int or t is bool or (t is float and math.isfinite(v)):
        return v
    if t is list and all(type(x) in (str, int) for x in v):
        return list(v)
    return _NO


def _alternative(a: Any) -> Any:
    if type(a) is not dict or "value" not in a or not _ALT_KEYS.issuperset(a):
        return _NO
    out = {"value": _any(a["value"]), "evidence": a.get("evidence"), "span": _span(a.get("span")),
           "method": a.get("method"), "backend": a.get("backend"), "status": a.get("status"),
           "reasons": _strs(a.get("reasons", []))}
    if (out["value"] is _NO or out["span"] is _NO or out["reasons"] is _NO
            or not all(out[k] is None or type(out[k]) is str for k in ("evidence", "method", "backend"))
            or not (out["status"] is None or (type(out["status"]) is str and out["status"] in _STATUSES))):
        return _NO
    return out


def _int(v: Any) -> Any:
    return v if type(v) is int else _NO


def _yuan(v: Any) -> Any:
    return v if type(v) is int or (type(v) is float and math.isfinite(v)) else _NO


def _text(v: Any) -> Any:
    return v if type(v) is str else _NO


def _date(v: Any) -> Any:
    return v if type(v) is str and _DATE.fullmatch(v) else _NO


def _enum(allowed: frozenset[str]) -> Any:
    return lambda v: v if type(v) is str and v in allowed else _NO


@cache
def _checks() -> dict[str, Any]:
    """Per catalogue path, its value's check: the value as the model dumps it, or _NO (the model decides)."""
    kinds = {"int": _int, "yuan": _yuan, "text": _text, "date": _date, "list": _strs}
    return {p: _enum(frozenset(ENUMS[p])) if spec.kind == "enum" else kinds.get(spec.kind, lambda v: _NO)
            for p, spec in catalogue().items()}


def _plain_field(path: str, d: dict[str, Any]) -> dict[str, Any] | None:
    """`field_model(path).model_validate(d).model_dump(mode="json")` for a field of exact, valid types (the same dict,
    key for key, in the model's order); None when the model must judge it."""
    if d.keys() != _KEYS:
        return None
    c, page, status, ev, method, reasons, alts = (d["confidence"], d["page"], d["status"], d["evidence"], d["method"],
                                                   d["reasons"], d["alternatives"])
    if not (type(c) is float and 0.0 <= c <= 1.0 and type(d["approximate"]) is bool
            and (page is None or (type(page) is int and page >= 1))
            and type(status) is str and status in _STATUSES
            and (ev is None or type(ev) is str) and (method is None or type(method) is str)
            and type(alts) is list and type(reasons) is list):
        return None
    span = d["span"]
    if span is not None and (span := _span(span)) is _NO:
        return None
    if reasons:
        if (reasons := _strs(reasons)) is _NO:
            return None
    else:
        reasons = []
    value = d["value"]
    if value is not None and (value := _checks()[path](value)) is _NO:
        return None
    if alts:
        alts = [_alternative(a) for a in alts]
        if any(a is _NO for a in alts):
            return None
    else:
        alts = []
    return {"evidence": ev, "span": span, "approximate": d["approximate"], "confidence": c, "status": status,
            "reasons": reasons, "method": method, "alternatives": alts, "page": page, "value": value}


def validated(path: str, d: dict[str, Any]) -> dict[str, Any]:
    """A field as its model of the strict schema validates and dumps it (a wrong type or an unknown key raises
    pydantic's ValidationError)."""
    plain = _plain_field(path, d)
    return plain if plain is not None else field_model(path).model_validate(d).model_dump(mode="json")


def validated_fields(flat: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{path: field as a dict} without its empty fields, each other one validated, in catalogue order (a wrong type or
    an unknown key raises pydantic's ValidationError, as the whole schema would)."""
    kept = {p: validated(p, d) for p in catalogue()  # catalogue order
            if (d := flat.get(p)) is not None and d != EMPTY}
    if len(flat) > len(kept) and (unknown := set(flat) - set(catalogue())):
        raise ValueError(f"not fields of the catalogue: {sorted(unknown)}")
    return kept


def nested_fields(kept: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A record's `fields` from its validated fields (`validated_fields`): every group, each field in its place."""
    out: dict[str, Any] = {g: {} for g in GROUPS}
    out.update(nest(kept))
    return out


def compact_fields(flat: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A record's `fields` from {path: field as a dict}: the empty ones left out, each other one validated (a wrong
    type or an unknown key raises pydantic's ValidationError, as the whole schema would)."""
    return nested_fields(validated_fields(flat))


def not_a_report(doc_type: dict[str, Any] | None) -> bool:
    """Whether a record's meta.doc_type (its field dict, None when empty) says the text is no disclosure report."""
    return NOT_A_REPORT in (doc_type or {}).get("reasons", ())


def header(report_id: str, path: str, sha256: str, encoding: str, backend: str, status: str,
           notes: list[str]) -> dict[str, Any]:
    """A record's keys besides its fields (this extractor's version with them)."""
    return {"id": report_id, "path": path, "sha256": sha256, "encoding": encoding, "backend": backend,
            "extractor_version": __version__, "status": status, "notes": notes}


def compact(head: dict[str, Any], flat: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The compact record of a report: `head` (`header`) and its fields."""
    return {**head, "fields": compact_fields(flat)}


def expand(record: dict[str, Any]) -> dict[str, Any]:
    """The full record of a compact one (or of a full one: the same): every field, the empty ones as EMPTY."""
    return report_model().model_validate(record).model_dump(mode="json")
