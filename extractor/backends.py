"""Backends behind one narrow interface and a registry; built-in ones register like a plugin would."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from extractor.core.candidates import Candidate
from extractor.core.document import Document
from extractor.core.errors import ConfigError
from extractor.text.clean import Cleaned


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
        from extractor.rules import assessment, legacy_table, meta, narrative
        from extractor.rules.common import Context
        from extractor.template import read as standard_table

        ctx = Context(cleaned)
        about = meta.extract(ctx)  # reads no table region: safe before the tables mark theirs
        if any(c.path == "meta.doc_type" and meta.NOT_A_REPORT in c.reasons for c in about):
            # not a disclosure report (a 404 page, a news item, ...): doc_type = other and why, every other field
            # empty, rather than values read out of a text that is not one
            return [c for c in about if c.path in ("meta.doc_type", "note")]
        table = legacy_table.extract(ctx)  # first: it marks the table region the prose patterns skip
        std = standard_table.extract(ctx)
        out = table + std + narrative.extract(ctx) + about + assessment.extract(ctx)
        if STANDARD_MARKERS.search(cleaned.body.text):
            fmt, note = "standard_table", "national template table headers"
        elif len({c.path for c in table}) >= 3:
            fmt, note = "legacy_table", "old statistics table rows"
        else:
            fmt, note = "narrative", "no table found"
        out.append(Candidate(path="meta.format", value=fmt, method="inferred", confidence=0.85, note=note))
        return out


@register("openai")
def _openai(**settings: object) -> Backend:
    """Rules plus a model at any OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY, --model)."""
    import os

    from extractor.llm.backend import OpenAIBackend
    from extractor.llm.transport import MODES, ModelSettings
    from extractor.store.db import CallLog, connect, db_path

    mode = str(settings.get("mode") or "tools")
    ask = str(settings.get("ask") or "open")
    if ask not in ("open", "all"):
        raise ConfigError(f"--ask is open or all, not {ask!r}")
    if mode not in MODES:
        raise ConfigError(f"unknown instructor mode {mode!r}; choose from {', '.join(MODES)}")
    base_url = os.environ.get("OPENAI_BASE_URL")
    api_key = os.environ.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        raise ConfigError("the openai backend needs OPENAI_BASE_URL (a local server) or OPENAI_API_KEY")
    ms = ModelSettings(
        model=str(settings.get("model") or os.environ.get("OPENAI_MODEL") or "gpt-4o-mini"), base_url=base_url,
        api_key=api_key, mode=mode, timeout=float(settings.get("timeout") or 60.0),  # type: ignore[arg-type]
        max_attempts=int(settings.get("max_attempts") or 4),  # type: ignore[call-overload]
        concurrency=int(settings.get("concurrency") or 8),  # type: ignore[call-overload]
        rpm=float(settings["rpm"]) if settings.get("rpm") else None,  # type: ignore[arg-type]
        backoff=float(settings.get("backoff") or 1.0),  # type: ignore[arg-type]
        ask=ask,
    )
    log = CallLog(connect(db_path(settings.get("db") if isinstance(settings.get("db"), str) else None)))
    return OpenAIBackend(ms, log)


def choose(name: str) -> tuple[str, str]:
    """(backend, why) for `--backend auto|rules|openai`: auto uses the model when an endpoint is configured."""
    import os

    if name != "auto":
        return name, "as asked"
    if os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"):
        return "openai", "auto: an endpoint is configured (OPENAI_BASE_URL/OPENAI_API_KEY)"
    return "rules", "auto: no OPENAI_BASE_URL or OPENAI_API_KEY, so offline rules"
