"""Backends behind one narrow interface and a registry; built-in ones register like a plugin would."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from .candidates import Candidate
from .clean import Cleaned
from .document import Document
from .errors import ConfigError


class Backend(Protocol):
    name: str

    def propose(self, doc: Document, cleaned: Cleaned) -> list[Candidate]: ...


_REGISTRY: dict[str, Callable[..., Backend]] = {}


def register(name: str) -> Callable[[Callable[..., Backend]], Callable[..., Backend]]:
    def deco(factory: Callable[..., Backend]) -> Callable[..., Backend]:
        _REGISTRY[name] = factory
        return factory

    return deco


def available() -> list[str]:
    return sorted(_REGISTRY)


def create(name: str, **settings: object) -> Backend:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown backend {name!r}; available: {', '.join(available())}") from None
    return factory(**settings)


STANDARD_MARKERS = re.compile(r"本年新收政府信息公开申请数量|收到和处理政府信息公开申请情况")


@register("rules")
class RulesBackend:
    """Tables and sentence patterns only: deterministic, offline, the embedded default."""

    name = "rules"

    def __init__(self, **_: object) -> None:
        pass

    def propose(self, doc: Document, cleaned: Cleaned) -> list[Candidate]:
        from .rules import assessment, legacy_table, meta, narrative, standard_table
        from .rules.common import Context

        ctx = Context(cleaned)
        table = legacy_table.extract(ctx)  # first: it marks the table region the prose patterns skip
        std = standard_table.extract(ctx)
        out = table + std + narrative.extract(ctx) + meta.extract(ctx) + assessment.extract(ctx)
        if STANDARD_MARKERS.search(cleaned.body.text):
            fmt, note = "standard_table", "national template table headers"
        elif len({c.path for c in table}) >= 3:
            fmt, note = "legacy_table", "old statistics table rows"
        else:
            fmt, note = "narrative", "no table found"
        out.append(Candidate(path="meta.format", value=fmt, method="inferred", confidence=0.85, note=note))
        return out
