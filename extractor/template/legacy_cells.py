"""The old 统计表's rows read as cells: every reading of a row, then the one the table's arithmetic and the report's
prose allow. Pure: no I/O; the arithmetic is `legacy`'s.

A row's numbers come as *pieces*: a `|` cell (exactly one cell, blank kept), or, in a table separated by spaces or
run together, a token that may hold several cells (`318762450` is 3187 | 62450, or 318 | 762450, ...) and blank
cells that leave no trace. `readings` lists every way to read a row's pieces as its n cells (no leading zero in a
multi-digit cell, this year at most the cumulative number). `settle` then keeps, table-wide, the combinations that
satisfy the arithmetic (parts under 其中 sum to their total, a part at most its total, answers at most requests),
then those a witness allows (a number the prose states for the row's field), and returns each row's reading when
only one is left, and every reading left otherwise: never a guess. When no combination satisfies the arithmetic
(the source breaks it), each row is read on its own and the identities it breaks are reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from extractor.template.cells import CellValue
from extractor.template.legacy import (
    AT_MOST,
    BY_KEY,
    CUMULATIVE,
    PART_WITHIN_TOTAL,
    PARTS_SUMS,
    THIS_YEAR,
    WITHIN_CUMULATIVE,
)

MAX_CELL_DIGITS = 9
MAX_NODES = 200_000  # search steps per group of rows before it is declared too ambiguous to settle
MAX_SURVIVORS = 4_000

Reading = tuple[CellValue, ...]


@dataclass(frozen=True)
class Piece:
    text: str  # digits (a decimal, a thousands comma), '0' for 无, '' for a blank cell
    start: int
    end: int
    whole: bool = False  # exactly one cell (a `|` cell, 无, a blank marker, a decimal)


def _cell_ok(s: str) -> bool:
    return 0 < len(s) <= MAX_CELL_DIGITS and (s == "0" or s[0] != "0")


def _number(s: str) -> int | float:
    s = s.replace(",", "")
    return float(s) if "." in s else int(s)


def _cuts(p: Piece, most: int) -> list[list[CellValue]]:
    """The ways a piece is one or more (at most `most`) cells."""
    if p.whole or "." in p.text or "," in p.text or not p.text.isdigit():
        return [[CellValue(_number(p.text) if p.text else None, p.start, p.end)]]
    out: list[list[CellValue]] = []

    def go(pos: int, cells: list[CellValue]) -> None:
        if pos == len(p.text):
            out.append(cells)
            return
        if len(cells) == most:
            return
        for end in range(pos + 1, len(p.text) + 1):
            s = p.text[pos:end]
            if _cell_ok(s):
                go(end, [*cells, CellValue(int(s), p.start + pos, p.start + end)])

    go(0, [])
    return out


def _num(c: CellValue) -> float:
    return 0.0 if c.value is None else float(c.value)


def within_cumulative(r: Reading, this: int, cum: int | None) -> bool:
    """This year at most the cumulative number; a blank cumulative cell cannot be checked (a table may leave the
    column empty), a blank cell of the year counts as 0."""
    return cum is None or r[cum].value is None or _num(r[this]) <= _num(r[cum]) + 1e-9


def readings(pieces: list[Piece], n: int, this: int, cum: int | None, traceless_blanks: bool = True) -> list[Reading]:
    """Every reading of a row's pieces as `n` cells; with `traceless_blanks`, blank cells may sit anywhere (they
    leave no trace in text separated by spaces or run together). Readings that break `within_cumulative` are
    dropped unless no reading keeps it."""
    if len(pieces) > n:
        return []
    out: list[Reading] = []
    for combo in itertools.product(*(_cuts(p, n) for p in pieces)):
        cells = [c for part in combo for c in part]
        if len(cells) > n or (len(cells) < n and not traceless_blanks):
            continue
        blank_at = pieces[-1].end if pieces else 0
        for where in itertools.combinations(range(n), len(cells)):
            row = [CellValue(None, blank_at, blank_at)] * n
            for i, c in zip(where, cells, strict=True):
                row[i] = c
            out.append(tuple(row))
    out = list(dict.fromkeys(out))
    kept = [r for r in out if within_cumulative(r, this, cum)]
    return kept or out


# ---- the arithmetic across rows


@dataclass(frozen=True)
class Check:
    """One identity between rows, in every column: `kind` sum (total = parts), at_most (lhs <= rhs)."""

    name: str
    kind: str
    total: str  # the sum or the larger side
    parts: tuple[str, ...]

    @property
    def rows(self) -> tuple[str, ...]:
        return (self.total, *self.parts)

    def holds(self, vals: dict[str, tuple[float, ...]], ncols: int) -> bool:
        """False only when the rows assigned so far break it (parts are never negative)."""
        if self.total not in vals:
            return True
        t = vals[self.total]
        got = [vals[p] for p in self.parts if p in vals]
        for c in range(ncols):
            s = sum(v[c] for v in got)
            if s > t[c] + 1e-9:
                return False
            if self.kind == "sum" and len(got) == len(self.parts) and abs(s - t[c]) > 1e-6:
                return False
        return True


def checks_for(rows: Collection[str]) -> list[Check]:
    """The identities a table with `rows` (keys) can be checked on."""
    out: list[Check] = []
    present = set(rows)
    for r in rows:
        parent = BY_KEY[r].parent
        if parent in present:
            out.append(Check(PART_WITHIN_TOTAL, "at_most", parent, (r,)))
    for s in PARTS_SUMS:
        listed = {r for r in present if BY_KEY[r].parent == s.total}
        if s.total in present and listed == s.parts:
            out.append(Check(s.name, "sum", s.total, tuple(sorted(s.parts))))
    for a in AT_MOST:
        if a.lhs in present and a.rhs in present:
            out.append(Check(a.name, "at_most", a.rhs, (a.lhs,)))
    return out


@dataclass
class Settled:
    chosen: dict[str, Reading] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # row -> read (one reading) | arithmetic | witness
    ambiguous: dict[str, list[Reading]] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)  # row -> identities its cells break (`name:where`)
    too_many: list[str] = field(default_factory=list)  # rows of a group with too many readings to enumerate


def _groups(rows: list[str], checks: list[Check]) -> list[list[str]]:
    parent = {r: r for r in rows}

    def find(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for c in checks:
        for r in c.rows[1:]:
            parent[find(r)] = find(c.rows[0])
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(find(r), []).append(r)
    return list(out.values())


class _TooMany(Exception):
    pass


def _combinations(group: list[str], options: dict[str, list[Reading]], checks: list[Check], ncols: int
                  ) -> list[tuple[int, ...]]:
    """Every choice of one reading per row of `group` (reading indices) under which every check holds."""
    touching = {r: [c for c in checks if r in c.rows] for r in group}
    nums = {r: [tuple(_num(x) for x in rd) for rd in options[r]] for r in group}
    found: list[tuple[int, ...]] = []
    vals: dict[str, tuple[float, ...]] = {}
    nodes = 0

    def go(k: int, picked: tuple[int, ...]) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or len(found) > MAX_SURVIVORS:
            raise _TooMany
        if k == len(group):
            found.append(picked)
            return
        r = group[k]
        for i, v in enumerate(nums[r]):
            vals[r] = v
            if all(c.holds(vals, ncols) for c in touching[r]):
                go(k + 1, (*picked, i))
        vals.pop(r, None)

    go(0, ())
    return found


def _witnessed(group: list[str], options: dict[str, list[Reading]], combos: list[tuple[int, ...]],
               witnesses: dict[str, set[float]], this: int) -> tuple[list[tuple[int, ...]], set[str]]:
    """The combinations a witness allows, row by row (a witness that allows none is ignored); the rows it narrowed."""
    narrowed: set[str] = set()
    for k, r in enumerate(group):
        seen = witnesses.get(r)
        if not seen:
            continue
        keep = [c for c in combos if _num(options[r][c[k]][this]) in seen and options[r][c[k]][this].value is not None]
        if keep and len(keep) < len(combos):
            combos = keep
            narrowed.add(r)
    return combos, narrowed


def _distinct(options: list[Reading], combos: list[tuple[int, ...]], k: int) -> list[Reading]:
    return list(dict.fromkeys(options[c[k]] for c in combos))


def _decide(out: Settled, group: list[str], options: dict[str, list[Reading]], before: list[tuple[int, ...]],
            combos: list[tuple[int, ...]]) -> None:
    for k, r in enumerate(group):
        distinct = _distinct(options[r], combos, k)
        if len({tuple(x.value for x in rd) for rd in distinct}) > 1:
            out.ambiguous[r] = distinct
            continue
        out.chosen[r] = distinct[0]
        unsettled = len({tuple(x.value for x in rd) for rd in _distinct(options[r], before, k)}) > 1
        out.how[r] = "read" if len(options[r]) == 1 else ("witness" if unsettled else "arithmetic")


def _alone(out: Settled, group: list[str], options: dict[str, list[Reading]], witnesses: dict[str, set[float]],
           this: int) -> None:
    """Each row on its own (the arithmetic left no combination, or too many to list)."""
    for r in group:
        opts = options[r]
        seen = witnesses.get(r) or set()
        kept = [rd for rd in opts if rd[this].value is not None and _num(rd[this]) in seen] if len(opts) > 1 else opts
        opts = kept or opts
        if len(opts) == 1:
            out.chosen[r] = opts[0]
            out.how[r] = "read" if len(options[r]) == 1 else "witness"
        else:
            out.ambiguous[r] = opts


def failures(chosen: dict[str, Reading], checks: Iterable[Check], columns: tuple[str, ...]) -> dict[str, list[str]]:
    """row -> `name:column` of each identity the chosen readings break (only identities whose rows were all read)."""
    bad: dict[str, list[str]] = {}
    for c in checks:
        if not all(r in chosen for r in c.rows):
            continue
        vals = {r: tuple(_num(x) for x in chosen[r]) for r in c.rows}
        for i, col in enumerate(columns):
            one = {r: (v[i],) for r, v in vals.items()}
            if not c.holds(one, 1):
                for r in c.rows:
                    bad.setdefault(r, []).append(f"{c.name}:{col}")
    return bad


def settle(options: dict[str, list[Reading]], columns: tuple[str, ...], witnesses: dict[str, set[float]]) -> Settled:
    """The reading of each row (`options`: row -> its readings, in table order; `columns`: this_year and/or
    cumulative, in the table's order; `witnesses`: row -> values the prose states for its cell of the year)."""
    this = columns.index(THIS_YEAR)
    cum = columns.index(CUMULATIVE) if CUMULATIVE in columns else None
    out = Settled()
    rows = [r for r, o in options.items() if o]
    checks = checks_for(rows)
    for group in _groups(rows, checks):
        mine = [c for c in checks if set(c.rows) <= set(group)]
        try:
            combos = _combinations(group, options, mine, len(columns))
        except _TooMany:
            out.too_many.extend(r for r in group if len(options[r]) > 1)
            _alone(out, group, options, witnesses, this)
            continue
        if combos:
            settled, _narrowed = _witnessed(group, options, combos, witnesses, this)
            _decide(out, group, options, combos, settled)
            continue
        _alone(out, group, options, witnesses, this)
        for r, codes in failures({r: out.chosen[r] for r in group if r in out.chosen}, mine, columns).items():
            out.failed.setdefault(r, []).extend(codes)
    for r in rows:
        rd = out.chosen.get(r)
        if rd is not None and not within_cumulative(rd, this, cum):
            out.failed.setdefault(r, []).append(f"{WITHIN_CUMULATIVE}:{r}")
    return out
