"""The old 政府信息公开情况统计表 (2008-2018) as data. Pure: imports only `grid`, its blocks.

Declared here once, and taken from here by the reader (`rules.legacy_table`, `template.legacy_cells`) and the
generator (`template.legacy_synth`): the rows with the wordings they are printed with (by province and year; the
reader matches `pattern`, the generator prints one of `variants`), the field each row's cell of the year is, the
columns (本年度 or 2015年度, and 历年累计; sometimes one number column), and the arithmetic the numbers satisfy:

- `within_cumulative`: in every row, this year's number is at most the cumulative one (历年累计 includes it);
- `part_within_total`: in every column, a part listed under a total (其中) is at most that total;
- `PartsSum`: in every column, the parts under a total sum to it, when the table lists exactly those parts (a
  table that lists other parts, or only some, is not checked against it);
- `AtMost`: in every column, one row is at most another (answers at most requests).

A blank cell counts as 0 in the arithmetic (it is left empty where nothing happened) and is null as a field.
Two versions: `2008`, the 统计表 of the 2008-2013 reports (主动公开信息数, 受理依申请公开信息总数, 本年度 | 历年累计),
and `2014`, the 明细表 of the 2014-2018 reports (收到申请数, 申请办结数, one 数量 column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.template.grid import Column, Family, Grid, Row

THIS_YEAR = "this_year"
CUMULATIVE = "cumulative"
COLUMNS = (Column(THIS_YEAR, "本年度"), Column(CUMULATIVE, "历年累计"))

# ---- headings and header cells (folded, compact text: no whitespace between non-digits)

TABLE_START = re.compile(r"(?:统计表|明细表|情况表|统计数据)[^。\n]{0,40}?(?=\s*\|?\s*(?:指\s*标|项\s*目|统计指标))"
                         r"|指\s*标(?:名称)?\s*\|?\s*(?:计量)?单\s*位")
HEAD_LABEL = re.compile(r"统计指标|指标(?:名称)?|项目")
HEAD_UNIT = re.compile(r"(?:计量)?单位")
HEAD_THIS_YEAR = re.compile(r"本年度|本年数|本年|(?:19|20)\d{2}\s?年度?|数量|数值|统计数|合计")
HEAD_CUMULATIVE = re.compile(r"历年累计|累计(?:数)?")
UNIT = re.compile(r"人次|万元|——|—|条|件|个|人|次|元|篇|项|期|场|份|家|/")
YUAN = {"元": 1, "万元": 10000}


@dataclass(frozen=True)
class LegacyRow(Row):
    """A row of the 统计表. `label` is the canonical wording, `variants` the wordings reports print (the generator
    prints them), `pattern` what the reader matches. `fields`: the field(s) the cell of the year is; two for a row
    joining two categories (信函、传真申请数), where only a 0 says something about each. `parent`: the total this row
    is listed under (其中). `yields_to`: rows whose field wins when the table prints both."""

    fields: tuple[str, ...] = ()
    unit: str = "条"
    parent: str | None = None
    variants: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()

    @property
    def combined(self) -> bool:
        return len(self.fields) > 1


def _r(key: str, pattern: str, fields: str = "", unit: str = "条", parent: str | None = None,
       variants: tuple[str, ...] = (), yields_to: tuple[str, ...] = ()) -> LegacyRow:
    return LegacyRow(key, variants[0] if variants else key, pattern, fields=tuple(fields.split()), unit=unit,
                     parent=parent, variants=variants, yields_to=yields_to)


_SUFFIX = r"(?:政府信息|信息)?(?:总)?(?:数量|数)?"  # 政府网站公开 / 政府网站公开数 / 政府网站公开政府信息数

# ---- 主动公开 (proactive)
PROACTIVE = (
    _r("proactive_total", r"主动公开(?:政府)?(?:信息|文件)(?:总)?数|主动公开数", "proactive.total",
       variants=("主动公开信息数", "主动公开文件数", "主动公开政府信息数")),
    _r("normative", r"主动公开规范性文件" + _SUFFIX, "proactive.normative_documents", parent="proactive_total"),
    _r("normative_issued", r"制发规范性文件(?:总)?数", unit="件"),
    _r("website", r"(?:政府)?网站公开" + _SUFFIX, "proactive.website", parent="proactive_total",
       variants=("网站公开", "政府网站公开数", "政府网站公开政府信息数")),
    _r("gazette", r"(?:政府)?公报公开" + _SUFFIX, "proactive.gazette", parent="proactive_total",
       variants=("政府公报公开", "政府公报公开数", "政府公报公开政府信息数")),
    _r("weibo", r"政务微博公开" + _SUFFIX, "proactive.weibo", parent="proactive_total"),
    _r("wechat", r"政务微信公开" + _SUFFIX, "proactive.wechat", parent="proactive_total"),
    _r("other_channels", r"其他方式公开" + _SUFFIX, "proactive.other_channels", parent="proactive_total"),
)
# ---- 回应解读 (2014)
RESPONSES = (
    _r("leader_press", r"主要负责同志参加新闻发布会次数", unit="次"),
    _r("leader_interviews", r"主要负责同志参加政府网站在线访谈次数", unit="次"),
    _r("hot_topics", r"回应公众关注热点或重大舆情数|回应公众关注热点|重大舆情数", "proactive.hot_topic_responses",
       unit="次"),
    _r("press_conferences", r"(?:参加或举办)?新闻发布会(?:总)?次数", "proactive.press_conferences", unit="次"),
    _r("online_interviews", r"(?:政府网站)?在线访谈(?:总)?次数", "proactive.online_interviews", unit="次"),
    _r("interpretations", r"政策解读(?:稿件)?(?:发布)?数", "proactive.policy_interpretations", unit="篇"),
    _r("weibo_responses", r"微博微信回应事件数", unit="次"),
    _r("other_responses", r"其他方式回应事件数", unit="次"),
)
# ---- 依申请公开 (requests): channels, then answers
_CH = "received"
REQUESTS = (
    _r("received", r"收到申请(?:总)?数|受理依申请公开信息(?:总)?数|依申请公开信息(?:总)?数|受理[^|\d]{0,10}申请"
                   r"[^|\d]{0,6}(?:总)?数|申请总数", "requests.received",
       variants=("受理依申请公开信息总数", "依申请公开信息数", "受理依申请公开信息数")),
    _r("letter_fax", r"信函[、和及/]传真申请数?|传真[、和及/]信函申请数?", "requests.letter requests.fax", parent=_CH,
       variants=("信函、传真申请数",)),
    _r("in_person", r"当面申请数?", "requests.in_person", parent=_CH, variants=("当面申请数",)),
    _r("fax", r"传真申请数?", "requests.fax", parent=_CH, variants=("传真申请数",)),
    _r("email", r"电子邮件申请数?", "requests.online", parent=_CH, variants=("电子邮件申请数",),
       yields_to=("online",)),
    _r("online", r"网络申请数?|网上申请数?|互联网申请数?", "requests.online", parent=_CH,
       variants=("网上申请数", "网络申请数")),
    _r("letter", r"信函申请数?", "requests.letter", parent=_CH, variants=("信函申请数",)),
    _r("other_form", r"其[它他]形式申请数?", parent=_CH, variants=("其它形式申请数", "其他形式申请数")),
    _r("completed", r"申请办结数", unit="件"),
    _r("on_time", r"按时办结数?", "requests.completed_on_time", unit="件", parent="completed"),
    _r("late", r"延期办结数?", "requests.completed_late", unit="件", parent="completed"),
    _r("handled_total", r"(?:对)?申请(?:的)?答[复覆](?:总)?数|答[复覆]总数", "requests.handled_total",
       variants=("对申请的答复总数", "对申请的答复数")),
)
_ANS = "handled_total"
ANSWERS = (
    _r("already_public", r"属于已主动公开范围数?", "requests.already_public", unit="件", parent=_ANS),
    _r("partially_disclosed", r"同意部分公开(?:答[复覆])?数?", "requests.partially_disclosed", parent=_ANS,
       variants=("同意部分公开答复数", "同意部分公开数")),
    _r("denied", r"(?:不同意|不予|否决)公开(?:答[复覆])?数?", "requests.denied", parent=_ANS,
       variants=("不予公开答复数", "否决公开答复数", "不同意公开答复数")),
    _r("disclosed", r"同意公开(?:答[复覆])?数?", "requests.disclosed", parent=_ANS,
       variants=("同意公开答复数", "同意公开数")),
    _r("not_this_agency", r"不属于本(?:行政)?机关(?:公开)?数?", "requests.not_this_agency", unit="件", parent=_ANS),
    _r("not_exist", r"申请信息不存在数?|信息不存在数", "requests.not_exist", unit="件", parent=_ANS),
    _r("inform_amend", r"告知作出更改补充数?", unit="件", parent=_ANS),
    _r("inform_other_route", r"告知通过其他途径办理数?", unit="件", parent=_ANS),
    _r("other_handling", r"其他类型答[复覆]数?|其他答[复覆]数?", "requests.other_handling", parent=_ANS,
       variants=("其他类型答复数",)),
)
# ---- fees, appeals
FEES = (
    _r("fees_combined", r"(?:政府信息公开)?收费(?:及)?减免(?:金额|费用)?(?:数)?", "fees.charged_yuan fees.waived_yuan",
       unit="元", variants=("政府信息公开收费减免金额", "政府信息公开收费减免金额(元)")),
    _r("waived", r"减免(?:的)?(?:费用|金额)", "fees.waived_yuan", unit="元"),
    _r("charged", r"收取的费用|收费金额|收取费用|依申请公开[^|\d]{0,8}费用", "fees.charged_yuan", unit="元"),
)
APPEALS = (
    _r("litigation_complaints", r"(?:接受)?行政诉讼[、和及]举报(?:数量|数)?|诉讼[、和及]举报(?:数量|数)?",
       "appeals.litigation_total appeals.complaints", unit="件", variants=("接受行政诉讼、举报数",)),
    _r("reconsideration_total", r"行政复议(?:数量|数|案件数)", "appeals.reconsideration_total", unit="件",
       variants=("行政复议数",)),
    _r("litigation_total", r"行政诉讼(?:数量|数|案件数)", "appeals.litigation_total", unit="件",
       variants=("行政诉讼数",)),
    _r("complaints", r"举报投诉(?:数量|数)|投诉(?:数量|数)|(?:行政)?申诉[、和及]?(?:举报)?(?:数量|数)",
       "appeals.complaints", unit="件", variants=("行政申诉数", "行政申诉、举报数")),
    _r("reconsideration_upheld", r"维持具体行政行为(?:或者驳回原告诉讼请求)?数?", "appeals.reconsideration_upheld",
       unit="件", parent="reconsideration_total"),
    _r("reconsideration_corrected", r"被依法纠错数?|纠错数", "appeals.reconsideration_corrected", unit="件",
       parent="reconsideration_total"),
    _r("reconsideration_other", r"其他情形数?", "appeals.reconsideration_other", unit="件",
       parent="reconsideration_total"),
    _r("litigation_upheld", r"维持具体行政行为(?:或者驳回原告诉讼请求)?数?", "appeals.litigation_upheld", unit="件",
       parent="litigation_total"),
    _r("litigation_corrected", r"被依法纠错数?|纠错数", "appeals.litigation_corrected", unit="件",
       parent="litigation_total"),
    _r("litigation_other", r"其他情形数?", "appeals.litigation_other", unit="件", parent="litigation_total"),
)
# ---- 机构建设和保障经费, 会议和培训 (2014)
CAPACITY = (
    _r("dedicated_units", r"专门机构数", "capacity.dedicated_units", unit="个"),
    _r("reading_points", r"(?:设置)?(?:政府信息公开)?查阅(?:点|场所)数", "capacity.reading_points", unit="个"),
    _r("staff_full_time", r"专职人员数?", "capacity.staff_full_time", unit="人", parent="staff_total"),
    _r("staff_part_time", r"兼职人员数?", "capacity.staff_part_time", unit="人", parent="staff_total"),
    _r("staff_total", r"(?:从事|负责)[^|\d]{0,12}工作人员数|工作人员(?:总)?数", "capacity.staff_total", unit="人"),
    _r("budget", r"专项经费", "capacity.budget_yuan", unit="万元"),
    _r("meetings", r"工作会议(?:或专题会议)?数?|专题会议数?", "capacity.meetings", unit="次"),
    _r("trainees", r"接受培训人员数?|培训人员数|培训人次|参加培训人数", "capacity.trainees", unit="人次"),
    _r("trainings", r"(?:举办各类)?培训班数|培训(?:次数|期数)", "capacity.trainings", unit="次"),
)

ROWS: tuple[LegacyRow, ...] = PROACTIVE + RESPONSES + REQUESTS + ANSWERS + FEES + APPEALS + CAPACITY
BY_KEY = {r.key: r for r in ROWS}
_OLD = ("proactive_total", "website", "gazette", "received", "letter_fax", "in_person", "fax", "email", "online",
        "letter", "other_form", "handled_total", "disclosed", "partially_disclosed", "denied", "other_handling",
        "fees_combined", "litigation_complaints", "reconsideration_total", "litigation_total", "complaints")
VERSIONS = {
    "2008": tuple(BY_KEY[k] for k in _OLD),
    "2014": tuple(r for r in ROWS if r.key not in ("letter_fax", "email", "other_form", "other_handling",
                                                     "fees_combined", "litigation_complaints")),
}
MARKERS = {
    "2008": re.compile(r"历年累计|受理依申请公开信息总数|对申请的答[复覆]总数|主动公开文件数|其他类型答[复覆]数"),
    "2014": re.compile(r"收到申请数|申请办结数|回应解读|政务微博公开|专门机构数|举报投诉数量"),
}

# ---- the arithmetic


@dataclass(frozen=True)
class PartsSum:
    """In every column: `total` = the sum of `parts`, in a table that lists exactly these parts under `total`."""

    name: str
    total: str
    parts: frozenset[str]


@dataclass(frozen=True)
class AtMost:
    """In every column: row `lhs` is at most row `rhs`."""

    name: str
    lhs: str
    rhs: str


WITHIN_CUMULATIVE = "within_cumulative"  # in every row: this year <= cumulative
PART_WITHIN_TOTAL = "part_within_total"  # in every column: a part (其中) <= its total

_f = frozenset
PARTS_SUMS = (
    PartsSum("proactive_channels", "proactive_total", _f({"website", "gazette"})),
    PartsSum("request_channels", "received", _f({"in_person", "online", "letter_fax"})),
    PartsSum("request_channels", "received", _f({"in_person", "fax", "email", "online", "letter", "other_form"})),
    PartsSum("request_channels", "received", _f({"in_person", "fax", "online", "letter"})),
    PartsSum("request_channels", "received", _f({"in_person", "letter_fax", "email", "online", "other_form"})),
    PartsSum("answers", "handled_total", _f({"disclosed", "partially_disclosed", "denied", "other_handling"})),
    PartsSum("completed", "completed", _f({"on_time", "late"})),
)
AT_MOST = (AtMost("answers_within_requests", "handled_total", "received"),)
IDENTITY_NAMES = frozenset({WITHIN_CUMULATIVE, PART_WITHIN_TOTAL} | {s.name for s in PARTS_SUMS}
                           | {a.name for a in AT_MOST})


@dataclass(frozen=True, eq=False)
class LegacyGrid(Grid):
    """The 统计表 as a grid: a cell's field is its row's field in the column of the year (`path`), none in the
    cumulative column."""

    def fields_of(self, row: str, column: str) -> tuple[str, ...]:
        return BY_KEY[row].fields if column == THIS_YEAR else ()

    def path(self, row: str, column: str) -> str:
        fields = self.fields_of(row, column)
        return fields[0] if len(fields) == 1 else f"legacy.{row}.{column}"


STATS = LegacyGrid(key="stats", prefix="legacy", versions=VERSIONS, columns=COLUMNS, identities=())
LEGACY = Family("legacy", MARKERS, (STATS,))
