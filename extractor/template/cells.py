"""Cells back from flattened table rows, using the table's own arithmetic. Pure: no I/O.

A naive HTML-to-text crawl runs a row's cells together (`本年新收…数量640020470` is 64|0|0|2|0|4|70).
A row is a list of tokens (digit runs between separators, with their offsets); a token holds one
or more cells, a *pinned* token (a `|` cell, a blank cell) exactly one. `split_row` enumerates every
way to cut the tokens into the row's cells that satisfies the row's sums (a total equals the sum of its
parts); a cell never has a leading zero unless it is `0`, and a `-` always starts a cell.
`resolve` then picks, across rows, the combination that satisfies the column identities. When more
than one combination survives, the rows that differ are returned as ambiguous, never guessed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_CELL_DIGITS = 9
MAX_SOLUTIONS = 64
MAX_COMBOS = 100_000
MAX_NODES = 20_000  # search steps per row before the row is declared too ambiguous to settle


class TooManySplits(Exception):
    """More readings than can be enumerated: the row cannot be settled and goes to review."""


@dataclass(frozen=True)
class Token:
    text: str  # digits, optionally a leading '-' or a decimal part; '' for a blank cell
    start: int  # offsets of the token in the text the run came from
    end: int
    pinned: bool = False  # exactly one cell


@dataclass(frozen=True)
class CellValue:
    """A cell cut from a run: its value and where its characters are."""

    value: int | float | None
    start: int | None  # offsets of the cell's characters in the text the run came from (a blank cell: where it is;
    # None when a cell has no place, e.g. a row the reader filled in)
    end: int | None


RowSplit = tuple[CellValue, ...]
Sum = tuple[int, tuple[int, ...]]  # (index of the total cell, indices of its parts)

_TOKEN_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of a value run: `|` pieces are pinned cells (blank pieces kept); otherwise whitespace
    separates tokens and a `-` starts a new one (`2648-18538` -> `2648`, `-18538`)."""
    if "|" in text:
        pieces: list[Token] = []
        pos = 0
        parts = text.split("|")
        for i, piece in enumerate(parts):
            start = pos
            pos += len(piece) + 1
            stripped = piece.strip()
            if (i == 0 or i == len(parts) - 1) and not stripped:
                continue  # outside the first/last pipe
            if not stripped:
                pieces.append(Token("", offset + start, offset + start + len(piece), pinned=True))
                continue
            lead = len(piece) - len(piece.lstrip())
            if _TOKEN_RE.fullmatch(stripped.replace(" ", "")) and " " not in stripped:
                s = offset + start + lead
                pieces.append(Token(stripped, s, s + len(stripped), pinned=True))
            else:  # a piece with several numbers in it: not a clean cell layout, treat as a run
                pieces.extend(tokenize(piece, offset + start))
        return pieces
    out = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        if "," in raw and not re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            for sub in re.finditer(r"-?\d+(?:\.\d+)?", raw):
                out.append(Token(sub.group(0), offset + m.start() + sub.start(), offset + m.start() + sub.end()))
            continue
        out.append(Token(raw, offset + m.start(), offset + m.end()))
    return out


def _value(s: str) -> int | float:
    s = s.replace(",", "")
    return float(s) if "." in s else int(s)


def token_cell(t: Token) -> CellValue:
    """A token read as exactly one cell (a blank token is a null cell)."""
    return CellValue(_value(t.text), t.start, t.end) if t.text else CellValue(None, t.start, t.end)


def cell_ok(s: str) -> bool:
    """Whether `s` can be one cell of the template: an optional minus (the caller decides which columns may carry
    one), then digits without a leading zero (0 and 0.x allowed), at most MAX_CELL_DIGITS before a decimal point.
    The row cutter and the check of a model's row readings both ask it."""
    body = s[1:] if s.startswith("-") else s
    if not body or not body[0].isdigit():
        return False
    if len(body.split(".")[0]) > MAX_CELL_DIGITS:
        return False
    return body == "0" or body[0] != "0" or body.startswith("0.")


def split_row(tokens: list[Token], n: int, sums: Sequence[Sum] = (), max_solutions: int = MAX_SOLUTIONS,
              negative_cols: frozenset[int] = frozenset()) -> list[RowSplit]:
    """Every way to read `tokens` as `n` cells satisfying `sums`.

    A sum is checked when its total is placed; a sum with a blank part cannot be checked and passes.
    Raises TooManySplits past `max_solutions` readings or MAX_NODES search steps: a partial list of
    readings must never be mistaken for all of them. Only cells in `negative_cols` (本年增/减) may be negative.
    """
    if len(tokens) > n or not tokens:
        return []
    if len(tokens) == n:  # one cell per token: nothing to split (decimals and commas are safe here)
        cells = tuple(token_cell(t) for t in tokens)
        signs_ok = all(not t.text.startswith("-") or i in negative_cols for i, t in enumerate(tokens))
        if signs_ok and all(t.pinned or not t.text or cell_ok(t.text.replace(",", "")) for t in tokens) \
                and sums_ok(cells, sums):
            return [cells]
        return []
    if any("." in t.text or "," in t.text for t in tokens if not t.pinned):
        return []  # run-together decimals cannot be cut safely

    search = _Search(n, sums, max_solutions, negative_cols)
    # The last cell is usually a row total and a suffix of the last token: fixing it first gives a budget
    # (parts are never negative here) that prunes the search from exponential to small.
    budget_ok = bool(search.last_parts) and not any(t.text.startswith("-") for t in tokens)
    last = tokens[-1]
    if budget_ok and not last.pinned and len(tokens) < n:
        for L in range(1, min(len(last.text), MAX_CELL_DIGITS) + 1):
            piece = last.text[len(last.text) - L :]
            if not cell_ok(piece):
                continue
            value = _value(piece)
            search.tail_cell = CellValue(value, last.end - L, last.end)
            head = last.text[: len(last.text) - L]
            toks = tokens[:-1] + ([Token(head, last.start, last.end - L)] if head else [])
            search.start(toks)
            search.dfs(0, 0, [], toks, n - 1, float(value))
        return search.sols
    search.start(tokens)
    search.dfs(0, 0, [], tokens, n, None)
    return search.sols


class _Search:
    """The depth-first search of `split_row`: cells placed left to right, each cut pruned by the sums. One list of
    cells is shared by the whole search (a cell appended before a step down, popped after it), and the sum of the
    last cell's parts placed so far (`spent`) is carried down rather than summed again at each step."""

    def __init__(self, n: int, sums: Sequence[Sum], max_solutions: int, negative_cols: frozenset[int]) -> None:
        self.n = n
        self.sums = sums
        self.totals = {t: parts for t, parts in sums}
        self.max_solutions = max_solutions
        self.negative_cols = negative_cols
        self.last_parts = set(self.totals.get(n - 1, ()))
        self.sols: list[RowSplit] = []
        self.nodes = 0
        self.tail_cell: CellValue | None = None  # the last cell, fixed before the search (a budget for the parts)
        self.places_after: list[int] = []  # per token index: the most cells the tokens after it can hold
        self.chars_after: list[int] = []  # per token index: the characters of the tokens after it
        self._all_parts: dict[tuple[int, int], bool] = {}

    def start(self, toks: list[Token]) -> None:
        """Before a search over `toks`: what each step asks about the tokens after its own, summed once."""
        places = [1 if t.pinned else len(t.text.replace("-", "")) for t in toks]
        chars = [len(t.text) for t in toks]
        self.places_after = [sum(places[i + 1 :]) for i in range(len(toks))]
        self.chars_after = [sum(chars[i + 1 :]) for i in range(len(toks))]

    def dfs(self, ti: int, pos: int, cells: list[CellValue], toks: list[Token], n_cells: int,
            budget: float | None, spent: float = 0) -> None:
        """One step: place the next cell (or cells, from token `ti` at `pos`) after `cells`; `spent` is the sum of
        the last cell's parts among `cells` (blank ones count 0)."""
        self.nodes += 1
        if len(self.sols) > self.max_solutions or self.nodes > MAX_NODES:
            raise TooManySplits(f"more than {self.max_solutions} readings or {MAX_NODES} steps")
        k = len(cells)
        if ti == len(toks):
            if k == n_cells:
                self.finish(cells)
            return
        if k == n_cells:
            return
        tok = toks[ti]
        is_part = k in self.last_parts
        if tok.pinned:
            if tok.text.startswith("-") and k not in self.negative_cols:
                return
            c = token_cell(tok)
            cells.append(c)
            if k not in self.totals or _one_sum_ok(cells, k, self.totals[k]):
                self.dfs(ti + 1, 0, cells, toks, n_cells, budget, spent + (c.value or 0) if is_part else spent)
            cells.pop()
            return
        text = tok.text
        rest = text[pos:]
        neg = rest.startswith("-")
        if neg and k not in self.negative_cols:
            return  # every piece starts with the minus
        # cells still to place after this one must fit the characters left, and every later token needs one
        min_after = len(toks) - ti - 1
        max_after_later = self.places_after[ti]
        budgeted = budget is not None and is_part
        cap = budget if budget is not None else 0.0
        tail_all_parts = False
        chars_later = 0
        most = MAX_CELL_DIGITS + 1 + len(rest)  # no bound
        if budgeted:
            # a part is at most the budget left, and the cells left must be able to add up to it
            most = len(str(int(cap - spent)))
            tail_all_parts = self._tail_all_parts(k, n_cells)
            chars_later = self.chars_after[ti]
        parts = self.totals.get(k)
        if parts is None:  # `_lengths` of a cell that is no total: every length up to MAX_CELL_DIGITS digits
            lengths: Sequence[int] = range(1 + neg, min(len(rest), MAX_CELL_DIGITS + neg, most) + 1)
        else:
            lengths = [L for L in self._lengths(rest, cells) if L <= most]
        digits = rest[1:] if neg else rest
        plain = digits.isdigit()  # the usual run of digits: which pieces make a cell is known from its first digit
        lead_zero = plain and digits[0] == "0"
        cells_after = n_cells - k - 1
        n_rest = len(rest)
        at = tok.start + pos
        for L in lengths:
            piece = rest[:L]
            if plain:
                if L - neg < 1 or L - neg > MAX_CELL_DIGITS or (lead_zero and L - neg != 1):
                    continue
            elif not cell_ok(piece):
                continue
            left_here = n_rest - L
            if left_here == 0:
                if cells_after < min_after:
                    continue
            elif cells_after < min_after + 1 or cells_after > left_here + max_after_later:
                continue
            value = int(piece) if plain else _value(piece)
            if budgeted:
                if spent + value > cap:
                    return  # longer pieces are larger still
                if tail_all_parts and cells_after \
                        and not _can_add_up(cap - spent - value, left_here + chars_later, cells_after):
                    continue
            if parts is not None and not _total_ok(cells, value, parts):
                continue
            cells.append(CellValue(value, at, at + L))
            self.dfs(ti + 1 if left_here == 0 else ti, 0 if left_here == 0 else pos + L, cells, toks, n_cells,
                     budget, spent + value if is_part else spent)
            cells.pop()

    def _tail_all_parts(self, k: int, n_cells: int) -> bool:
        """Whether every cell from `k` on is a part of the row's last cell."""
        key = (k, n_cells)
        if key not in self._all_parts:
            self._all_parts[key] = all(i in self.last_parts for i in range(k, n_cells))
        return self._all_parts[key]

    def _lengths(self, rest: str, cells: list[CellValue]) -> list[int]:
        """How many characters the next cell can take: a total's own digits once its parts are placed."""
        k = len(cells)
        if k in self.totals:
            parts = [cells[i].value for i in self.totals[k]]
            if all(v is not None for v in parts):
                want = str(sum(v for v in parts if v is not None))
                return [len(want)] if rest.startswith(want) else []
        neg = 1 if rest.startswith("-") else 0
        return list(range(1 + neg, min(len(rest), MAX_CELL_DIGITS + neg) + 1))

    def finish(self, cells: list[CellValue]) -> None:
        if len(cells) == self.n and sums_ok(tuple(cells), self.sums):
            self.sols.append(tuple(cells))
        elif len(cells) == self.n - 1 and self.tail_cell is not None:
            full = tuple(cells) + (self.tail_cell,)
            if sums_ok(full, self.sums):
                self.sols.append(full)


def _can_add_up(left: float, chars: int, cells: int) -> bool:
    """Whether `cells` cells written with `chars` digits in all can add up to `left`."""
    if left == 0:
        return chars == cells
    if chars > cells * len(str(int(left))):
        return False  # too many digits left: some cell would exceed what is left of the total
    return bool(left < cells * 10 ** (chars - cells + 1))  # else too few digits left to reach the total


def _total_ok(cells: list[CellValue], want: int | float, parts: tuple[int, ...]) -> bool:
    """`_one_sum_ok` for a total `want` about to be placed after `cells` (its parts among them)."""
    vals = [cells[i].value for i in parts]
    if any(v is None for v in vals):
        return True
    return abs(sum(v for v in vals if v is not None) - want) < 1e-9


def _one_sum_ok(cells: Sequence[CellValue], total: int, parts: tuple[int, ...]) -> bool:
    want = cells[total].value
    vals = [cells[i].value for i in parts]
    if want is None or any(v is None for v in vals):
        return True
    return abs(sum(v for v in vals if v is not None) - want) < 1e-9


def sums_ok(cells: tuple[CellValue, ...], sums: Sequence[Sum]) -> bool:
    """Every row sum holds (a sum with a blank cell cannot be checked and passes)."""
    return all(_one_sum_ok(cells, t, parts) for t, parts in sums)


@dataclass(frozen=True)
class Identity:
    """For every column in `cols`: sum of rows `lhs` == sum of rows `rhs` (a `spec.ColumnSum` over the rows and
    column indices of a table being read)."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    cols: tuple[int, ...]

    def rows(self) -> set[str]:
        return set(self.lhs) | set(self.rhs)

    def failures(self, table: dict[str, RowSplit]) -> list[int]:
        """Columns where the identity fails; columns with a missing or blank cell are not checked."""
        bad = []
        for c in self.cols:
            vals_l = [_cell_value(table, r, c) for r in self.lhs]
            vals_r = [_cell_value(table, r, c) for r in self.rhs]
            if any(v is None for v in vals_l + vals_r):
                continue
            if abs(sum(v for v in vals_l if v is not None) - sum(v for v in vals_r if v is not None)) > 1e-9:
                bad.append(c)
        return bad


def _cell_value(table: dict[str, RowSplit], row: str, col: int) -> int | float | None:
    cells = table.get(row)
    if cells is None or col >= len(cells):
        return None
    return cells[col].value


@dataclass
class Resolution:
    chosen: dict[str, RowSplit] = field(default_factory=dict)
    ambiguous: dict[str, list[RowSplit]] = field(default_factory=dict)  # row -> the splits still possible
    unsplittable: list[str] = field(default_factory=list)  # rows no split satisfies
    combos_tried: int = 0


def resolve(options: dict[str, list[RowSplit]], identities: list[Identity], max_combos: int = MAX_COMBOS) -> Resolution:
    """Choose one split per row so that every checkable identity holds; keep what stays ambiguous."""
    res = Resolution()
    fixed = {r: s[0] for r, s in options.items() if len(s) == 1}
    amb = {r: s for r, s in options.items() if len(s) > 1}
    res.unsplittable = [r for r, s in options.items() if not s]
    res.chosen.update(fixed)
    if not amb:
        return res
    known = set(fixed) | set(amb)
    usable = [i for i in identities if i.rows() <= known and i.rows() & set(amb)]
    names = list(amb)
    n_combos = 1
    for r in names:
        n_combos *= len(amb[r])
    if not usable or n_combos > max_combos:
        res.ambiguous.update(amb)
        return res
    survivors: list[tuple[RowSplit, ...]] = []
    table = dict(fixed)
    for combo in itertools.product(*(amb[r] for r in names)):
        res.combos_tried += 1
        table.update(zip(names, combo, strict=True))
        if all(not i.failures(table) for i in usable):
            survivors.append(combo)
    if not survivors:
        res.ambiguous.update(amb)
        return res
    for j, r in enumerate(names):
        distinct = list(dict.fromkeys(s[j] for s in survivors))
        values = {tuple(c.value for c in s) for s in distinct}
        if len(values) == 1:
            res.chosen[r] = distinct[0]
        else:
            res.ambiguous[r] = distinct
    return res
