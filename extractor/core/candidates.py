"""A candidate value for one field path, as a backend proposes it, before reconciliation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Candidate:
    path: str
    value: Any
    evidence: str | None = None
    span: tuple[int, int] | None = None
    approximate: bool = False
    method: str = "sentence"  # table | sentence | zero_statement | inferred | derived | model
    backend: str = "rules"
    confidence: float = 0.8
    reasons: list[str] = field(default_factory=list)
    note: str = ""  # human-readable: which pattern or row produced it
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # readings a reviewer chooses from (value None)
    share: float | None = None  # the share of its total the report states for the value (占N%), read with it
