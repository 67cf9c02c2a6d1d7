"""A report's source text cut into pieces for a page: plain text, and the marked pieces (evidence) with what they
are. Pure: the text comes from the run database's stored path through ingest (`data.source_of`), never from a URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mark:
    """A span of the original to light up: its label (`evidence`, `rules says 12`) and a CSS class."""

    start: int
    end: int
    label: str
    kind: str = "evidence"  # evidence | other (the other side of a conflict, a reading) | flagged
    anchor: str = ""  # an id the page can link to (`#f-requests.received`)


@dataclass
class Piece:
    text: str
    marks: list[Mark] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # the marks that start here (a page links to each)

    @property
    def kind(self) -> str:
        kinds = {m.kind for m in self.marks}
        return "evidence" if "evidence" in kinds else next(iter(sorted(kinds)), "")

    @property
    def title(self) -> str:
        return "; ".join(dict.fromkeys(m.label for m in self.marks))


def pieces(original: str, marks: list[Mark]) -> list[Piece]:
    """The original cut at every mark's bounds: each piece with the marks over it (overlapping marks both kept).
    Marks outside the text are dropped."""
    good = [m for m in marks if 0 <= m.start < m.end <= len(original)]
    cuts = sorted({0, len(original), *(m.start for m in good), *(m.end for m in good)})
    out: list[Piece] = []
    for s, e in zip(cuts, cuts[1:], strict=False):
        over = [m for m in good if m.start <= s and e <= m.end]
        anchors = list(dict.fromkeys(m.anchor for m in over if m.anchor and m.start == s))
        if out and not over and not out[-1].marks:
            out[-1].text += original[s:e]
        else:
            out.append(Piece(original[s:e], over, anchors))
    return out


def item_marks(context: list[dict[str, Any]], alternatives: list[dict[str, Any]]) -> list[Mark]:
    """An item's evidence (`context` as routing stored it: the field's evidence first, then every alternative's,
    both sides of a conflict, every reading of an ambiguous cell) as marks, each with its own anchor."""
    out = []
    for i, c in enumerate(context):
        span = c.get("span") or []
        if len(span) == 2:
            kind = "evidence" if c.get("label") == "evidence" else "other"
            out.append(Mark(int(span[0]), int(span[1]), str(c.get("label") or "evidence"), kind, f"ev-{i}"))
    seen = {(m.start, m.end) for m in out}
    for a in alternatives:
        span = a.get("span") or []
        if len(span) == 2 and (int(span[0]), int(span[1])) not in seen:
            out.append(Mark(int(span[0]), int(span[1]), f"reading {a.get('value')!r}", "other", f"ev-{len(out)}"))
    return out
