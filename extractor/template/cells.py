"""Cells back from flattened table rows, using the table's own arithmetic. Pure: no I/O.

A naive HTML-to-text crawl runs a row's cells together (`本年新收…数量640020470` is 64|0|0|2|0|4|70).
A row is a list of tokens (digit runs between separators, with their view offsets); a token holds one
or more cells, a *pinned* token (a `|` cell, a blank cell) exactly one. `split_row` enumerates every
way to cut the tokens into the row's cells that satisfies the row's sums (a total equals the sum of its
parts); a cell never has a leading zero unless it is `0`, and a `-` always starts a cell.
`resolve` then picks, across rows, the combination that satisfies the column identities. When more
than one combination survives, the rows that differ are returned as ambiguous, never guessed.
"""

from __future__ import annotations

import itertools
import re
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
    start: int  # view offsets of the token
    end: int
    pinned: bool = False  # exactly one cell


@dataclass(frozen=True)
class Cell:
    value: int | float | None
    start: int | None  # view offsets of the cell's characters; None for a blank cell
    end: int | None


RowSplit = tuple[Cell, ...]
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


def token_cell(t: Token) -> Cell:
    """A token read as exactly one cell (a blank token is a null cell)."""
    return Cell(_value(t.text), t.start, t.end) if t.text else Cell(None, None, None)


def _cell_ok(s: str) -> bool:
    body = s[1:] if s.startswith("-") else s
    if not body or not body[0].isdigit():
        return False
    if len(body.split(".")[0]) > MAX_CELL_DIGITS:
        return False
    return body == "0" or body[0] != "0" or body.startswith("0.")


def split_row(tokens: list[Token], n: int, sums: list[Sum] = (), max_solutions: int = MAX_SOLUTIONS,
              negative_cols: frozenset[int] = frozenset()) -> list[RowSplit]:
    """Every way to read `tokens` as `n` cells satisfying `sums`.

    A sum is checked when its total is placed; a sum with a blank part cannot be checked and passes.
    Raises TooManySplits past `max_solutions` readings or MAX_NODES search steps: a partial list of
    readings must never be mistaken for all of them. Only cells in `negative_cols` (本年增/减) may be negative.
    """
    totals = {t: parts for t, parts in sums}
    sols: list[RowSplit] = []
    if len(tokens) > n or not tokens:
        return sols
    if len(tokens) == n:  # one cell per token: nothing to split (decimals and commas are safe here)
        cells = tuple(token_cell(t) for t in tokens)
        signs_ok = all(not t.text.startswith("-") or i in negative_cols for i, t in enumerate(tokens))
        if signs_ok and all(t.pinned or not t.text or _cell_ok(t.text.replace(",", "")) for t in tokens) \
                and sums_ok(cells, sums):
            sols.append(cells)
        return sols
    if any("." in t.text or "," in t.text for t in tokens if not t.pinned):
        return sols  # run-together decimals cannot be cut safely

    # The last cell is usually a row total and a suffix of the last token: fixing it first gives a budget
    # (parts are never negative here) that prunes the search from exponential to small.
    last_parts = set(totals.get(n - 1, ()))
    budget_ok = bool(last_parts) and not any(t.text.startswith("-") for t in tokens)

    nodes = [0]

    def dfs(ti: int, pos: int, cells: list[Cell], toks: list[Token], n_cells: int, budget: float | None) -> None:
        nodes[0] += 1
        if len(sols) > max_solutions or nodes[0] > MAX_NODES:
            raise TooManySplits(f"more than {max_solutions} readings or {MAX_NODES} steps")
        k = len(cells)
        if ti == len(toks):
            if k == n_cells:
                finish(cells)
            return
        if k == n_cells:
            return
        tok = toks[ti]
        if tok.pinned:
            if tok.text.startswith("-") and k not in negative_cols:
                return
            c = token_cell(tok)
            if k in totals and not _one_sum_ok(cells + [c], k, totals[k]):
                return
            dfs(ti + 1, 0, cells + [c], toks, n_cells, budget)
            return
        rest = tok.text[pos:]
        later = toks[ti + 1 :]
        # cells still to place after this one must fit the characters left, and every later token needs one
        min_after = len(later)
        max_after_later = sum(1 if t.pinned else len(t.text.replace("-", "")) for t in later)
        if k in totals and all(cells[i].value is not None for i in totals[k]):
            want = str(sum(cells[i].value for i in totals[k]))  # type: ignore[misc]
            lengths = [len(want)] if rest.startswith(want) else []
        else:
            neg = 1 if rest.startswith("-") else 0
            lengths = list(range(1 + neg, min(len(rest), MAX_CELL_DIGITS + neg) + 1))
        spent = sum(cells[i].value or 0 for i in last_parts if i < k) if budget is not None else 0
        tail_all_parts = False
        if budget is not None and k in last_parts:
            # a part is at most the budget left, and the cells left must be able to add up to it
            lengths = [L for L in lengths if L <= len(str(int(budget - spent)))]
            tail_all_parts = all(i in last_parts for i in range(k, n_cells))
            chars_later = sum(len(t.text) for t in later)
        for L in lengths:
            piece = rest[:L]
            if not _cell_ok(piece) or (piece.startswith("-") and k not in negative_cols):
                continue
            left_here = len(rest) - L
            cells_after = n_cells - k - 1
            if left_here == 0:
                if cells_after < min_after:
                    continue
            elif cells_after < min_after + 1 or cells_after > left_here + max_after_later:
                continue
            c = Cell(_value(piece), tok.start + pos, tok.start + pos + L)
            if budget is not None and k in last_parts and spent + c.value > budget:  # type: ignore[operator]
                break  # longer pieces are larger still
            if tail_all_parts and cells_after:
                left = budget - spent - c.value  # type: ignore[operator]
                chars = left_here + chars_later
                if left == 0:
                    if chars != cells_after:
                        continue
                elif chars > cells_after * len(str(int(left))):
                    continue  # too many digits left: some cell would exceed what is left of the total
                elif left >= cells_after * 10 ** (chars - cells_after + 1):
                    continue  # too few digits left to reach the total
            if k in totals and not _one_sum_ok(cells + [c], k, totals[k]):
                continue
            if left_here == 0:
                dfs(ti + 1, 0, cells + [c], toks, n_cells, budget)
            else:
                dfs(ti, pos + L, cells + [c], toks, n_cells, budget)

    def finish(cells: list[Cell]) -> None:
        if len(cells) == n and sums_ok(tuple(cells), sums):
            sols.append(tuple(cells))
        elif len(cells) == n - 1 and tail_cell is not None:
            full = tuple(cells) + (tail_cell,)
            if sums_ok(full, sums):
                sols.append(full)

    tail_cell: Cell | None = None
    last = tokens[-1]
    if budget_ok and not last.pinned and len(tokens) < n:
        for L in range(1, min(len(last.text), MAX_CELL_DIGITS) + 1):
            piece = last.text[len(last.text) - L :]
            if not _cell_ok(piece):
                continue
            tail_cell = Cell(_value(piece), last.end - L, last.end)
            head = last.text[: len(last.text) - L]
            toks = tokens[:-1] + ([Token(head, last.start, last.end - L)] if head else [])
            dfs(0, 0, [], toks, n - 1, float(tail_cell.value))  # type: ignore[arg-type]
        return sols
    dfs(0, 0, [], tokens, n, None)
    return sols


def _one_sum_ok(cells: list[Cell], total: int, parts: tuple[int, ...]) -> bool:
    vals = [cells[i].value for i in parts]
    if cells[total].value is None or any(v is None for v in vals):
        return True
    return abs(sum(vals) - cells[total].value) < 1e-9  # type: ignore[arg-type, operator]


def sums_ok(cells: tuple[Cell, ...], sums: list[Sum]) -> bool:
    """Every row sum holds (a sum with a blank cell cannot be checked and passes)."""
    return all(_one_sum_ok(list(cells), t, parts) for t, parts in sums)


@dataclass(frozen=True)
class Identity:
    """For every column in `cols`: sum of rows `lhs` == sum of rows `rhs` (a template identity)."""

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
            if abs(sum(vals_l) - sum(vals_r)) > 1e-9:  # type: ignore[arg-type]
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
