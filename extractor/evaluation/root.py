"""Where the eval's files are: the project root, the directory holding `eval/` and `gold/` (a checkout).

It is looked for from the working directory upward, then from the package's location upward (an editable install,
or a wheel installed into the checkout's own virtual environment), so `extractor eval gate` works from any directory
inside the checkout. Paths a person types (`--gold DIR`, `--baseline FILE`) stay relative to the working directory;
only the defaults and the paths a saved run stores are relative to the root.
"""

from __future__ import annotations

import os

from extractor.core.errors import ConfigError

MARKS = ("eval", "gold")  # the directories a project root holds
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # extractor/


def _holds_marks(d: str) -> bool:
    return all(os.path.isdir(os.path.join(d, m)) for m in MARKS)


def _upward(start: str) -> str | None:
    d = os.path.abspath(start)
    while True:
        if _holds_marks(d):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def find_root() -> str | None:
    """The project root, or None when neither the working directory nor the package lies in one."""
    return _upward(os.getcwd()) or _upward(os.path.dirname(_PACKAGE))


def project_root(needed_for: str) -> str:
    """The project root; a ConfigError (one line, naming what is missing and what needed it) when there is none."""
    root = find_root()
    if root is None:
        raise ConfigError(f"no project root (a directory holding {'/ and '.join(MARKS)}/) at or above {os.getcwd()} "
                          f"or the package's {os.path.dirname(_PACKAGE)}: {needed_for}")
    return root


def from_root(path: str, root: str | None) -> str:
    """A path a saved run stores (relative to the root) as one to open."""
    return path if root is None or os.path.isabs(path) else os.path.join(root, path)


def to_root(path: str, root: str | None) -> str:
    """A path to store in a saved run: relative to the root when it lies inside it (so a committed baseline names
    no machine's directories), else absolute; as given when there is no root."""
    if root is None:
        return path
    full = os.path.abspath(path)
    return os.path.relpath(full, root) if os.path.commonpath([full, root]) == root else full
