"""Backends behind one narrow interface, and the registry that builds any of them from its name and the settings.

A backend proposes candidates for one report; reconcile weighs them (`pipeline`). Every backend is built the same
way, wherever it runs (the command line, a pool worker, a model shard): `create(settings, log)`. The settings are
plain data the command line builds once (the environment is read there, nowhere else); the call log, when a backend
keeps one, is over a database its caller opened. The built-in backends are registered by module path, imported
only when asked for, like a plugin would be; an installed package adds one under the `extractor.backends` entry
point group (`name = "package.module:Class"`), or by calling `register`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from extractor.core.candidates import Candidate
from extractor.core.document import Document
from extractor.core.errors import ConfigError
from extractor.llm.settings import BatchSettings, ModelSettings
from extractor.text.clean import Cleaned, clean

if TYPE_CHECKING:
    from extractor.core.result import FieldResult
    from extractor.reconcile.verification import Verified
    from extractor.store.db import CallLog

ENTRY_POINTS = "extractor.backends"
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """What a run's backend is built from: its name, the model it asks (for a backend that calls one), the route."""

    backend: str = "rules"
    model: ModelSettings | None = None
    batch: BatchSettings | None = None  # --batch: the model calls sent as Batch API files before the run proper


@dataclass(frozen=True)
class Note:
    """A report-level message from a backend: it goes to the record's `notes`."""

    text: str
    model_failed: bool = False  # a model call failed after every attempt: the rules' values stand, the next run redoes it
    fatal: bool = False  # no call can succeed (the endpoint refuses the key, or cannot be reached): the run stops


@dataclass
class Proposal:
    """What a backend says about one report: candidate values, and notes about the report."""

    candidates: list[Candidate]
    notes: list[Note] = field(default_factory=list)
    # Reconcile's steps already taken, by a backend that had to weigh the candidates itself (the model path does, to
    # know what the rules left open), so none is done twice: `verified` is exactly `verify_all(candidates)`, and
    # `decided`, when set, exactly `decide(verified)`
    verified: Verified | None = None
    decided: dict[str, FieldResult] | None = None
    # and `marked`, when set, exactly `decided` with coverage's unread marks (`coverage.mark_unread`) applied
    marked: dict[str, FieldResult] | None = None


Reports = Callable[[], Iterable[str]]  # the paths of the run's reports not done yet, enumerated afresh at each call
Echo = Callable[[str], None]


class Backend:
    """The interface. Subclass, set `name`, implement `propose`; override `build` to read the settings or keep the
    call log. A backend that calls a model sets `calls_model`: its reports then run concurrently on event loops
    (`apropose`), and `--batch` can answer its calls ahead of the run (`prefetch`)."""

    name: ClassVar[str] = "?"
    calls_model: ClassVar[bool] = False

    @classmethod
    def build(cls, settings: Settings, log: CallLog | None) -> Backend:
        return cls()

    def config(self) -> dict[str, Any]:
        """What decides this backend's values: part of the run's configuration hash (never a key)."""
        return {"backend": self.name}

    def propose(self, doc: Document, cleaned: Cleaned) -> Proposal:
        raise NotImplementedError

    async def apropose(self, doc: Document, cleaned: Cleaned | None = None) -> Proposal:
        return self.propose(doc, cleaned if cleaned is not None else clean(doc.original))

    async def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)`, CPU work of a report (cleaning, the rules, reconcile) on the model path: a backend whose event
        loop waits on calls runs it off the loop's thread (`OpenAIBackend`); by default, here."""
        return fn(*args)

    async def aclose(self) -> None:
        """Close what this event loop opened (a model backend's connections)."""

    def warm(self) -> None:
        """Import and build once what every worker process forked from this one needs."""

    def prefetch(self, reports: Reports, batch: BatchSettings, work_dir: str, config_hash: str, echo: Echo) -> int:
        """Answer the run's model calls ahead of the run proper (`--batch`); the batches still pending."""
        raise ConfigError(f"--batch sends model calls: the {self.name} backend makes none (use --backend openai)")


Factory = type[Backend]
_BUILT_IN = {"rules": "extractor.rules.backend:RulesBackend", "openai": "extractor.llm.backend:OpenAIBackend"}
_REGISTRY: dict[str, Factory | str] = dict(_BUILT_IN)


def register(name: str, factory: Factory | str) -> None:
    """Make a backend available by name: its class, or `"module:Class"` (imported when first asked for)."""
    _REGISTRY[name] = factory


def available() -> list[str]:
    return sorted(set(_REGISTRY) | {ep.name for ep in _entry_points()})


def factory(name: str) -> Factory:
    """The class registered under `name` (a ConfigError naming the available ones if there is none)."""
    found = _REGISTRY.get(name) or next((ep.value for ep in _entry_points() if ep.name == name), None)
    if found is None:
        raise ConfigError(f"unknown backend {name!r}; available: {', '.join(available())}")
    if isinstance(found, str):
        module, _, attr = found.partition(":")
        found = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = found
    return found


def calls_model(name: str) -> bool:
    return factory(name).calls_model


def create(settings: Settings | str, log: CallLog | None = None) -> Backend:
    """The backend the settings name, built from them (a bare name: its defaults)."""
    s = Settings(settings) if isinstance(settings, str) else settings
    return factory(s.backend).build(s, log)


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINTS))
