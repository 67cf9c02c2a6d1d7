"""A report's body, normalised, as a digest: what stays the same when the same report is scraped again.

Two copies of one report differ in what surrounds it (site chrome, a crawler's header, a trailing newline, another
encoding, the traditional script of a mirror) but not in its body. The digest is taken over the cleaned body view
(chrome and repeated sections left out, folded to simplified script) with everything but letters, digits and
Chinese characters removed, so whitespace, punctuation and line breaks do not count. A body too short to tell two
reports apart (a 404 page, an empty page) has no digest: such a file is only ever the same report as itself.
"""

from __future__ import annotations

import hashlib
import re

MIN_BODY_CHARS = 200  # fewer letters than this: two different short pages would look the same
_NOT_WORD = re.compile(r"[\W_]+")


def body_digest(body_text: str) -> str | None:
    """16 hex digits of the sha256 of the body's letters, digits and Chinese characters, or None for a body too
    short to identify a report."""
    core = _NOT_WORD.sub("", body_text).lower()
    if len(core) < MIN_BODY_CHARS:
        return None
    return hashlib.sha256(core.encode("utf-8")).hexdigest()[:16]
