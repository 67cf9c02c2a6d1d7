"""Prose witnesses for table 二's cells: a number the report's prose states for the same quantity as a cell.

A run of table 二 digits with no separator (`规范性文件1230417`) has many readings and the template gives almost no
arithmetic to cut it; a sentence of the report such as 制发规范性文件12件，废止30件，现行有效417件 says which one
(12 | 30 | 417). A witness is found by a sentence pattern (the narrative rules for 规范性文件 and 规章, the patterns
below for the other cells) and kept only when a label reading of its number (`labels.states_field` with table 二's
terms) names the same field: in 保留部门规范性文件181件 the label names 现行有效, not 本年制发.

Never a witness: a number inside a table, an approximate number (10余件), a running or earlier year's count or a
change (累计…, 上年…, 同比…, 增加…; a sentence naming two years), regulations and documents counted together
(规章和规范性文件共…), a count of published items (规范性文件类信息68条: its unit is 条, its noun 信息), a sentence
about 行政许可 applications (受理行政许可申请300件: the label names the requests). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractor.rules import narrative
from extractor.rules.common import NUM, Context, candidate_from_view, cgap, clause_start, sentence_bounds
from extractor.rules.narrative import Rule
from extractor.text.labels import context_of, states_field

DOCS = re.compile(r"规范性文件")
_TOTAL = r"(?:共计|共|合计|总数|数量|件数|数)?(?:为|达)?\s*"
_PIECES = r"\s*(?:件|个|份|部)"
_CASES = r"\s*(?:件|宗|起)"  # decisions; 行政许可事项312项 counts the items of a catalogue (2019's 项目数量)
_DOC_NOUN = r"(?:" + cgap(12) + r"规范性文件)?"


def _rule(path: str, pattern: str, note: str, requires: re.Pattern[str] | None = None) -> Rule:
    return Rule(path, pattern, requires=requires, note=note)


# the cells the narrative rules do not read, and the 2019 wording of 本年新制作数量
RULES: tuple[Rule, ...] = (
    _rule("proactive.normative_documents", r"(?:新制作|制作|制定|新增)(?:了)?" + cgap(6) + r"规范性文件" + _TOTAL + NUM
          + _PIECES, "制作…规范性文件N件"),
    _rule("proactive.normative_documents_repealed", r"废止(?:了)?" + _DOC_NOUN + _TOTAL + NUM + _PIECES, "废止N件",
          DOCS),
    _rule("proactive.normative_documents_in_force", r"(?:现行有效|保留)(?:的)?" + _DOC_NOUN + _TOTAL + NUM + _PIECES,
          "现行有效N件", DOCS),
    _rule("proactive.licensing_decisions", r"行政许可(?:决定|案件|办件)?" + _TOTAL + NUM + _CASES, "行政许可N件"),
    _rule("proactive.penalty_decisions", r"行政处罚(?:决定|案件)?" + _TOTAL + NUM + _CASES, "行政处罚N件"),
    _rule("proactive.enforcement_decisions", r"行政强制(?:措施|执行|决定|案件)?" + _TOTAL + NUM + r"\s*(?:件|宗|起|次)",
          "行政强制N件"),
)
# the narrative rules whose fields are table 二 cells, under the names they are counted by
NARRATIVE = {"proactive.normative_documents": "制发…规范性文件N件 [narrative rule]",
             "proactive.regulations_issued": "制发…规章N件 [narrative rule]"}
# not this year's count: a running total, an earlier year, a comparison, a change
_NOT_THIS_YEAR = re.compile(r"累计|历年|(?<!今年)(?<!年初)以来|至今|上年|去年|上一年|同比|较|比\d|比上|增加|减少|增长|下降")
_YEAR = re.compile(r"(?:19|20)\d\d\s*年")
_DOC_PATHS = ("proactive.normative_documents", "proactive.normative_documents_repealed",
              "proactive.normative_documents_in_force")


@dataclass(frozen=True)
class Witness:
    path: str
    value: int
    rule: str  # the pattern that found it (its note)
    evidence: str
    span: tuple[int, int]  # in the original


def _rules() -> Iterator[tuple[Rule, str]]:
    for r in narrative.RULES:
        if r.path in NARRATIVE and not r.zero:
            yield r, NARRATIVE[r.path]
    for r in RULES:
        yield r, r.note


def _witnesses(ctx: Context, rule: Rule, name: str, skip: tuple[int, int]) -> Iterator[Witness]:
    text = ctx.body.text
    for m in rule.finditer(text):
        if ctx.in_table(m.start()) or skip[0] <= m.start() < skip[1]:
            continue
        s0, s1 = sentence_bounds(text, m.start(), m.end())
        if rule.requires and not rule.requires.search(text[s0:s1]):
            continue
        if _NOT_THIS_YEAR.search(text[clause_start(text, m.start(), "。;!?\n,"):m.end()]):
            continue
        if len({y.group().replace(" ", "") for y in _YEAR.finditer(text, s0, s1)}) > 1:
            continue  # a sentence comparing years (2020年…，2021年…): which count is this year's is not read
        if rule.path in _DOC_PATHS and "规章" in m.group():
            continue  # 现行有效规章和规范性文件共417件: regulations and documents together, no cell of the table
        c = candidate_from_view(ctx.body, rule.path, m.start(), m.end(), "int", "sentence", name, 0.8)
        if c is None or c.span is None or c.evidence is None or c.approximate or not isinstance(c.value, int):
            continue
        if not states_field(rule.path, context_of(ctx.body.original, c.span), table2=True):
            continue  # the number's label names another quantity
        yield Witness(rule.path, c.value, name, c.evidence, c.span)


def find(ctx: Context, skip: tuple[int, int]) -> dict[str, list[Witness]]:
    """Every witness in the body outside the tables (`skip`: the view range of table 二), by field."""
    out: dict[str, list[Witness]] = {}
    for rule, name in _rules():
        for w in _witnesses(ctx, rule, name, skip):
            same = out.setdefault(w.path, [])
            if not any(x.span == w.span and x.value == w.value for x in same):
                same.append(w)
    return out
