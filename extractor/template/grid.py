"""The building blocks a family of report tables is declared with (`spec` declares the national template).

A `Grid` is a table of rows x columns whose cells are fields; its identities are `RowSum`s (in every row, a
total column is the sum of part columns) and `ColumnSum`s (in every column, the sum of some rows equals the sum
of others). `Grid.instances` expands them over the rows and columns a table was read with: the one rule, used
by the reader, the checks on final values, the generator and the gold checker, of which identity can be checked
where. Pure: imports nothing from the package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header's wording
    group: str = ""  # the header over a run of columns (法人或其他组织)
    field: bool = True  # False: a column some layouts add (小计), checked while reading, not a field


@dataclass(frozen=True)
class Row:
    key: str
    label: str  # the template's wording, as printed (and as the generator writes it)
    pattern: str  # what the reader matches, in compact folded text (no whitespace between non-digits)
    item: int | None = None  # the sub-item number the reader allows before the pattern (1. 2. ...)
    heading: str = ""  # the group heading printed before the row (三、本年度办理结果, （三）不予公开)
    outcome: bool = False  # an outcome of the year's requests, counted in （七）总计


@dataclass(frozen=True)
class RowSum:
    """In every row: the `total` column equals the sum of the `parts` columns."""

    name: str
    total: str
    parts: tuple[str, ...]
    says: tuple[str, str]  # how a message names the two sides: (parts, total)


@dataclass(frozen=True)
class ColumnSum:
    """In every column: the sum of the `lhs` rows equals the sum of the `rhs` rows.

    Every `rhs` row must be in the table read. With `partial`, the `lhs` rows it lacks are left out of the
    sum (a report that prints fewer outcome rows; at least one must be there); otherwise all must be there.
    """

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    says: tuple[str, str]  # how a message names the two sides: (lhs, rhs)
    partial: bool = False

    def rows_for(self, rows: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(lhs, rhs) rows of the identity in a table that has `rows`; None when it cannot be checked there."""
        if not all(r in rows for r in self.rhs):
            return None
        lhs = tuple(r for r in self.lhs if r in rows) if self.partial else self.lhs
        if not lhs or not all(r in rows for r in lhs):
            return None
        return lhs, self.rhs


TableIdentity = RowSum | ColumnSum
CellKey = tuple[str, str]  # (row, column)


@dataclass(frozen=True)
class Instance:
    """One identity at one row (a row sum) or one column (a column sum): sum of `lhs` == sum of `rhs`."""

    grid: str
    identity: TableIdentity
    at: str
    lhs: tuple[CellKey, ...]
    rhs: tuple[CellKey, ...]

    @property
    def code(self) -> str:
        """The reason a cell that breaks it carries, after `identity:`."""
        return f"{self.identity.name}:{self.at}"

    def cells(self) -> tuple[CellKey, ...]:
        return self.lhs + self.rhs

    def sums(self, value: Callable[[CellKey], float | None]) -> tuple[float, float] | None:
        """(sum of lhs, sum of rhs) under `value`; None when a cell has no value (it cannot be checked)."""
        vals = [value(k) for k in self.cells()]
        if any(v is None for v in vals):
            return None
        nums = [v for v in vals if v is not None]
        return sum(nums[: len(self.lhs)]), sum(nums[len(self.lhs) :])

    @staticmethod
    def holds(sums: tuple[float, float]) -> bool:
        return abs(sums[0] - sums[1]) < 1e-9


_F = TypeVar("_F", bound=Callable[..., Any])
_KEPT_MAX = 4096  # answers kept per grid


def _kept(fn: _F) -> _F:
    """A grid's answer kept on the grid: a grid is a declaration, and the readers and checks ask the same questions
    of it thousands of times per report (kept in the instance's dict, so a grid frees its answers with itself)."""

    @wraps(fn)
    def kept(self: Any, *args: Any, **kwargs: Any) -> Any:
        memo = self.__dict__.setdefault("_kept", {})
        key = (fn.__name__, args, tuple(sorted(kwargs.items())))
        if key in memo:
            return memo[key]
        out = fn(self, *args, **kwargs)
        if len(memo) < _KEPT_MAX:  # a bound on the answers kept (sets of rows read vary from report to report)
            memo[key] = out
        return out

    return kept  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class Grid:
    """A table of rows x columns whose cells are the fields `{prefix}.{row}.{column}`."""

    key: str  # requests | appeals
    prefix: str
    versions: dict[str, tuple[Row, ...]]  # the rows of each version, in template order
    columns: tuple[Column, ...]  # every column a layout may have, in order
    identities: tuple[TableIdentity, ...]

    @_kept
    def rows(self, version: str | None = None) -> tuple[Row, ...]:
        """The rows of one version; None: every row of any version, in catalogue order (the longest version's)."""
        if version is not None:
            return self.versions[version]
        out: dict[str, Row] = {}
        for rows in sorted(self.versions.values(), key=len, reverse=True):
            for r in rows:
                out.setdefault(r.key, r)
        return tuple(out.values())

    @_kept
    def row_keys(self, version: str | None = None) -> tuple[str, ...]:
        return tuple(r.key for r in self.rows(version))

    @_kept
    def field_columns(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.field)

    @_kept
    def layout(self, ncols: int) -> tuple[str, ...]:
        """The columns of a layout with `ncols` columns: the field columns, or every column."""
        if ncols == len(self.columns):
            return tuple(c.key for c in self.columns)
        if ncols == len(self.field_columns()):
            return self.field_columns()
        raise ValueError(f"table {self.key} has no layout of {ncols} columns")

    @_kept
    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def path(self, row: str, column: str) -> str:
        return f"{self.prefix}.{row}.{column}"

    @_kept
    def row_paths(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(row, the paths of its field cells) of every row, in catalogue order."""
        return tuple((r, tuple(self.path(r, c) for c in self.field_columns())) for r in self.row_keys())

    @_kept
    def field_checks(self, rows: tuple[str, ...]) -> tuple[tuple[Instance, tuple[str, ...]], ...]:
        """The identity instances of a table with `rows` whose cells are fields (`instances` over the field columns),
        each with the paths of its cells (lhs, then rhs): kept, since they are fixed per grid and rows read."""
        return tuple((i, tuple(self.path(*k) for k in i.cells())) for i in self.instances(rows, self.field_columns()))

    @_kept
    def outcome_rows(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.rows() if r.outcome)

    def version_of(self, rows: Collection[str]) -> str:
        """The version a table with `rows` was read as: the shortest one that has them all."""
        for v, vrows in sorted(self.versions.items(), key=lambda kv: len(kv[1])):
            keys = {x.key for x in vrows}
            if all(r in keys for r in rows):
                return v
        return max(self.versions, key=lambda v: len(self.versions[v]))

    def row_sums(self, columns: Sequence[str]) -> list[RowSum]:
        """The row sums a layout with `columns` has every column of."""
        return [s for s in self.identities if isinstance(s, RowSum)
                and s.total in columns and all(p in columns for p in s.parts)]

    def column_sums(self, rows: Collection[str]) -> list[tuple[ColumnSum, tuple[str, ...], tuple[str, ...]]]:
        """(identity, lhs rows, rhs rows) of the column sums a table with `rows` can be checked on."""
        out = []
        for s in self.identities:
            if isinstance(s, ColumnSum) and (sides := s.rows_for(rows)) is not None:
                out.append((s, *sides))
        return out

    def instances(self, rows: Collection[str], columns: Sequence[str]) -> list[Instance]:
        """Every identity instance of a table with `rows` (any order) and `columns` (in layout order):
        identity by identity as declared, rows in template order, columns in layout order."""
        ordered = [r for r in self.row_keys() if r in rows]
        row_sums = self.row_sums(columns)
        column_sums = {s: (lhs, rhs) for s, lhs, rhs in self.column_sums(rows)}
        out: list[Instance] = []
        for s in self.identities:
            if isinstance(s, RowSum):
                if s in row_sums:
                    out += [Instance(self.key, s, r, tuple((r, p) for p in s.parts), ((r, s.total),)) for r in ordered]
            elif s in column_sums:
                lhs, rhs = column_sums[s]
                out += [Instance(self.key, s, c, tuple((r, c) for r in lhs), tuple((r, c) for r in rhs))
                        for c in columns]
        return out


@dataclass(frozen=True)
class Summary:
    """A field drawn from cells of a grid: a `copy` of one cell (its evidence kept), or the sum of `cells`
    (status derived; only when every cell has a value). With `version`, only for a table read as that version."""

    field: str
    grid: str
    cells: tuple[CellKey, ...]
    copy: bool = False
    version: str | None = None


@dataclass(frozen=True)
class Table2Row:
    """A row of table 二: its label pattern, how many cells it has, and which cells are fields."""

    key: str
    pattern: str
    ncells: int
    fields: dict[int, str]  # cell index -> field path
    group: int  # rows of one sub-table (第二十条第(X)项) share a group
    negative_cols: frozenset[int] = frozenset()  # 本年增/减 (2019) may be negative


@dataclass(frozen=True, eq=False)
class Family:
    """A family of report tables: its versions, the wording that tells them apart, its tables."""

    name: str
    markers: dict[str, re.Pattern[str]]  # version -> wording only that version uses
    grids: tuple[Grid, ...]
    summaries: tuple[Summary, ...] = ()

    def grid(self, key: str) -> Grid:
        return next(g for g in self.grids if g.key == key)

    def identities(self, fields_only: bool = False) -> set[tuple[str, str]]:
        """(grid, identity name) of every identity declared; `fields_only`: those whose cells are all fields
        (the ones that can be checked on final values; a sum over 小计 is checked only while reading)."""
        out = set()
        for g in self.grids:
            field_cols = set(g.field_columns())
            for s in g.identities:
                cols = {s.total, *s.parts} if isinstance(s, RowSum) else field_cols
                if not fields_only or cols <= field_cols:
                    out.add((g.key, s.name))
        return out
