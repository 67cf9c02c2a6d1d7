"""Strict response models: for every field of a group, the value and a verbatim quote (and where it is)."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

import instructor
from instructor import OpenAISchema
from pydantic import BaseModel, ConfigDict, Field, create_model

from extractor.llm.groups import meaning

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
def row_model() -> type[BaseModel]:
    """A table row's reading: its numbers in column order and a verbatim quote of the row."""
    return create_model(
        "RowAnswer",
        __config__=ConfigDict(extra="forbid"),
        numbers=(list[int | float | None] | None,
                 Field(default=None, description="the row's numbers in column order; null for a blank cell")),
        quote=(str | None, Field(default=None, description="the row verbatim: its label and all its numbers")),
        chunk=(str | None, Field(default=None, description="id of the table the row is in, e.g. T1")),
    )


@cache
def fields_model(paths: tuple[str, ...], name: str = "open_fields",
                 rows: tuple[tuple[str, str], ...] = ()) -> type[OpenAISchema]:
    """A response model for these fields (any groups), each described by what its group's prompt says it means, and
    for table rows (`rows`: their keys and labels) a reading each."""
    from extractor.core.catalogue import spec

    fields: dict[str, Any] = {key(p): (answer_model(spec(p).kind) | None, Field(default=None, description=meaning(p)))
                              for p in paths}
    fields.update({k: (row_model() | None, Field(default=None, description=label)) for k, label in rows})
    model = create_model(f"{name.title().replace('_', '')}Answers", __config__=ConfigDict(extra="forbid"), **fields)
    # wrapped once here, so that instructor neither re-wraps the model nor regenerates its JSON schema per call; the
    # wrapper is an OpenAISchema (`from_response`), though instructor's annotation says only "the same type"
    return cast("type[OpenAISchema]", instructor.openai_schema(model))
