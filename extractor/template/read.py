"""The national template's tables 二, 三 and 四 (2019 trial version and 2021 revision).

Rows are found by their wording, in template order, in a *compact* copy of the body view (whitespace
between two non-digits removed, so PDF line breaks inside a label do not matter; whitespace next to a
digit kept, because it separates cells). Cell values come from one of two readings:

- **row reading**: the numbers right after each row label (`|` cells, one cell per line, space
  separated, or run together); a run is cut into cells by `splitting.split_row` using the row sums,
  and rows still ambiguous are settled by the column identities (`splitting.resolve`);
- **stream reading** (text extracted from a PDF): the labels come first and the numbers later in
  blocks, row by row or column by column; every block order is tried and only an order under which
  every identity holds is accepted.

Whatever cannot be settled is left null with the reason `ambiguous_split` and the possible values as
alternatives, for review. Identity checks on the final values are in `reconcile`.
"""

from __future__ import annotations

import itertools
import re
from array import array
from dataclasses import dataclass, field

from extractor.core.candidates import Candidate
from extractor.core.catalogue import APP_COLS, APP_ROWS, REQ_COLS, is_outcome
from extractor.core.schema import alternative
from extractor.rules.common import Context
from extractor.template.cells import (
    Cell,
    Identity,
    RowSplit,
    Token,
    TooManySplits,
    resolve,
    split_row,
    sums_ok,
    token_cell,
    tokenize,
)
from extractor.text.numbers import reparse

# ---- template version

MARKERS_2021 = re.compile(r"本年制发件数|本年废止件数|现行有效件数|行政规范性文件|本年收费金额|逾期不补正|逾期未按收费通知")
MARKERS_2019 = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/?减|政府集中采购|采购总金额")
TABLE3_HEAD = re.compile(r"收到和处理政府信息公开申请情况")
TABLE4_HEAD = re.compile(r"政府信息公开行政复议[、,]?\s*行政诉讼情况|行政复议[、,]行政诉讼情况")
TABLE2_HEAD = re.compile(r"主动公开政府信息情况")


def template_version(text: str) -> str | None:
    """'2021', '2019' or None, from the wording only the one version uses."""
    n21 = len(set(MARKERS_2021.findall(text)))
    n19 = len(set(MARKERS_2019.findall(text)))
    if not (n21 or n19) or n21 == n19:
        return None
    return "2021" if n21 > n19 else "2019"


# ---- compact text


@dataclass
class Compact:
    text: str
    view_at: array  # compact index -> view index

    def view_span(self, start: int, end: int) -> tuple[int, int]:
        return self.view_at[start], self.view_at[end - 1] + 1


_SPACE_RUN = re.compile(r"\s+")


def compact(view_text: str, start: int = 0, end: int | None = None) -> Compact:
    """Drop whitespace between two non-digits (so `(三)不\\n予公开` reads `(三)不予公开`)."""
    end = len(view_text) if end is None else end
    out: list[str] = []
    at = array("l")
    pos = start
    for m in _SPACE_RUN.finditer(view_text, start, end):
        i, j = m.span()
        out.append(view_text[pos:i])
        at.extend(range(pos, i))
        prev = view_text[i - 1] if i > start else ""
        nxt = view_text[j] if j < end else ""
        if prev.isdigit() or nxt.isdigit() or nxt == "-":
            out.append(" ")
            at.append(i)
        pos = j
    out.append(view_text[pos:end])
    at.extend(range(pos, end))
    return Compact("".join(out), at)


# ---- table 三 rows

def _enum(n: int | None) -> str:
    if n is None:
        return ""
    return rf"(?:\(?{n}\)?\s?[.、]\s?)?"


_ROW_CORE: list[tuple[str, int | None, str]] = [
    ("new_received", None, r"本年新收(?:政府信息公开|的)?申请(?:数量|数|件数)?"),
    ("carried_over_in", None, r"上年结转(?:政府信息公开|的)?申请(?:数量|数|件数)?"),
    ("disclosed", None, r"予以公开"),
    ("partially_disclosed", None, r"部分公开(?:\([^)]{0,30}\))?"),
    ("denied_state_secret", 1, r"属于国家秘密"),
    ("denied_law_prohibited", 2, r"其他法律行政法规禁止公开"),
    ("denied_security_stability", 3, r"危及[^\d]{0,2}三安全一稳定[^\d(]{0,2}"),
    ("denied_third_party", 4, r"保护第三方合法权益"),
    ("denied_internal_affairs", 5, r"属于三类内部事务信息"),
    ("denied_process_info", 6, r"属于四类过程性信息"),
    ("denied_enforcement_file", 7, r"属于行政执法案卷"),
    ("denied_query_item", 8, r"属于行政查询事项"),
    ("unable_not_held", 1, r"本机关不掌握(?:相关)?(?:的)?政府信息"),
    ("unable_needs_creation", 2, r"没有现成信息需要另行制作"),
    ("unable_unclear", 3, r"补正后申请内容仍不明确"),
    ("not_processed_petition", 1, r"信访举报投诉类申请"),
    ("not_processed_repeat", 2, r"重复申请"),
    ("not_processed_publication", 3, r"要求提供公开出版物"),
    ("not_processed_excessive", 4, r"无正当理由大量反[复覆]申请"),  # 反覆: OpenCC s2t writes it so
    ("not_processed_confirmation", 5, r"要求行政机关确认或重新出具已获取信息"),
]
_ROWS_2021_OTHER = [
    ("other_no_correction", 1, r"申请人无正当理由逾期不补正[^\d]{0,40}?政府信息公开申请"),
    ("other_no_fee", 2, r"申请人逾期未按收费通知要求缴纳费用[^\d]{0,40}?政府信息公开申请"),
    ("other_other", 3, r"其他(?!处理)"),
]
_ROWS_2019_OTHER = [("other_other", None, r"其他处理")]
_ROWS_TAIL = [
    ("handled_total", None, r"总计"),
    ("carried_forward", None, r"结转下年度继续办理"),
]

def request_rows(version: str | None, text: str) -> list[tuple[str, re.Pattern[str]]]:
    two_thousand_21 = version == "2021" or (version is None and "逾期不补正" in text)
    rows = _ROW_CORE + (_ROWS_2021_OTHER if two_thousand_21 else _ROWS_2019_OTHER) + _ROWS_TAIL
    return [(k, re.compile(_enum(n) + core)) for k, n, core in rows]


def request_identities(rows: list[str], ncols: int) -> list[Identity]:
    cols = tuple(range(ncols))
    outcomes = tuple(r for r in rows if is_outcome(r))
    out = []
    if "handled_total" in rows:
        out.append(Identity("outcomes_sum_to_total", outcomes, ("handled_total",), cols))
    if {"new_received", "carried_over_in", "handled_total", "carried_forward"} <= set(rows):
        out.append(Identity("new_plus_carried_in_equals_handled_plus_carried_forward",
                            ("new_received", "carried_over_in"), ("handled_total", "carried_forward"), cols))
    return out


def row_sums(ncols: int) -> list[tuple[int, tuple[int, ...]]]:
    if ncols == 8:  # an organisation subtotal (小计) between other_org and total
        return [(6, (1, 2, 3, 4, 5)), (7, (0, 1, 2, 3, 4, 5))]
    return [(6, (0, 1, 2, 3, 4, 5))]


def col_key(ncols: int, i: int) -> str | None:
    if ncols == 8:
        return None if i == 6 else REQ_COLS[i if i < 6 else 6]
    return REQ_COLS[i]


# ---- reading values next to labels

NUMERIC_RUN = re.compile(r"[\d\s|.,\-]*")
STANDALONE = re.compile(r"(?<![^\s|])-?\d+(?:\.\d+)?(?![^\s|])")


def value_run(ct: Compact, start: int, stop: int) -> tuple[str, int]:
    """The numbers right after a label: (run text, compact start), cut before the next label."""
    m = NUMERIC_RUN.match(ct.text, start, stop)
    run = m.group(0) if m else ""
    run = re.sub(r"\d{1,2}\s?[.、]\s?$", "", run) if re.search(r"[.、]\s?$", run) else run  # next row's "2."
    run = re.sub(r"[.\-,]+\s*$", "", run)
    return run, start


def find_labels(ct: Compact, rows: list[tuple[str, re.Pattern[str]]], start: int, end: int) -> list[tuple[str, int, int]]:
    """(row, compact start, compact end) for each row label found, searched in template order."""
    found: list[tuple[str, int, int]] = []
    pos = start
    for key, rx in rows:
        m = rx.search(ct.text, pos, end)
        if not m:
            continue
        found.append((key, m.start(), m.end()))
        pos = m.end()
    return found


@dataclass
class TableRead:
    """Cells chosen for one table, plus the rows left ambiguous and how the values were read."""

    cells: dict[str, RowSplit]
    ambiguous: dict[str, list[RowSplit]]
    layout: str  # row | stream-row-major | stream-column-major | stream-mixed | none
    confidence: float
    unsettled: list[str] = field(default_factory=list)  # rows with too many readings to list


def read_rows(ct: Compact, labels: list[tuple[str, int, int]], end: int, ncols: int, sums: list, identities: list[Identity]) -> TableRead | None:
    options: dict[str, list[RowSplit]] = {}
    unsettled: list[str] = []
    pinned_rows = 0
    with_values = 0
    for i, (key, _s, e) in enumerate(labels):
        stop = labels[i + 1][1] if i + 1 < len(labels) else end
        run, at = value_run(ct, e, stop)
        toks = tokenize(run, at)
        if not toks:
            continue
        with_values += 1
        pinned_rows += all(t.pinned for t in toks) or len(toks) == ncols
        try:
            options[key] = split_row(toks, ncols, sums)
        except TooManySplits:
            unsettled.append(key)
    if with_values < max(2, len(labels) * 0.6):
        return None
    res = resolve(options, identities)
    conf = 0.95 if pinned_rows == with_values else 0.9
    return TableRead(res.chosen, res.ambiguous, "row", conf, unsettled)


def stream_blocks(ct: Compact, start: int, end: int) -> list[list[Token]]:
    """Standalone numbers between start and end, grouped into blocks of numbers with nothing between."""
    blocks: list[list[Token]] = []
    last_end = None
    for m in STANDALONE.finditer(ct.text, start, end):
        tok = Token(m.group(0), m.start(), m.end(), pinned=True)
        if last_end is not None and ct.text[last_end:m.start()].strip(" \t\n\r\f\v|") == "":
            blocks[-1].append(tok)
        else:
            blocks.append([tok])
        last_end = m.end()
    return blocks


def _orders(block: list[Token], ncols: int) -> list[tuple[str, list[RowSplit]]]:
    k = len(block) // ncols
    by_row = [tuple(token_cell(block[r * ncols + c]) for c in range(ncols)) for r in range(k)]
    out = [("row-major", by_row)]
    if k > 1 and ncols > 1:
        by_col = [tuple(token_cell(block[c * k + r]) for c in range(ncols)) for r in range(k)]
        out.append(("column-major", by_col))
    return out


def read_stream(ct: Compact, rows: list[str], start: int, end: int, ncols: int, sums: list,
                identities: list[Identity], max_blocks: int = 8) -> TableRead | None:
    # only blocks that can be whole rows of this table take part (a stray page number is not a row)
    blocks = [b for b in stream_blocks(ct, start, end) if len(b) % ncols == 0]
    if not blocks or sum(len(b) for b in blocks) != len(rows) * ncols or len(blocks) > max_blocks:
        return None
    valid: list[tuple[tuple[str, ...], dict[str, RowSplit]]] = []
    for choice in itertools.product(*(_orders(b, ncols) for b in blocks)):
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


# ---- candidates


def _cell_candidate(ctx: Context, ct: Compact, path: str, cell: Cell, conf: float, note: str,
                    kind_prefix_start: int | None = None) -> Candidate | None:
    if cell.value is None or cell.start is None or cell.end is None:
        return None
    s = kind_prefix_start if kind_prefix_start is not None else cell.start
    vs, ve = ct.view_span(s, cell.end)
    evidence, span = ctx.body.evidence(vs, ve)
    value = cell.value
    if path.endswith("_yuan"):  # the value is what the evidence states in yuan (万元 header included)
        parsed = reparse(evidence, "yuan")
        if parsed is None:
            return None
        value = parsed.value
    return Candidate(path=path, value=value, evidence=evidence, span=span, method="table", confidence=conf, note=note)


def _ambiguous(ctx: Context, ct: Compact, path: str, options: list[Cell], note: str) -> Candidate:
    alts = []
    for c in options:
        if c.value is None or c.start is None or c.end is None:
            continue
        vs, ve = ct.view_span(c.start, c.end)
        ev, span = ctx.body.evidence(vs, ve)
        alt = alternative(c.value, ev, span, "table", "rules")
        if alt not in alts:
            alts.append(alt)
    return Candidate(path=path, value=None, method="table", confidence=0.0, reasons=["ambiguous_split"],
                     note=note, alternatives=alts)


def _unsettled(path: str, note: str) -> Candidate:
    """A cell whose run has too many readings to list: null, for review."""
    return Candidate(path=path, value=None, method="table", confidence=0.0, reasons=["ambiguous_split"],
                     note=f"{note}: too many readings of the run to list")


def _emit(ctx: Context, ct: Compact, read: TableRead, path_of, label: str) -> list[Candidate]:
    out: list[Candidate] = []
    for row, cells in read.cells.items():
        shown = "|".join("" if c.value is None else str(c.value) for c in cells)
        for i, cell in enumerate(cells):
            p = path_of(row, i, len(cells))
            if p:
                c = _cell_candidate(ctx, ct, p, cell, read.confidence, f"{label} {row}: {shown} ({read.layout})")
                if c:
                    out.append(c)
    for row in read.unsettled:
        for i in range(ncols_of(read)):
            p = path_of(row, i, ncols_of(read))
            if p:
                out.append(_unsettled(p, f"{label} {row}"))
    for row, splits in read.ambiguous.items():
        shown = " or ".join("|".join(str(c.value) for c in s) for s in splits[:6])
        ncells = len(splits[0])
        for i in range(ncells):
            p = path_of(row, i, ncells)
            if p and len({s[i].value for s in splits}) > 1:
                out.append(_ambiguous(ctx, ct, p, [s[i] for s in splits], f"{label} {row}: {shown}"))
            elif p:  # the same value under every reading: not ambiguous
                c = _cell_candidate(ctx, ct, p, splits[0][i], read.confidence - 0.1, f"{label} {row}: {shown}")
                if c:
                    out.append(c)
    return out


def ncols_of(read: TableRead) -> int:
    for cells in list(read.cells.values()) + [s[0] for s in read.ambiguous.values()]:
        return len(cells)
    return 7


def _table3(ctx: Context, ct: Compact, version: str | None) -> tuple[list[Candidate], TableRead | None, int, int]:
    """(candidates, how the table was read, compact start of its first row label, compact end)."""
    text = ct.text
    rows = request_rows(version, text)
    first = None
    for m in rows[0][1].finditer(text):
        if re.search(r"上年结转", text[m.end() : m.end() + 300]):
            first = m
            break
    if first is None:
        return [], None, len(text), 0
    head = TABLE3_HEAD.search(text, max(0, first.start() - 600), first.start())
    header = text[head.end() if head else max(0, first.start() - 300) : first.start()]
    ncols = 8 if "小计" in header else 7
    t4 = TABLE4_HEAD.search(text, first.end())
    end = t4.start() if t4 else min(len(text), first.start() + 20_000)
    labels = find_labels(ct, rows, first.start(), end)
    keys = [k for k, _s, _e in labels]
    sums = row_sums(ncols)
    identities = request_identities(keys, ncols)
    read = read_rows(ct, labels, end, ncols, sums, identities)
    if read is None and len(keys) == len(rows):
        read = read_stream(ct, keys, first.start(), end, ncols, sums, identities)
    if read is None:
        return [], None, first.start(), end

    def path_of(row: str, i: int, n: int) -> str | None:
        col = col_key(n, i)
        return f"standard_table.requests.{row}.{col}" if col else None

    return _emit(ctx, ct, read, path_of, "table 三"), read, first.start(), end


APP_PREFIX = "standard_table.appeals"
APPEAL_SUMS = [(4, (0, 1, 2, 3)), (9, (5, 6, 7, 8)), (14, (10, 11, 12, 13))]
T4_HEADER_WORDS = re.compile(r"总计|审结|结果|起诉|纠正|维持|复议|诉讼")


def _table4(ctx: Context, ct: Compact, start: int) -> list[Candidate]:
    text = ct.text
    head = TABLE4_HEAD.search(text, start)
    if not head:
        return []
    stop_m = re.search(r"[五六][、.]|存在的主要问题", text[head.end() :])
    stop = head.end() + stop_m.start() if stop_m else len(text)
    words = list(T4_HEADER_WORDS.finditer(text, head.end(), stop))
    if len(words) < 4:
        return []
    begin = words[-1].end()
    run, at = value_run(ct, begin, stop)
    toks = tokenize(run, at)
    if not toks:
        return []
    try:
        sols = split_row(toks, 15, APPEAL_SUMS)
    except TooManySplits:
        return [_unsettled(f"{APP_PREFIX}.{r}.{c}", "table 四") for r in APP_ROWS for c in APP_COLS]
    conf = 0.95 if len(toks) == 15 else 0.9
    if not sols and len(toks) == 15:  # explicit cells that break a row sum: reported by reconcile, not corrected
        sols = [tuple(Cell(int(t.text), t.start, t.end) if t.text and t.text.lstrip("-").isdigit() else Cell(None, None, None)
                      for t in toks)]
        conf = 0.8
    if not sols:
        return []
    if len(sols) == 1:
        read = TableRead({"all": sols[0]}, {}, "row", conf)
    else:
        read = TableRead({}, {"all": sols}, "row", conf)

    def path_of(_row: str, i: int, _n: int) -> str:
        return f"{APP_PREFIX}.{APP_ROWS[i // 5]}.{APP_COLS[i % 5]}"

    return _emit(ctx, ct, read, path_of, "table 四")


# ---- table 二

@dataclass(frozen=True)
class T2Row:
    key: str
    label: re.Pattern[str]
    ncells: int
    fields: dict[int, str]  # cell index -> catalogue path
    group: int  # rows of one sub-table (第二十条第(X)项) share a group
    negative_cols: frozenset[int] = frozenset()  # 本年增/减 (2019) may be negative


CHANGE = frozenset({1})  # the 2019 本年增/减 column


def table2_rows(version: str) -> list[T2Row]:
    if version == "2021":
        return [
            T2Row("regulations", re.compile(r"规章"), 3, {0: "proactive.regulations_issued"}, 1),
            T2Row("normative", re.compile(r"行政规范性文件"), 3, {0: "proactive.normative_documents",
                  1: "proactive.normative_documents_repealed", 2: "proactive.normative_documents_in_force"}, 1),
            T2Row("licensing", re.compile(r"行政许可"), 1, {0: "proactive.licensing_decisions"}, 5),
            T2Row("penalty", re.compile(r"行政处罚"), 1, {0: "proactive.penalty_decisions"}, 6),
            T2Row("enforcement", re.compile(r"行政强制"), 1, {0: "proactive.enforcement_decisions"}, 6),
            T2Row("fees", re.compile(r"行政事业性收费"), 1, {0: "proactive.admin_fees_yuan"}, 8),
        ]
    return [
        T2Row("regulations", re.compile(r"规章"), 3, {0: "proactive.regulations_issued"}, 1),
        T2Row("normative", re.compile(r"规范性文件"), 3, {0: "proactive.normative_documents"}, 1),
        T2Row("licensing", re.compile(r"行政许可"), 3, {2: "proactive.licensing_decisions"}, 5, CHANGE),
        T2Row("other_services", re.compile(r"其他对外管理服务事项"), 3, {}, 5, CHANGE),
        T2Row("penalty", re.compile(r"行政处罚"), 3, {2: "proactive.penalty_decisions"}, 6, CHANGE),
        T2Row("enforcement", re.compile(r"行政强制"), 3, {2: "proactive.enforcement_decisions"}, 6, CHANGE),
        T2Row("fees", re.compile(r"行政事业性收费"), 2, {}, 8, CHANGE),
        T2Row("procurement", re.compile(r"政府集中采购"), 2, {}, 9),
    ]


UNIT_HEAD = re.compile(r"单位\s*[:：]?\s*(?:万元|元|亿元|千元)")


def _plausible_t2(row: T2Row, cells: RowSplit, version: str) -> bool:
    """2021: documents in force include those issued this year (现行有效 >= 本年制发)."""
    if version == "2021" and row.ncells == 3 and all(c.value is not None for c in cells):
        return cells[2].value >= cells[0].value  # type: ignore[operator]
    return True


def _table2(ctx: Context, ct: Compact, version: str | None, t3_start: int, prefer: str | None) -> list[Candidate]:
    if version is None:
        return []
    text = ct.text
    heads = [m for m in TABLE2_HEAD.finditer(text, 0, t3_start) if re.search(r"第二十条|信息内容", text[m.end() : m.end() + 200])]
    if not heads:
        return []
    start, end = heads[-1].end(), t3_start
    rows = table2_rows(version)
    found = []
    pos = start
    for row in rows:
        m = row.label.search(text, pos, end)
        if m:
            found.append((row, m.start(), m.end()))
            pos = m.end()
    if not found:
        return []
    out: list[Candidate] = []
    unit = UNIT_HEAD.search(text, start, end)
    reads: dict[str, tuple[list[RowSplit], str]] = {}
    for i, (row, _s, e) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else end
        run, at = value_run(ct, e, stop)
        toks = tokenize(run, at)
        if toks:
            try:
                reads[row.key] = (split_row(toks, row.ncells, negative_cols=row.negative_cols), "row")
            except TooManySplits:
                continue
    if len(reads) < len(found) * 0.6:  # a PDF stream: labels first, numbers later
        reads = {}
        toks = [t for b in stream_blocks(ct, start, end) for t in b]
        want = sum(r.ncells for r, _s, _e in found)
        if len(toks) == want:
            i = 0
            for _g, grp in itertools.groupby(found, key=lambda x: x[0].group):
                grp_rows = [r for r, _s, _e in grp]
                n = grp_rows[0].ncells if len({r.ncells for r in grp_rows}) == 1 else None
                size = sum(r.ncells for r in grp_rows)
                block = toks[i : i + size]
                i += size
                if n is None or len(grp_rows) == 1 or n == 1:
                    j = 0
                    for r in grp_rows:
                        reads[r.key] = ([tuple(token_cell(t) for t in block[j : j + r.ncells])], "stream")
                        j += r.ncells
                    continue
                orders = dict(_orders(block, n))
                ok = {name: rs for name, rs in orders.items()
                      if all(_plausible_t2(r, cells, version) for r, cells in zip(grp_rows, rs, strict=True))}
                # row or column order: taken only when the order table 三 was read in is also the only
                # plausible one; otherwise every reading is kept for review
                if prefer in ok and len(ok) == 1:
                    for r, cells in zip(grp_rows, ok[prefer], strict=True):
                        reads[r.key] = ([cells], "stream-" + prefer)
                else:
                    for k, r in enumerate(grp_rows):
                        reads[r.key] = (list(dict.fromkeys(rs[k] for rs in orders.values())), "stream")
    for row, _s, _e in found:
        if row.key not in reads:
            continue
        splits, layout = reads[row.key]
        conf = 0.9 if layout == "row" else 0.8
        label = f"table 二 {row.key} ({layout})"
        for idx, path in row.fields.items():
            values = {s[idx].value for s in splits if idx < len(s)}
            if len(splits) == 1 or len(values) == 1:
                if not splits:
                    continue
                cell = splits[0][idx]
                prefix = unit.start() if (path.endswith("_yuan") and unit and unit.start() < (cell.start or 0)) else None
                c = _cell_candidate(ctx, ct, path, cell, conf, label, prefix)
                if c:
                    out.append(c)
            elif splits:
                out.append(_ambiguous(ctx, ct, path, [s[idx] for s in splits],
                                      label + ": " + " or ".join("|".join(str(c.value) for c in s) for s in splits[:6])))
    return out


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
    out += _table2(ctx, ct, version, t3_start, prefer)
    if version:
        out.append(Candidate(path="meta.template", value=version, method="inferred", confidence=0.9,
                             note="template wording: " + ("2021 revision" if version == "2021" else "2019 trial version")))
    return out
