"""What a model backend is configured with: the endpoint, the model, the mode, the bounds, and the batch route.

Plain data, built once by the command line (the only place that reads `OPENAI_*`) and handed down: to the
backend in the main process and, pickled, to every model shard. Nothing here imports the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from extractor.core.errors import ConfigError

MODE_NAMES = ("tools", "json", "json_schema", "md_json")  # instructor modes (tools: function calling)
ASK = ("open", "all")
DEFAULT_ENDPOINT = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"


@dataclass
class ModelSettings:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    mode: str = "tools"
    timeout: float = 60.0
    max_attempts: int = 4  # HTTP attempts per call for transient failures
    reasks: int = 2  # extra requests for invalid output
    backoff: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    concurrency: int = 8
    rpm: float | None = None
    ask: str = "open"  # open: only the fields the rules did not settle; all: every field, a second witness throughout
    unreachable_after: int = 3  # calls failing to connect, with none answered yet, before the run is stopped

    def __repr__(self) -> str:  # never show the key
        return f"ModelSettings(model={self.model!r}, endpoint={self.endpoint!r}, mode={self.mode!r})"

    @property
    def endpoint(self) -> str:
        """The server the calls go to, without credentials or query (part of the configuration and cache key)."""
        return endpoint_of(self.base_url)

    def check(self) -> ModelSettings:
        """Itself, or a ConfigError naming the option that has no such value."""
        if self.ask not in ASK:
            raise ConfigError(f"--ask is open or all, not {self.ask!r}")
        if self.mode not in MODE_NAMES:
            raise ConfigError(f"unknown instructor mode {self.mode!r}; choose from {', '.join(MODE_NAMES)}")
        return self


@dataclass(frozen=True)
class BatchSettings:
    """`--batch`: the run's model calls sent as OpenAI Batch API files before the run proper."""

    poll: float = 30.0  # seconds between status checks
    wait: bool = True  # wait for the answers, or submit (and check) once and stop


def endpoint_of(base_url: str | None) -> str:
    u = urlsplit(base_url or DEFAULT_ENDPOINT)
    host = u.hostname or ""
    netloc = f"{host}:{u.port}" if u.port else host
    return urlunsplit((u.scheme, netloc, u.path.rstrip("/"), "", ""))
