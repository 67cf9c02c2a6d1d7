"""The per-report record as a run writes it (results.jsonl, `--per-report-json`): compact, and the full record it
stands for.

A compact record has the full record's keys, and in `fields` every group, with each field that says something:
a value, evidence, a status other than unverified, a reason, an alternative. A field left out is empty (null,
unverified, no evidence, confidence 0), exactly as the run database leaves it out: most of the catalogue's ~300
fields are empty in most reports, and written whole they were two thirds of a run's output. Each field written is
validated against its model of the strict schema; `expand` gives the full record (every field), which validates
against the whole schema (`extractor schema`).
"""

from __future__ import annotations

from typing import Any

from extractor import __version__
from extractor.core.catalogue import catalogue
from extractor.core.result import EMPTY
from extractor.core.schema import field_model, nest, report_model

GROUPS = ("meta", "proactive", "requests", "fees", "appeals", "capacity", "assessment", "standard_table")


def compact_fields(flat: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A record's `fields` from {path: field as a dict}: the empty ones left out, each other one validated (a wrong
    type or an unknown key raises pydantic's ValidationError, as the whole schema would)."""
    kept = {p: field_model(p).model_validate(d).model_dump(mode="json") for p in catalogue()  # catalogue order
            if (d := flat.get(p)) is not None and d != EMPTY}
    if len(flat) > len(kept) and (unknown := set(flat) - set(catalogue())):
        raise ValueError(f"not fields of the catalogue: {sorted(unknown)}")
    out: dict[str, Any] = {g: {} for g in GROUPS}
    out.update(nest(kept))
    return out


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
