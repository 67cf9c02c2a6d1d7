"""The output schema: every path of FIELDS.md as strict pydantic models (unknown keys rejected).

Each extracted field carries value, evidence, span, approximate, confidence, status and reasons,
plus the method that produced it and the alternatives a reviewer should see.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from extractor.core.catalogue import APP_COLS, APP_ROWS, ENUMS, REQ_COLS, REQ_ROWS, catalogue

Status = Literal["verified", "derived", "unverified", "conflict", "ambiguous", "unread"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Alternative(Strict):
    """Another value the report states for a field, or another witness's answer, for a reviewer to weigh."""

    value: Any
    evidence: str | None = None
    span: tuple[int, int] | None = None
    method: str | None = None
    backend: str | None = None
    status: Status | None = None  # how that value itself fared in verification (None: a reading not yet checked)
    reasons: list[str] = Field(default_factory=list)


def alternative(value: Any, evidence: str | None = None, span: tuple[int, int] | list[int] | None = None,
                method: str | None = None, backend: str | None = None, status: str | None = None,
                reasons: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """An alternative as the record holds it: the one shape every producer uses (the record validates it)."""
    return {"value": value, "evidence": evidence, "span": list(span) if span else None, "method": method,
            "backend": backend, "status": status, "reasons": list(reasons)}


class FieldBase(Strict):
    evidence: str | None = None
    span: tuple[int, int] | None = None
    approximate: bool = False
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    status: Status = "unverified"
    reasons: list[str] = Field(default_factory=list)
    method: str | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    page: int | None = Field(None, ge=1)  # the evidence's page (PDF, scans); null for input without pages


class IntField(FieldBase):
    value: int | None = None


class YuanField(FieldBase):
    value: int | float | None = None


class TextField(FieldBase):
    value: str | None = None


class DateField(FieldBase):
    value: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class ListField(FieldBase):
    value: list[str] | None = None


_KIND_MODEL: dict[str, type[FieldBase]] = {"int": IntField, "yuan": YuanField, "text": TextField, "date": DateField,
                                           "list": ListField}


@cache
def field_model(path: str) -> type[FieldBase]:
    spec = catalogue()[path]
    if spec.kind == "enum":
        values: Any = Literal[ENUMS[path]]  # the enum's values, known only when the catalogue is read
        name = "".join(p.title() for p in path.split(".")[1].split("_")) + "Field"
        return create_model(name, __base__=FieldBase, value=(values | None, None))
    return _KIND_MODEL[spec.kind]


def _nested(model: type[BaseModel]) -> tuple[type[BaseModel], Any]:
    """A field definition for `create_model`: a sub-model, present (empty) by default."""
    return model, Field(default_factory=model)


def _model(name: str, fields: dict[str, Any]) -> type[Strict]:
    return create_model(name, __base__=Strict, **fields)


def _group_model(group: str) -> type[Strict]:
    fields: dict[str, Any] = {}
    for path, spec in catalogue().items():
        if spec.group == group and group != "standard_table":
            fields[path.split(".", 1)[1]] = _nested(field_model(path))
    return _model(group.title().replace("_", ""), fields)


@cache
def report_model() -> type[Strict]:
    req_row = _model("RequestsRow", {c: _nested(IntField) for c in REQ_COLS})
    app_row = _model("AppealsRow", {c: _nested(IntField) for c in APP_COLS})
    req = _model("RequestsTable", {r: _nested(req_row) for r in REQ_ROWS})
    app = _model("AppealsTable", {r: _nested(app_row) for r in APP_ROWS})
    table = _model("StandardTable", {"requests": _nested(req), "appeals": _nested(app)})
    groups = {g: _nested(_group_model(g))
              for g in ("meta", "proactive", "requests", "fees", "appeals", "capacity", "assessment")}
    groups["standard_table"] = _nested(table)
    fields_model = _model("Fields", groups)
    report: dict[str, Any] = {
        "id": (str, ...), "path": (str, ...), "sha256": (str, ...), "encoding": (str, ...), "backend": (str, ...),
        "extractor_version": (str, ...),
        "status": (Literal["done", "model_failed"], "done"),  # model_failed: the rules' values, the model's calls failed
        "notes": (list[str], Field(default_factory=list)),
        "fields": _nested(fields_model),
    }
    return _model("Report", report)


def nest(flat: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """{'meta.title': {...}} -> {'meta': {'title': {...}}} (standard-table cells nest deeper)."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        parts = path.split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


def flatten(nested: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k, v in nested.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and "status" in v and "confidence" in v:
            out[path] = v
        elif isinstance(v, dict):
            out.update(flatten(v, path))
    return out
