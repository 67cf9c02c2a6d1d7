"""Prompt files: plain text with a version line and named placeholders, one per field group."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache

from extractor.core.errors import ConfigError

PROMPT_DIR = os.environ.get("EXTRACTOR_PROMPTS") or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "prompts")
PLACEHOLDERS = {"title", "fields", "chunks"}


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str
    sha: str  # hash of the file: a changed prompt is a different cache key even if the version line was not bumped

    def render(self, **values: str) -> tuple[str, str]:
        missing = PLACEHOLDERS - set(values)
        if missing:
            raise ConfigError(f"prompt {self.name}: no value for {sorted(missing)}")
        user = self.user
        for k, v in values.items():
            user = user.replace("{" + k + "}", v)
        return self.system, user


@cache
def load_prompt(name: str, directory: str = PROMPT_DIR) -> Prompt:
    path = os.path.join(directory, f"{name}.txt")
    try:
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
    except OSError:
        raise ConfigError(f"prompt file not found: {path}") from None
    version = re.search(r"^# version:\s*(\S+)", raw, re.M)
    if not version:
        raise ConfigError(f"prompt {path} has no '# version:' line")
    body = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    m = re.search(r"\[system\]\n(.*?)\n\[user\]\n(.*)", body, re.S)
    if not m:
        raise ConfigError(f"prompt {path} needs [system] and [user] parts")
    used = set(re.findall(r"\{(\w+)\}", m.group(2)))
    if used - PLACEHOLDERS:
        raise ConfigError(f"prompt {path}: unknown placeholders {sorted(used - PLACEHOLDERS)}")
    return Prompt(name, version.group(1), m.group(1).strip(), m.group(2).strip(),
                  hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16])
