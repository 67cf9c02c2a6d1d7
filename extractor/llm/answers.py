"""Strict response models: for every field of a group, the value and a verbatim quote (and where it is)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .groups import group

_VALUE_TYPES: dict[str, Any] = {"int": int | None, "yuan": float | None, "text": str | None, "list": list[str] | None,
                                "date": str | None, "enum": str | None}


def key(path: str) -> str:
    """A field path as a response-model attribute (JSON keys may not hold dots for every server)."""
    return path.replace(".", "__")


def path_of(attr: str) -> str:
    return attr.replace("__", ".")


@cache
def answer_model(kind: str) -> type[BaseModel]:
    return create_model(
        f"Answer_{kind}",
        __config__=ConfigDict(extra="forbid"),
        value=(_VALUE_TYPES[kind], Field(description="the value; null when the report does not state it")),
        quote=(str | None, Field(default=None, description="verbatim text from the passage that states the value")),
        chunk=(str | None, Field(default=None, description="id of the passage the quote is in, e.g. C2")),
    )


@cache
def group_model(name: str, only: tuple[str, ...] | None = None) -> type[BaseModel]:
    """The group's response model, or one for the subset of its fields still to be settled."""
    g = group(name)
    fields: dict[str, Any] = {
        key(p): (answer_model(kind) | None, Field(default=None, description=g.fields[p]))
        for p, kind in g.kinds().items() if only is None or p in only
    }
    return create_model(f"{name.title().replace('_', '')}Answers", __config__=ConfigDict(extra="forbid"), **fields)
