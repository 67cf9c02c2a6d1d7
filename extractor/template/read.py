"""The national template's tables 二, 三 and 四 (2019 trial version and 2021 revision), as `spec` declares them.

Rows are found by their wording, in template order, in a compact copy of the body view (`compact`). Cell values
come from one of two readings:

- **row reading**: the numbers right after each row label (`|` cells, one cell per line, space separated, or
  run together); a run is cut into cells by `cells.split_row` using the row sums, and rows still ambiguous are
  settled by the column identities (`cells.resolve`);
- **stream reading** (text extracted from a PDF): the labels come first and the numbers later in blocks, row by
  row or column by column; every block order is tried and only an order under which every identity holds is
  accepted.

Both take the identities from `spec` (`IDENTITIES`). Whatever cannot be settled is left null with the reason
`ambiguous_split` and the possible values as alternatives, for review. The same identities are checked on the
final values by `checks`. Table 二 is read by `read_table2`.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from extractor.core.candidates import Candidate
from extractor.rules.common import Context
from extractor.template.cells import (
    CellValue,
    Identity,
    RowSplit,
    Sum,
    Token,
    TooManySplits,
    resolve,
    split_row,
    sums_ok,
    tokenize,
)
from extractor.template.compact import Compact, compact, find_labels, orders, stream_blocks, value_run
from extractor.template.emit import TableRead, emit, unsettled
from extractor.template.grid import Grid, Row
from extractor.template.read_table2 import read_table2
from extractor.template.spec import (
    AFTER_TABLE4,
    APPEALS,
    MARKERS,
    REQUESTS,
    ROWS_2021_WORD,
    TABLE3_HEAD,
    TABLE4_HEAD,
    TABLE4_HEADER_WORDS,
)


def template_version(text: str) -> str | None:
    """'2021', '2019' or None, from the wording only the one version uses."""
    n21 = len(set(MARKERS["2021"].findall(text)))
    n19 = len(set(MARKERS["2019"].findall(text)))
    if not (n21 or n19) or n21 == n19:
        return None
    return "2021" if n21 > n19 else "2019"


# ---- table 三: rows, columns and identities from the spec


@cache
def row_pattern(row: Row) -> re.Pattern[str]:
    """A row's label as the report prints it: its wording, after its item number when it has one (（一）, 1.)."""
    item = "" if row.item is None else rf"(?:\(?{row.item}\)?\s?[.、]\s?)?"
    return re.compile(item + row.pattern)


def request_rows(version: str | None, text: str) -> list[tuple[str, re.Pattern[str]]]:
    """Table 三's rows of the version (unknown: the 2021 rows when the text has their wording)."""
    v = version or ("2021" if ROWS_2021_WORD in text else "2019")
    return [(r.key, row_pattern(r)) for r in REQUESTS.rows(v)]


def request_identities(rows: list[str], ncols: int) -> list[Identity]:
    """The column sums that can be checked on a table with `rows`, over all its `ncols` columns."""
    cols = tuple(range(ncols))
    return [Identity(s.name, lhs, rhs, cols) for s, lhs, rhs in REQUESTS.column_sums(rows)]


def named_row_sums(grid: Grid, ncols: int) -> list[tuple[str, Sum]]:
    """(identity, (total index, part indices)) for the row sums of a layout of `ncols` columns."""
    cols = grid.layout(ncols)
    return [(s.name, (cols.index(s.total), tuple(cols.index(p) for p in s.parts))) for s in grid.row_sums(cols)]


def row_sums(grid: Grid, ncols: int) -> list[Sum]:
    return [s for _name, s in named_row_sums(grid, ncols)]


def named_flat_row_sums(grid: Grid) -> list[tuple[str, str, Sum]]:
    """(identity, row, sum) for a table flattened row after row into one run of cells (table 四: 15 numbers)."""
    n = len(grid.field_columns())
    return [(name, row, (i * n + total, tuple(i * n + p for p in parts)))
            for i, row in enumerate(grid.row_keys()) for name, (total, parts) in named_row_sums(grid, n)]


def flat_row_sums(grid: Grid) -> list[Sum]:
    return [s for _name, _row, s in named_flat_row_sums(grid)]


@cache  # asked for every cell of every table 三 read
def col_key(ncols: int, i: int) -> str | None:
    """The field column of cell `i` in a table 三 layout of `ncols` columns (None: a column that is no field)."""
    key = REQUESTS.layout(ncols)[i]
    return key if REQUESTS.column(key).field else None


def _ncols(header: str) -> int:
    """7 columns, or 8 when the header has a column that is no field (小计)."""
    extra = [c for c in REQUESTS.columns if not c.field]
    return len(REQUESTS.columns) if any(c.label in header for c in extra) else len(REQUESTS.field_columns())


def identity_failures(grid: Grid, table: dict[str, RowSplit]) -> set[str]:
    """`<name>:<row or column>` of each identity the reader's own sums find broken in a whole table (row -> its
    cells in a layout of the grid): what the reader evaluates, for comparison with `checks` and `spec`."""
    bad: set[str] = set()
    if grid is APPEALS:
        flat = tuple(c for r in grid.row_keys() for c in table[r])
        return {f"{name}:{row}" for name, row, s in named_flat_row_sums(grid) if not sums_ok(flat, [s])}
    ncols = len(next(iter(table.values())))
    for row, cells in table.items():
        bad |= {f"{name}:{row}" for name, s in named_row_sums(grid, ncols) if not sums_ok(cells, [s])}
    layout = grid.layout(ncols)
    for ident in request_identities(list(table), ncols):
        bad |= {f"{ident.name}:{layout[c]}" for c in ident.failures(table)}
    return bad


# what the reader evaluates: row sums while cutting a row (tables 三, in both layouts, and 四), column sums across
# the rows of table 三
IDENTITIES = ({(REQUESTS.key, name) for name, _s in named_row_sums(REQUESTS, len(REQUESTS.columns))}
              | {(REQUESTS.key, i.name) for i in request_identities(list(REQUESTS.row_keys()), len(REQUESTS.columns))}
              | {(APPEALS.key, name) for name, _row, _s in named_flat_row_sums(APPEALS)})


# ---- the two readings


def _trailing_blank(ct: Compact, label_start: int, run: str, at: int, toks: list[Token], ncols: int) -> list[Token]:
    """A `|` row one cell short that ends in a separator: its last cell is blank (`label | 0 | … | 0 | ` with the
    总计 left empty), unless the row has border bars on both sides (`| label | 0 | … |`)."""
    if not toks or len(toks) != ncols - 1 or not all(t.pinned for t in toks) or not run.rstrip().endswith("|"):
        return toks
    view = ct.view_text
    v = ct.view_at[label_start]
    line = view[view.rfind("\n", 0, v) + 1:v]
    if line.lstrip().startswith("|"):
        return toks
    end = at + len(run.rstrip())
    return [*toks, Token("", end, end, pinned=True)]


def read_rows(ct: Compact, labels: list[tuple[str, int, int]], end: int, ncols: int, sums: list[Sum],
              identities: list[Identity]) -> TableRead | None:
    options: dict[str, list[RowSplit]] = {}
    unsettled_rows: list[str] = []
    pinned_rows = 0
    with_values = 0
    for i, (key, _s, e) in enumerate(labels):
        stop = labels[i + 1][1] if i + 1 < len(labels) else end
        run, at = value_run(ct, e, stop)
        toks = _trailing_blank(ct, _s, run, at, tokenize(run, at), ncols)
        if not toks:
            continue
        with_values += 1
        pinned_rows += all(t.pinned for t in toks) or len(toks) == ncols
        try:
            options[key] = split_row(toks, ncols, sums)
        except TooManySplits:
            unsettled_rows.append(key)
    if with_values < max(2, len(labels) * 0.6):
        return None
    res = resolve(options, identities)
    conf = 0.95 if pinned_rows == with_values else 0.9
    return TableRead(res.chosen, res.ambiguous, "row", conf, unsettled_rows)


def read_stream(ct: Compact, rows: list[str], start: int, end: int, ncols: int, sums: list[Sum],
                identities: list[Identity], max_blocks: int = 8) -> TableRead | None:
    # only blocks that can be whole rows of this table take part (a stray page number is not a row)
    blocks = [b for b in stream_blocks(ct, start, end) if len(b) % ncols == 0]
    if not blocks or sum(len(b) for b in blocks) != len(rows) * ncols or len(blocks) > max_blocks:
        return None
    valid: list[tuple[tuple[str, ...], dict[str, RowSplit]]] = []
    for choice in itertools.product(*(orders(b, ncols) for b in blocks)):
        seq = [r for _name, rs in choice for r in rs]
        table = dict(zip(rows, seq, strict=True))
        if all(sums_ok(cells, sums) for cells in seq) and all(not i.failures(table) for i in identities):
            valid.append((tuple(name for name, _ in choice), table))
    distinct = {tuple(tuple(c.value for c in t[r]) for r in rows) for _n, t in valid}
    if len(distinct) != 1:
        amb: dict[str, list[RowSplit]] = {}
        for _n, t in valid:
            for r in rows:
                amb.setdefault(r, [])
                if t[r] not in amb[r]:
                    amb[r].append(t[r])
        return TableRead({}, {r: v for r, v in amb.items() if len(v) > 1} if valid else {}, "none", 0.0)
    names = set(valid[0][0])
    layout = "stream-" + (names.pop() if len(names) == 1 else "mixed")
    return TableRead(valid[0][1], {}, layout, 0.9)


# ---- tables 三 and 四


def _table3(ctx: Context, ct: Compact, version: str | None) -> tuple[list[Candidate], TableRead | None, int, int]:
    """(candidates, how the table was read, compact start of its first row label, compact end)."""
    text = ct.text
    rows = request_rows(version, text)
    first = None
    for m in rows[0][1].finditer(text):
        if re.search(r"上年结转", text[m.end() : m.end() + 300]):  # the second row follows the first
            first = m
            break
    if first is None:
        return [], None, len(text), 0
    head = TABLE3_HEAD.search(text, max(0, first.start() - 600), first.start())
    ncols = _ncols(text[head.end() if head else max(0, first.start() - 300) : first.start()])
    t4 = TABLE4_HEAD.search(text, first.end())
    end = t4.start() if t4 else min(len(text), first.start() + 20_000)
    if version == "2021" and ROWS_2021_WORD not in text[first.start():end] and "其他处理" in text[first.start():end]:
        rows = request_rows("2019", text)  # a 2021 report printing the 2019 table 三: one （六）其他处理 row
    labels = find_labels(ct, rows, first.start(), end)
    keys = [k for k, _s, _e in labels]
    sums = row_sums(REQUESTS, ncols)
    identities = request_identities(keys, ncols)
    read = read_rows(ct, labels, end, ncols, sums, identities)
    if read is None and len(keys) == len(rows):
        read = read_stream(ct, keys, first.start(), end, ncols, sums, identities)
    if read is None:
        return [], None, first.start(), end

    def path_of(row: str, i: int, n: int) -> str | None:
        col = col_key(n, i)
        return REQUESTS.path(row, col) if col else None

    return emit(ctx, ct, read, path_of, "table 三"), read, first.start(), end


def _table4(ctx: Context, ct: Compact, start: int) -> list[Candidate]:
    text = ct.text
    head = TABLE4_HEAD.search(text, start)
    if not head:
        return []
    stop_m = AFTER_TABLE4.search(text[head.end() :])
    stop = head.end() + stop_m.start() if stop_m else len(text)
    words = list(TABLE4_HEADER_WORDS.finditer(text, head.end(), stop))
    if len(words) < 4:
        return []
    run, at = value_run(ct, words[-1].end(), stop)
    toks = tokenize(run, at)
    if not toks:
        return []
    rows, cols = APPEALS.row_keys(), APPEALS.field_columns()
    ncells = len(rows) * len(cols)
    try:
        sols = split_row(toks, ncells, flat_row_sums(APPEALS))
    except TooManySplits:
        return [unsettled(APPEALS.path(r, c), "table 四") for r in rows for c in cols]
    conf = 0.95 if len(toks) == ncells else 0.9
    if not sols and len(toks) == ncells:  # explicit cells that break a row sum: reported by the checks, not corrected
        sols = [tuple(CellValue(int(t.text), t.start, t.end) if t.text and t.text.lstrip("-").isdigit()
                      else CellValue(None, None, None) for t in toks)]
        conf = 0.8
    if not sols:
        return []
    read = TableRead({"all": sols[0]}, {}, "row", conf) if len(sols) == 1 else TableRead({}, {"all": sols}, "row", conf)

    def path_of(_row: str, i: int, _n: int) -> str:
        return APPEALS.path(rows[i // len(cols)], cols[i % len(cols)])

    return emit(ctx, ct, read, path_of, "table 四")


def extract(ctx: Context) -> list[Candidate]:
    text = ctx.body.text
    version = template_version(text)
    ct = compact(text)
    t3, read3, t3_start, t3_end = _table3(ctx, ct, version)
    if read3 is None and not TABLE3_HEAD.search(text):
        return []
    out = list(t3)
    out += _table4(ctx, ct, t3_end if t3_end else t3_start)
    prefer = None
    if read3 is not None and read3.layout.startswith("stream-") and read3.layout != "stream-mixed":
        prefer = read3.layout[len("stream-") :]
    out += read_table2(ctx, ct, version, t3_start, prefer)
    if version:
        out.append(Candidate(path="meta.template", value=version, method="inferred", confidence=0.9,
                             note="template wording: " + ("2021 revision" if version == "2021" else "2019 trial version")))
    return out
