"""Prompt files: plain text with a version line and named placeholders, one per field group.

They are package data (`extractor/prompts/*.txt`), read with `importlib.resources`, so an installed wheel finds
them wherever it is; `load_prompt(name, directory)` reads another directory's instead (to try a prompt out).
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources import abc as resources_abc

from extractor.core.errors import ConfigError

PACKAGE_PROMPTS = "prompts"  # the folder of the `extractor` package that holds them
PLACEHOLDERS = {"title", "fields", "chunks", "tables"}  # a prompt uses some of them


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str
    sha: str  # hash of the file: a changed prompt is a different cache key even if the version line was not bumped
    used: frozenset[str] = frozenset(PLACEHOLDERS)  # the placeholders its user part holds

    def render(self, **values: str) -> tuple[str, str]:
        missing = self.used - set(values)
        if missing:
            raise ConfigError(f"prompt {self.name}: no value for {sorted(missing)}")
        user = self.user
        for k, v in values.items():
            user = user.replace("{" + k + "}", v)
        return self.system, user


def _read(name: str, directory: str | None) -> tuple[str, str]:
    """(where, text) of a prompt file: the package's, or one in `directory`."""
    if directory is not None:
        where = os.path.join(directory, f"{name}.txt")
        file: resources_abc.Traversable = pathlib.Path(where)
    else:
        where = f"extractor/{PACKAGE_PROMPTS}/{name}.txt"
        file = resources.files("extractor").joinpath(PACKAGE_PROMPTS, f"{name}.txt")
    try:
        return where, file.read_text(encoding="utf-8")
    except OSError:
        raise ConfigError(f"prompt file not found: {where}") from None


@cache
def load_prompt(name: str, directory: str | None = None) -> Prompt:
    path, raw = _read(name, directory)
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
                  hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16], frozenset(used))
