"""Identities across reports: one body's numbers in year N and year N+1 are tied to each other.

- `carry:<column>`: table 三's 结转下年度继续办理 of year N is the 上年结转 of year N+1, in every column. A failure
  is for review (`across_years_disagree`, both reports and both pieces of evidence).
- `in_force` (2021 table 二, a witness): 现行有效件数 of N + 本年制发件数 of N+1 − 本年废止件数 of N+1 = 现行有效件数 of
  N+1. Bodies recount the documents in force, so a disagreement is no error: it is counted, nothing is flagged.
- `items:<row>` (2019 table 二, a witness): 上一年项目数量 of N + 本年增/减 of N = 上一年项目数量 of N+1. The
  上一年项目数量 counts items (事项), not the year's 处理决定数量 (decisions): Pingtan 2019 prints 396 licensing
  items and 181 decisions, 264 penalty items and 430 decisions. No two consecutive real 2019-template reports
  are at hand to confirm it, so it is a witness, like `in_force`.
- `cumulative:<row>` (the old 统计表): 历年累计 of N + 本年度 of N+1 = 历年累计 of N+1; for review when it fails.

Each identity is a linear relation over cells of the two reports (`Term`s). A pass raises every cell's confidence
(`across_years_agree`); a cell left ambiguous (a run-together cut with several readings, its readings the
alternatives) is settled when exactly one combination of readings makes the identity hold
(`across_years_settled`). A cell a reviewer decided counts with the decided value and is never changed.
Pure: no I/O; the orchestration (reading the run database, writing the findings) is `extractor.review.across`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from extractor.template.legacy import BY_KEY, CUMULATIVE, THIS_YEAR
from extractor.template.spec import REQUESTS, TABLE2

MAX_COMBINATIONS = 256  # readings tried at most per identity; more and the cut is left to review

AGREE, DISAGREE, SETTLED, WITNESS_DISAGREES = "agree", "disagree", "settled", "witness_disagrees"


@dataclass(frozen=True)
class Cell:
    """A field (or a table cell that is no field) of one report, as the checks see it."""

    value: Any
    status: str = "verified"
    confidence: float = 0.0
    evidence: str | None = None
    span: tuple[int, int] | None = None
    alternatives: tuple[Mapping[str, Any], ...] = ()
    decided: bool = False  # a reviewer's value: counted, never changed

    def readings(self) -> list[Reading]:
        """The values this cell may have: its value, or, left ambiguous, each reading with its evidence."""
        if self.value is not None:
            return [Reading(self.value, self.evidence, self.span, False)]
        if self.status != "ambiguous" or self.decided:
            return []
        out = []
        for a in self.alternatives:
            v, sp = a.get("value"), a.get("span")
            if isinstance(v, (int, float)) and not isinstance(v, bool) and sp:
                out.append(Reading(v, a.get("evidence"), (int(sp[0]), int(sp[1])), True))
        return out


@dataclass(frozen=True)
class Reading:
    value: Any
    evidence: str | None
    span: tuple[int, int] | None
    from_alternative: bool


@dataclass
class Facts:
    """One report: its body key and year, the template version of its tables, its cells by path."""

    report_id: str
    path: str
    body: str
    year: int
    template: str | None
    cells: Mapping[str, Cell]
    text: str | None = None  # the original, when a cell is ambiguous: what lies between two readings of one row


@dataclass(frozen=True)
class Term:
    offset: int  # 0: the report of year N, 1: of year N+1
    path: str
    sign: int  # +1 or -1: the relation is sum(sign * value) == 0


@dataclass(frozen=True)
class Identity:
    name: str  # carry:total, in_force, items:licensing, cumulative:received
    terms: tuple[Term, ...]
    witness: bool  # a disagreement is counted, not flagged
    says: str  # the relation in words, for the reviewer
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()  # cells printed one after another in a row: (offset, paths)


@dataclass(frozen=True)
class Side:
    """A value an identity took: which report, which field, the value and where it stands."""

    report_id: str
    report_path: str
    year: int
    path: str
    value: Any
    evidence: str | None
    span: tuple[int, int] | None
    settled: bool = False  # the reading the identity chose for an ambiguous cell


@dataclass(frozen=True)
class Finding:
    identity: str
    outcome: str  # agree | disagree | settled | witness_disagrees
    body: str
    sides: tuple[Side, ...]
    says: str
    witness: bool = False

    def message(self) -> str:
        vals = "; ".join(f"{s.year} {s.path} = {s.value}" for s in self.sides)
        return f"{self.identity} ({self.says}): {vals}"


@dataclass
class Tally:
    pairs: int = 0
    agree: int = 0
    disagree: int = 0
    settled: int = 0
    witness_disagrees: int = 0
    by_identity: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, f: Finding) -> None:
        setattr(self, f.outcome, getattr(self, f.outcome) + 1)
        per = self.by_identity.setdefault(f.identity.split(":")[0], {})
        per[f.outcome] = per.get(f.outcome, 0) + 1


# ---- the identities


def _carry() -> list[Identity]:
    p = REQUESTS.path
    return [Identity(f"carry:{c}", (Term(0, p("carried_forward", c), 1), Term(1, p("carried_over_in", c), -1)),
                     False, "结转下年度继续办理 of N = 上年结转 of N+1")
            for c in REQUESTS.field_columns()]


CARRY_SUMMARY = Identity("carry:summary", (Term(0, "requests.carried_forward", 1),
                                            Term(1, "requests.carried_over_in", -1)),
                         False, "结转下年度继续办理 of N = 上年结转 of N+1")
_NORMATIVE = TABLE2["2021"][1].fields
IN_FORCE = Identity("in_force", (Term(0, _NORMATIVE[2], 1), Term(1, _NORMATIVE[0], 1), Term(1, _NORMATIVE[1], -1),
                                 Term(1, _NORMATIVE[2], -1)),
                    True, "现行有效 of N + 本年制发 of N+1 − 本年废止 of N+1 = 现行有效 of N+1",
                    ((1, (_NORMATIVE[0], _NORMATIVE[1], _NORMATIVE[2])),))
ITEM_ROWS = tuple(r.key for r in TABLE2["2019"] if r.negative_cols)  # rows with 上一年项目数量 and 本年增/减


def table2_path(row: str, cell: str) -> str:
    """A 2019 table 二 cell that is no field: `table2.<row>.previous` (上一年项目数量) or `.change` (本年增/减)."""
    return f"table2.{row}.{cell}"


def legacy_path(row: str, column: str) -> str:
    """A 统计表 cell by row and column (the year's column of a row with a field is that field's cell too)."""
    return f"legacy.{row}.{column}"


def _items() -> list[Identity]:
    return [Identity(f"items:{r}", (Term(0, table2_path(r, "previous"), 1), Term(0, table2_path(r, "change"), 1),
                                    Term(1, table2_path(r, "previous"), -1)),
                     True, "上一年项目数量 of N + 本年增/减 of N = 上一年项目数量 of N+1") for r in ITEM_ROWS]


def _cumulative() -> list[Identity]:
    return [Identity(f"cumulative:{k}", (Term(0, legacy_path(k, CUMULATIVE), 1), Term(1, legacy_path(k, THIS_YEAR), 1),
                                         Term(1, legacy_path(k, CUMULATIVE), -1)),
                     False, "历年累计 of N + 本年度 of N+1 = 历年累计 of N+1") for k in BY_KEY]


CARRY = _carry()
ITEMS = _items()
CUMULATIVES = _cumulative()


def identities(a: Facts, b: Facts) -> list[Identity]:
    """The identities between report `a` (year N) and `b` (year N+1)."""
    out = list(CARRY)
    total = REQUESTS.path("carried_forward", "total"), REQUESTS.path("carried_over_in", "total")
    if total[0] not in a.cells or total[1] not in b.cells:  # no table 三 on one side: its summaries may be in prose
        out.append(CARRY_SUMMARY)
    if a.template == "2021" and b.template == "2021":
        out.append(IN_FORCE)
    if a.template == "2019" and b.template == "2019":
        out += ITEMS
    return out + CUMULATIVES


# ---- checking


def _combos(options: Sequence[list[Reading]]) -> Iterator[tuple[Reading, ...]]:
    n = 1
    for o in options:
        n *= len(o)
    if n <= MAX_COMBINATIONS:
        yield from itertools.product(*options)


def _disjoint(terms: Sequence[Term], combo: Sequence[Reading]) -> bool:
    """Readings of one report chosen for different cells must not take the same digits."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for t, r in zip(terms, combo, strict=True):
        if r.from_alternative and r.span:
            spans.setdefault(t.offset, []).append(r.span)
    for group in spans.values():
        group.sort()
        if any(x[1] > y[0] for x, y in itertools.pairwise(group)):
            return False
    return True


def _tiles(identity: Identity, keys: Sequence[tuple[int, str]], combo: Sequence[Reading],
           pair: tuple[Facts, Facts]) -> bool:
    """Readings of one row's cells follow one another with no digit between them (a cut of one run of digits);
    without the original at hand, with nothing between them."""
    chosen = dict(zip(keys, combo, strict=True))
    for off, paths in identity.rows:
        rs = [chosen.get((off, p)) for p in paths]
        if any(r is None for r in rs) or not any(r.from_alternative for r in rs if r is not None):
            continue
        text = pair[off].text
        for a, b in itertools.pairwise([r for r in rs if r is not None]):
            if a.span is None or b.span is None or a.span[1] > b.span[0]:
                return False
            gap = text[a.span[1]:b.span[0]] if text is not None else "?" * (b.span[0] - a.span[1])
            if any(ch.isdigit() or (text is None and ch == "?") for ch in gap):
                return False
    return True


def _holds(terms: Sequence[Term], combo: Sequence[Reading]) -> bool:
    return abs(sum(t.sign * float(r.value) for t, r in zip(terms, combo, strict=True))) < 1e-6


def check(identity: Identity, pair: tuple[Facts, Facts]) -> Finding | None:
    """The identity over one pair of consecutive years; None when a cell is missing or the readings leave it open."""
    # one side per distinct (report, path): a term that appears twice (in_force of N+1) takes one value
    keys = list(dict.fromkeys((t.offset, t.path) for t in identity.terms))
    options: list[list[Reading]] = []
    for off, path in keys:
        cell = pair[off].cells.get(path)
        rs = cell.readings() if cell is not None else []
        if not rs or any(not isinstance(r.value, (int, float)) or isinstance(r.value, bool) for r in rs):
            return None
        options.append(rs)
    index = {k: i for i, k in enumerate(keys)}
    expand = [index[t.offset, t.path] for t in identity.terms]
    uniq = [Term(o, p, 1) for o, p in keys]
    passing, tried = [], 0
    for combo in _combos(options):
        tried += 1
        if (_disjoint(uniq, combo) and _holds(identity.terms, [combo[i] for i in expand])
                and _tiles(identity, keys, combo, pair)):
            passing.append(combo)
    if not tried:
        return None
    ambiguous = any(len(o) > 1 or o[0].from_alternative for o in options)
    if ambiguous:
        if len(passing) != 1:
            return None  # no reading or several: the cut stays for review
        chosen, outcome = passing[0], SETTLED
    else:
        chosen = next(iter(_combos(options)))
        outcome = AGREE if passing else (WITNESS_DISAGREES if identity.witness else DISAGREE)
    sides = tuple(Side(pair[o].report_id, pair[o].path, pair[o].year, p, r.value, r.evidence, r.span,
                       r.from_alternative) for (o, p), r in zip(keys, chosen, strict=True))
    return Finding(identity.name, outcome, pair[0].body, sides, identity.says, identity.witness)


def consecutive(reports: Iterable[Facts]) -> Iterator[tuple[Facts, Facts]]:
    """Every pair of one body's reports for years N and N+1 (one report per body and year: duplicates left out)."""
    by_body: dict[str, dict[int, Facts]] = {}
    for r in reports:
        by_body.setdefault(r.body, {}).setdefault(r.year, r)
    for years in by_body.values():
        for y in sorted(years):
            if y + 1 in years:
                yield years[y], years[y + 1]


def check_all(reports: Iterable[Facts], tally: Tally | None = None) -> list[Finding]:
    """Every identity over every pair of consecutive years."""
    out: list[Finding] = []
    for pair in consecutive(reports):
        if tally is not None:
            tally.pairs += 1
        for identity in identities(*pair):
            f = check(identity, pair)
            if f is not None:
                out.append(f)
                if tally is not None:
                    tally.add(f)
    return out
