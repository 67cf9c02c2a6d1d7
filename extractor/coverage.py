"""Know what was not read: a field the report addresses that no reader read is `unread`, not "not stated".

A plain null tells the dataset's user "the report does not say". That is only true when the report does not
address the field. Two signs that it does, both read from the text alone (no sample's wording):

- **a table no reader read**: the heading of a template table (二, 三, 四) or of the old 统计表 is in the body, and
  no cell of that table was read. Its null cells, and the null summary fields it carries, are `unread` with the
  reason `table_not_read` when the table's region holds numbers, `table_missing` when it holds none (the table was
  an image, or lost in the scrape); and when the rules read table 三 or 四 only in part, every cell of a row the
  table's version prints that no reader read (no value, no blank cell, no reading: its label lost or worded as
  no reader knows) is `unread` with the reason `row_not_read`;
- **a number labelled as the field**: a quantity in the body whose label names the field (the same label reading
  that judges a model's quotes, `labels.owners`), and that is no other field's evidence. The field is `unread`
  with the reason `stated_not_read`, and the number is kept as an alternative: a reviewer's suggestion, never
  the value;
- **a section on problems or measures** (its heading: 存在的问题, 改进措施, 下一步工作计划; or a 下一步/今后/我们将
  passage in the second half) whose list came out null: `section_not_read`.

An `unread` field's `span` is where the report addresses it (the table's region, the number's sentence), so the
review queue shows that text. The value stays null: nothing here is a reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from extractor.core.catalogue import catalogue
from extractor.core.result import (
    MODEL_ROW,
    NOT_A_REPORT,
    ROW_NOT_READ,
    SECTION_NOT_READ,
    STATED_NOT_READ,
    TABLE_MISSING,
    TABLE_NOT_READ,
    UNREAD,
    FieldResult,
)
from extractor.core.schema import alternative
from extractor.template.grid import Grid
from extractor.template.spec import APPEALS, REQUESTS, SUMMARIES, TABLE2
from extractor.text.clean import Cleaned, View
from extractor.text.labels import SUBJECT, label, owners, sentence_end, sentence_start
from extractor.text.numbers import money_multiplier, quantities
from extractor.text.sections import find_sections

REGION_CHARS = 3000  # how far a table's region reaches past its heading, at most
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Table:
    """A table family: its heading, the cells' path prefix, and the summary fields the table carries."""

    name: str
    heading: re.Pattern[str]
    cells: tuple[str, ...]  # path prefixes of its cells
    summaries: tuple[str, ...]  # summary paths it carries (null ones are unread with it)


# what each table carries, from the template's declarations (template/spec.py), not a copy of them
_T2_FIELDS = tuple(dict.fromkeys(p for rows in TABLE2.values() for r in rows for p in r.fields.values()))


def _summaries(grid: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.field for s in SUMMARIES if s.grid == grid))


# request outcomes no template summary draws (the narrative reports' 已主动公开/不属于/不存在 counts) but a report with
# table 三 addresses in it: kept unread with the table, as before
_T3_ALSO = ("requests.already_public", "requests.not_this_agency", "requests.not_exist")
_T3_SUMMARIES = _summaries("requests") + _T3_ALSO
_T4_SUMMARIES = _summaries("appeals")

TABLES = (
    # the heading followed by what only the table prints (第二十条, 信息内容), as the reader asks: a report's prose
    # section 主动公开政府信息情况 is no table
    # (on its line or the next four; written without a nested optional newline, which backtracked over every line)
    Table("table 二", re.compile(r"主动公开政府信息情况(?=(?:[^\n]*\n){0,4}?[^\n]*(?:第二十条|信息内容))"),
          _T2_FIELDS, ()),
    Table("table 三", re.compile(r"收到和处理政府信息公开申请情况|本年新收政府信息公开申请数量"),
          ("standard_table.requests.",), _T3_SUMMARIES),
    Table("table 四", re.compile(r"(?:因)?政府信息公开(?:工作)?(?:被申请)?行政复议[、,]?\s*(?:提起)?行政诉讼情况"
                                r"|行政复议[、,]\s*行政诉讼情况"),
          ("standard_table.appeals.",), _T4_SUMMARIES),
)
# The old 统计表: its title, or its header row (指标名称 | 计量单位)
LEGACY = Table("统计表", re.compile(r"(?:政府)?信息公开(?:工作)?(?:情况)?统计表|指\s*标\s*(?:名\s*称)?\s*\|?\s*(?:计\s*量\s*)?单\s*位"),
               ("proactive.", "requests.", "fees.", "appeals."), ())
# Legacy-table fields: the counts the old table's rows carry
_LEGACY_FIELDS = ("proactive.total", "proactive.website", "proactive.gazette", "proactive.other_channels",
                  "requests.received", "requests.in_person", "requests.fax", "requests.online", "requests.letter",
                  "requests.handled_total", "requests.disclosed", "requests.partially_disclosed", "requests.denied",
                  "fees.charged_yuan", "fees.waived_yuan", "appeals.reconsideration_total",
                  "appeals.litigation_total", "appeals.complaints")


def _region(view: View, start: int, headings: list[int]) -> tuple[int, int]:
    """From a heading to the next table heading (or section heading) after it, at most REGION_CHARS."""
    end = min([h for h in headings if h > start] + [start + REGION_CHARS, len(view.text)])
    return start, end


def _null(r: FieldResult | None) -> bool:
    return r is None or (r.value is None and r.status == "unverified" and not r.reasons and not r.alternatives)


def _mark(results: dict[str, FieldResult], path: str, reason: str, span: tuple[int, int],
          alts: list[dict] | None = None) -> None:
    r = results.get(path)
    if not _null(r):
        return
    results[path] = FieldResult(path, None, None, span, False, 0.0, UNREAD, [reason], None, list(alts or []))


def _tables(results: dict[str, FieldResult], cleaned: Cleaned) -> None:
    view = cleaned.body
    found = [(t, m.start()) for t in TABLES for m in [t.heading.search(view.text)] if m]
    starts = sorted(s for _, s in found)
    for table, start in found:
        paths = _paths_under(table.cells)
        a, b = _region(view, start, starts)
        if any((r := results.get(p)) is not None and r.value is not None and r.method != MODEL_ROW for p in paths):
            _rows_not_read(results, table, view.span(a, b))  # read: its blank cells are read; a row missed is not
            continue

        reason = TABLE_NOT_READ if _DIGIT.search(view.text[a:b]) else TABLE_MISSING
        span = view.span(a, b)
        for p in paths + table.summaries:
            _mark(results, p, reason, span)
    if found:
        return
    m = LEGACY.heading.search(view.text)
    if m and not any(r.method == "table" and r.value is not None for p, r in results.items() if p in _LEGACY_FIELDS):
        a, b = _region(view, m.start(), [])
        reason = TABLE_NOT_READ if _DIGIT.search(view.text[a:b]) else TABLE_MISSING
        for p in _LEGACY_FIELDS:
            _mark(results, p, reason, view.span(a, b))


@cache
def _paths_under(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The catalogued paths that start with one of `prefixes` (a table's cells), in catalogue order."""
    return tuple(p for p in catalogue() if p.startswith(prefixes))


_GRIDS: dict[str, Grid] = {"table 三": REQUESTS, "table 四": APPEALS}


def _rows_not_read(results: dict[str, FieldResult], table: Table, span: tuple[int, int]) -> None:
    """A template table the rules read in part: every cell of a row its version prints that no reader read (no
    value, no blank cell, no reading) is `unread` (`row_not_read`), not a plain null: the table addresses it. The
    version is the one whose rows hold every row that was read (`Grid.version_of`)."""
    grid = _GRIDS.get(table.name)
    if grid is None:
        return
    cols = grid.field_columns()
    read = [r.key for r in grid.rows() if any(not _null(results.get(grid.path(r.key, c))) for c in cols)]
    if not read:
        return
    for row in grid.rows(grid.version_of(read)):
        if row.key not in read:
            for c in cols:
                _mark(results, grid.path(row.key, c), ROW_NOT_READ, span)


# What a number must look like to be a field's: a unit of the field's kind, in a sentence about the field's subject
# (a phone number, 机构职能类信息594条 or 现场咨询1600人次 state no disclosure field).
_UNITS: tuple[tuple[str, str], ...] = (
    ("capacity.staff", "人|名"), ("capacity.trainees", "人次|人|名"), ("capacity.trainings", "次|期|场|批"),
    ("capacity.meetings", "次|场"), ("capacity.dedicated_units", "个|家"), ("capacity.reading_points", "个|处"),
    ("requests.", "件|个|条|项|宗|起|份"), ("appeals.", "件|起|次|宗|个"),
    ("proactive.", "条|件|篇|个|次|期|场|项|份"),
)
_SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("requests.", re.compile(r"申请")), ("appeals.", re.compile(r"复议|诉讼|投诉|举报|申诉")),
    ("fees.", re.compile(r"费")), ("proactive.", re.compile(r"公开|发布")),
    ("capacity.", re.compile(r"信息公开|政务公开")),
)
_MONEY = re.compile(r"(?:万|亿|千)?元")


def _units_of(path: str) -> str | None:
    return next((u for prefix, u in _UNITS if path.startswith(prefix)), None)


@cache  # asked per field still null and unit met, in every report: the same few hundred answers
def _unit_fits(path: str, kind: str, unit: str | None) -> bool:
    if kind == "yuan":
        return unit is not None and bool(_MONEY.fullmatch(unit))
    units = _units_of(path)
    return unit is not None and units is not None and re.fullmatch(units, unit) is not None


@cache
def _counts() -> dict[str, str]:
    """The numeric fields (counts and money), each with its kind, in catalogue order."""
    return {p: s.kind for p, s in catalogue().items() if s.kind in ("int", "yuan")}


@cache
def _by_units() -> dict[tuple[str, str | None], tuple[str, ...]]:
    """The numeric fields grouped by what `_unit_fits` reads of them: money, or the units their prefix takes."""
    out: dict[tuple[str, str | None], list[str]] = {}
    for p, kind in _counts().items():
        out.setdefault(("yuan", None) if kind == "yuan" else (kind, _units_of(p)), []).append(p)
    return {k: tuple(ps) for k, ps in out.items()}


@cache  # per unit met: the numeric fields a quantity with it may be (one question per group of fields)
def _fitted_by(unit: str | None) -> frozenset[str]:
    return frozenset(p for ps in _by_units().values() if _unit_fits(ps[0], _counts()[ps[0]], unit) for p in ps)


@cache
def _subject(path: str) -> re.Pattern[str] | None:
    return next((rx for prefix, rx in _SUBJECTS if path.startswith(prefix)), None)


def _fits(path: str, kind: str, unit: str | None, sentence: str) -> bool:
    subject = _subject(path)
    return _unit_fits(path, kind, unit) and (subject is None or bool(subject.search(sentence)))


def _used_spans(results: dict[str, FieldResult]) -> list[tuple[int, int]]:
    return [r.span for r in results.values() if r.span is not None and r.value is not None]


def _stated(results: dict[str, FieldResult], cleaned: Cleaned) -> None:
    """Numbers in the body labelled as a field that came out null."""
    view = cleaned.body
    text = view.text
    used = _used_spans(results)
    kinds = _counts()
    open_ = kinds.keys() - {p for p, r in results.items() if not _null(r)}
    fitting: dict[str | None, bool] = {}  # per unit: whether it fits a field still null (else no label is read)

    def wanted(unit: str | None) -> bool:
        if unit not in fitting:
            fitting[unit] = unit != "%" and not _fitted_by(unit).isdisjoint(open_)
        return fitting[unit]

    for q in quantities(text, wanted):  # a number whose unit fits no field still null is not even parsed
        s = sentence_start(text, q.start)
        context = text[s:q.end]
        lab, has_number = label(context)
        if not has_number:
            continue
        e = sentence_end(text, q.end)
        named = {p for p in owners(lab) if p in kinds and _null(results.get(p))
                 and _fits(p, kinds[p], q.unit, text[s:e]) and (p not in SUBJECT or SUBJECT[p].search(context))}
        if not named:
            continue
        qs, qe = view.span(q.start, q.end)
        if any(a < qe and qs < b for a, b in used):
            continue  # this number is another field's evidence
        span = view.span(s, e)
        evidence, espan = view.evidence(q.start, q.end)
        for p in named:
            value = q.value
            if catalogue()[p].kind == "yuan":
                yuan = Decimal(str(q.value)) * money_multiplier(text, q)
                value = int(yuan) if yuan == yuan.to_integral_value() else float(yuan)
            alt = alternative(value, evidence=evidence, span=espan, method="suggested", reasons=[STATED_NOT_READ])
            _mark(results, p, STATED_NOT_READ, span, [alt])


_PROBLEM_TITLE = re.compile(r"问题|不足|缺乏|困难|差距")
_MEASURE_TITLE = re.compile(r"改进|措施|计划|下一步|打算|今后|努力方向|工作要点|思路|展望")
_MEASURE_CUE = re.compile(r"下一步|今后|明年|新的一年|(?:19|20)\d{2}\s*年[,，]?\s*我(?:们|[镇乡县区市局委办厅])将|我们将")


def _assessment(results: dict[str, FieldResult], cleaned: Cleaned) -> None:
    """A section on problems or measures (or a 下一步/今后/我们将 passage) with its list left null."""
    view = cleaned.body
    for sec in find_sections(view.text):
        if sec.kind != "problems":
            continue
        span = view.span(sec.start, max(sec.start + 1, sec.end))
        if _PROBLEM_TITLE.search(sec.title):
            _mark(results, "assessment.problems", SECTION_NOT_READ, span)
        if _MEASURE_TITLE.search(sec.title):
            _mark(results, "assessment.improvements", SECTION_NOT_READ, span)
    m = _MEASURE_CUE.search(view.text, len(view.text) // 2)
    if m:
        e = min(len(view.text), sentence_end(view.text, m.end()) + 400)
        _mark(results, "assessment.improvements", SECTION_NOT_READ, view.span(m.start(), e))


def mark_unread(results: dict[str, FieldResult], cleaned: Cleaned) -> None:
    """Mark, in place, the null fields the report addresses and no reader read (see the module's doc). A text that
    is not a report addresses nothing."""
    kind = results.get("meta.doc_type")
    if kind is not None and NOT_A_REPORT in kind.reasons:
        return
    _tables(results, cleaned)
    _stated(results, cleaned)
    _assessment(results, cleaned)
