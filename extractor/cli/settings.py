"""The run's settings, built once from the command's options and the environment (`OPENAI_BASE_URL`,
`OPENAI_API_KEY`, `OPENAI_MODEL` are read here and nowhere else), and the backend built from them."""

from __future__ import annotations

import os
from collections.abc import Callable

from extractor import backends
from extractor.backends import Backend, Settings
from extractor.core.errors import ConfigError
from extractor.llm.settings import DEFAULT_MODEL, BatchSettings, ModelSettings


def resolve(name: str) -> tuple[str, str]:
    """(backend, why) for `--backend auto|NAME`: auto uses the model when an endpoint is configured."""
    if name != "auto":
        return name, "as asked"
    if os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"):
        return "openai", "auto: an endpoint is configured (OPENAI_BASE_URL/OPENAI_API_KEY)"
    return "rules", "auto: no OPENAI_BASE_URL or OPENAI_API_KEY, so offline rules"


def build(backend: str, *, model: str | None = None, mode: str = "tools", ask: str = "open", concurrency: int = 8,
          rpm: float | None = None, timeout: float = 60.0, batch: BatchSettings | None = None,
          echo: Callable[[str], None] | None = None) -> Settings:
    """The settings for `--backend` and the model options; `echo` is told which backend and why."""
    name, why = resolve(backend)
    if echo is not None:
        echo(f"backend: {name} ({why})")
    if not backends.calls_model(name):  # an unknown name is refused here, before anything is opened
        return Settings(name, batch=batch)
    base_url = os.environ.get("OPENAI_BASE_URL")
    api_key = os.environ.get("OPENAI_API_KEY")
    ms = ModelSettings(model=model or os.environ.get("OPENAI_MODEL") or DEFAULT_MODEL, base_url=base_url,
                       api_key=api_key, mode=mode, timeout=timeout, concurrency=concurrency, rpm=rpm, ask=ask).check()
    if not base_url and not api_key:
        raise ConfigError(f"the {name} backend needs OPENAI_BASE_URL (a local server) or OPENAI_API_KEY")
    return Settings(name, ms, batch)


def backend_for(settings: Settings, db: str | None = None) -> Backend:
    """The backend for a command that runs no store of its own (eval, show): a backend that calls a model gets a
    call log over the run database (`--db`, else the default), opened here; any other, none."""
    if settings.model is None:
        return backends.create(settings)
    from extractor.store.db import CallLog, connect, db_path

    return backends.create(settings, CallLog(connect(db_path(db))))
