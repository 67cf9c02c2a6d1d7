"""Keys never appear: every text that is logged, stored or printed passes through `scrub`.

The API key a run was given is registered when its transport is built; `scrub` replaces it, and anything that
looks like a credential (an `Authorization`/`api-key` header value, a bearer token, an `sk-` key), with
`<redacted>`. `install_logging()` puts the same filter on the handlers that print log records (the root's and
logging's last resort), so a library's retry log cannot print an echoed key either.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"
_SECRETS: set[str] = set()
_PATTERNS = re.compile(
    r"(?i)(?<=bearer )[^\s\"',;]+"
    r"|(?i:(?<=authorization)|(?<=api-key)|(?<=api_key)|(?<=apikey)|(?<=x-api-key))(?:[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+"
    r"|\bsk-[A-Za-z0-9_\-]{8,}"
)


def register(secret: str | None) -> None:
    if secret and len(secret) >= 6 and secret != "not-needed":
        _SECRETS.add(secret)


def scrub(text: str) -> str:
    for s in _SECRETS:
        if s in text:
            text = text.replace(s, REDACTED)
    return _PATTERNS.sub(_keep_separator, text)


def _keep_separator(m: re.Match[str]) -> str:
    sep = re.match(r"[\"']?\s*[:=]\s*[\"']?", m.group())
    return (sep.group() if sep else "") + REDACTED


class Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a record whose arguments do not format: leave it to the handler
            return True
        clean = scrub(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_logging() -> None:
    """The filter on every handler that prints (idempotent)."""
    handlers = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for h in handlers:
        if not any(isinstance(f, Redacting) for f in h.filters):
            h.addFilter(Redacting())
