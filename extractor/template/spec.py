"""The national template (2019 trial version, 2021 revision) as data. Pure: imports only `grid`, its blocks.

Declared here once, and taken from here by everything else: the tables (二 as rows of cells mapped to fields,
三 and 四 as grids of `standard_table.<grid>.<row>.<column>` cells), their rows per version with the wording
the template prints and the pattern the reader matches, their columns, the headings and the wording that tells
the versions apart, **the identities** the numbers satisfy (each with one name, `identity:<name>:<row or
column>` in the reasons of a cell that breaks it) and the summary fields drawn from the cells. The readers
(`read`, `read_table2`), the checks on final values (`checks`), the generator (`synth`), the field catalogue
(`core.catalogue`) and the gold checker (`evaluation.goldcheck`) all build on these declarations.

Another table family (the old 2008-2018 统计表) is declared the same way, in a module of its own: a `Family`
with its versions and the wording that tells them apart, its `Grid`s (a grid's `path` names the field of a
cell), their identities and summaries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractor.template.grid import CellKey, Column, ColumnSum, Family, Grid, Row, RowSum, Summary, Table2Row

# ---- the national template: headings and the wording of each version

VERSIONS = ("2019", "2021")
MARKERS = {
    "2021": re.compile(r"本年制发件数|本年废止件数|现行有效件数|行政规范性文件|本年收费金额|逾期不补正|逾期未按收费通知"),
    "2019": re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/?减|政府集中采购|采购总金额"),
}
ROWS_2021_WORD = "逾期不补正"  # when the version is unknown, a table 三 with this wording has the 2021 rows
TABLE2_HEAD = re.compile(r"主动公开政府信息情况")
TABLE2_LEAD = re.compile(r"第二十条|信息内容")  # what follows table 二's heading (not a mention in the prose)
TABLE3_TITLE = "收到和处理政府信息公开申请情况"
TABLE4_TITLE = "政府信息公开行政复议、行政诉讼情况"
TABLE3_HEAD = re.compile(TABLE3_TITLE)
# 政府信息公开行政复议、行政诉讼情况, and the wordings reports print: 因政府信息公开工作被申请行政复议、提起行政诉讼情况
TABLE4_HEAD = re.compile(r"政府信息公开(?:工作)?(?:被申请)?行政复议[、,和]?\s*(?:提起)?行政诉讼(?:的)?情况"
                         r"|行政复议[、,和]\s*(?:提起)?行政诉讼(?:的)?情况")
TABLE4_HEADER_WORDS = re.compile(r"总计|审结|结果|起诉|纠正|维持|复议|诉讼")
AFTER_TABLE4 = re.compile(r"[五六][、.]|存在的主要问题")
UNIT_HEAD = re.compile(r"单位\s*[:：]?\s*(?:万元|元|亿元|千元)")
CARRY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"  # table 三 states its identity

# ---- table 三: 收到和处理政府信息公开申请情况

_ORG = "法人或其他组织"
REQUEST_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业", _ORG),
    Column("research", "科研机构", _ORG),
    Column("nonprofit", "社会公益组织", _ORG),
    Column("legal_service", "法律服务机构", _ORG),
    Column("other_org", "其他", _ORG),
    Column("subtotal", "小计", _ORG, field=False),  # some reports add it; not a field, one more sum to check
    Column("total", "总计"),
)
REQUEST_CORNER = "申请人情况"

_RESULTS = "三、本年度办理结果"
_CORE = (
    Row("new_received", "一、本年新收政府信息公开申请数量", r"本年新收(?:政府信息公开|的)?申请(?:数量|数|件数)?"),
    Row("carried_over_in", "二、上年结转政府信息公开申请数量", r"上年结转(?:政府信息公开|的)?申请(?:数量|数|件数)?"),
    Row("disclosed", "（一）予以公开", r"予以公开", heading=_RESULTS, outcome=True),
    Row("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", r"部分公开(?:\([^)]{0,30}\))?",
        outcome=True),
    Row("denied_state_secret", "1.属于国家秘密", r"属于国家秘密", 1, "（三）不予公开", True),
    # 其他法律、行政法规禁止公开 and the misprints reports carry (其他法律行政止公开): a few words between 法律 and 止公开
    Row("denied_law_prohibited", "2.其他法律行政法规禁止公开", r"其他法律[^\d|]{0,8}?止公开", 2, outcome=True),
    Row("denied_security_stability", "3.危及“三安全一稳定”", r"危及[^\d]{0,2}三安全一稳定[^\d(]{0,2}", 3, outcome=True),
    Row("denied_third_party", "4.保护第三方合法权益", r"保护第三方合法权益", 4, outcome=True),
    Row("denied_internal_affairs", "5.属于三类内部事务信息", r"属于三类内部事务信息", 5, outcome=True),
    Row("denied_process_info", "6.属于四类过程性信息", r"属于四类过程性信息", 6, outcome=True),
    Row("denied_enforcement_file", "7.属于行政执法案卷", r"属于行政执法案卷", 7, outcome=True),
    Row("denied_query_item", "8.属于行政查询事项", r"属于行政查询事项", 8, outcome=True),
    Row("unable_not_held", "1.本机关不掌握相关政府信息", r"本机关不掌握(?:相关)?(?:的)?政府信息", 1, "（四）无法提供", True),
    Row("unable_needs_creation", "2.没有现成信息需要另行制作", r"没有现成信息需要另行制作", 2, outcome=True),
    Row("unable_unclear", "3.补正后申请内容仍不明确", r"补正后申请内容仍不明确", 3, outcome=True),
    Row("not_processed_petition", "1.信访举报投诉类申请", r"信访举报投诉类申请", 1, "（五）不予处理", True),
    Row("not_processed_repeat", "2.重复申请", r"重复申请", 2, outcome=True),
    Row("not_processed_publication", "3.要求提供公开出版物", r"要求提供公开出版物", 3, outcome=True),
    Row("not_processed_excessive", "4.无正当理由大量反复申请", r"无正当理由大量反[复覆]申请", 4,  # 反覆: OpenCC s2t
        outcome=True),
    Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息", r"要求行政机关确认或重新出具已获取信息", 5,
        outcome=True),
)
_OTHER_2021 = (
    Row("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        r"申请人无正当理由逾期不补正[^\d]{0,40}?政府信息公开申请", 1, "（六）其他处理", True),
    Row("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        r"申请人逾期未按收费通知要求缴纳费用[^\d]{0,40}?政府信息公开申请", 2, outcome=True),
    Row("other_other", "3.其他", r"其他(?!处理)", 3, outcome=True),
)
_OTHER_2019 = (Row("other_other", "（六）其他处理", r"其他处理", outcome=True),)  # one row in 2019
_TAIL = (
    Row("handled_total", "（七）总计", r"总计"),
    Row("carried_forward", "四、结转下年度继续办理", r"结转下年度继续办理"),
)
_APPLICANTS = ("natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org")
_OUTCOMES = tuple(r.key for r in _CORE + _OTHER_2021 if r.outcome)

REQUESTS = Grid(
    key="requests",
    prefix="standard_table.requests",
    versions={"2019": _CORE + _OTHER_2019 + _TAIL, "2021": _CORE + _OTHER_2021 + _TAIL},
    columns=REQUEST_COLUMNS,
    identities=(
        RowSum("row_sum", "total", _APPLICANTS, ("columns sum", "total")),
        RowSum("org_subtotal", "subtotal", _APPLICANTS[1:], ("organisation columns sum", "小计")),
        ColumnSum("outcomes_sum_to_handled_total", _OUTCOMES, ("handled_total",), ("outcome rows sum", "handled_total"),
                  partial=True),
        # the template states it (CARRY_NOTE); reports do break it: flagged, never corrected
        ColumnSum("new_plus_carried_in", ("new_received", "carried_over_in"), ("handled_total", "carried_forward"),
                  ("new+carried_in", "handled+carried_forward")),
    ),
)

# ---- table 四: 政府信息公开行政复议、行政诉讼情况 (flattened as 15 numbers after its headers)

_LITIGATION = "行政诉讼"
_APPEAL_ROWS = (
    Row("reconsideration", "行政复议", r"行政复议"),
    Row("litigation_direct", "未经复议直接起诉", r"未经复议直接起诉", heading=_LITIGATION),
    Row("litigation_after_reconsideration", "复议后起诉", r"复议后起诉", heading=_LITIGATION),
)
APPEALS = Grid(
    key="appeals",
    prefix="standard_table.appeals",
    versions={"2019": _APPEAL_ROWS, "2021": _APPEAL_ROWS},
    columns=(Column("upheld", "结果维持"), Column("corrected", "结果纠正"), Column("other", "其他结果"),
             Column("pending", "尚未审结"), Column("total", "总计")),
    identities=(RowSum("row_sum", "total", ("upheld", "corrected", "other", "pending"), ("outcomes sum", "total")),),
)

# ---- summary fields from the cells (standard_table_rows.md), in the order they are derived


def _total(rows: Sequence[str]) -> tuple[CellKey, ...]:
    return tuple((r, "total") for r in rows)


SUMMARIES: tuple[Summary, ...] = (
    Summary("requests.received", "requests", (("new_received", "total"),), copy=True),
    Summary("requests.carried_over_in", "requests", (("carried_over_in", "total"),), copy=True),
    Summary("requests.from_natural_persons", "requests", (("new_received", "natural_person"),), copy=True),
    Summary("requests.disclosed", "requests", (("disclosed", "total"),), copy=True),
    Summary("requests.partially_disclosed", "requests", (("partially_disclosed", "total"),), copy=True),
    Summary("requests.handled_total", "requests", (("handled_total", "total"),), copy=True),
    Summary("requests.carried_forward", "requests", (("carried_forward", "total"),), copy=True),
    *(Summary(f"appeals.reconsideration_{c.key}", "appeals", (("reconsideration", c.key),), copy=True)
      for c in APPEALS.columns),
    Summary("requests.from_organizations", "requests", tuple(("new_received", c) for c in _APPLICANTS[1:])),
    Summary("requests.denied", "requests", _total([r for r in _OUTCOMES if r.startswith("denied_")])),
    Summary("requests.unable_to_provide", "requests", _total([r for r in _OUTCOMES if r.startswith("unable_")])),
    Summary("requests.not_processed", "requests", _total([r for r in _OUTCOMES if r.startswith("not_processed_")])),
    Summary("requests.other_handling", "requests", _total([r.key for r in _OTHER_2021]), version="2021"),
    Summary("requests.other_handling", "requests", _total([r.key for r in _OTHER_2019]), version="2019"),
    *(Summary(f"appeals.litigation_{c.key}", "appeals",
              (("litigation_direct", c.key), ("litigation_after_reconsideration", c.key))) for c in APPEALS.columns),
)

# ---- table 二: 主动公开政府信息情况 (its cells are scalar fields, a few rows only)

_CHANGE = frozenset({1})  # the 2019 本年增/减 column
TABLE2: dict[str, tuple[Table2Row, ...]] = {
    "2021": (
        Table2Row("regulations", r"规章", 3, {0: "proactive.regulations_issued"}, 1),
        Table2Row("normative", r"行政规范性文件", 3, {0: "proactive.normative_documents",
                  1: "proactive.normative_documents_repealed", 2: "proactive.normative_documents_in_force"}, 1),
        Table2Row("licensing", r"行政许可", 1, {0: "proactive.licensing_decisions"}, 5),
        Table2Row("penalty", r"行政处罚", 1, {0: "proactive.penalty_decisions"}, 6),
        Table2Row("enforcement", r"行政强制", 1, {0: "proactive.enforcement_decisions"}, 6),
        Table2Row("fees", r"行政事业性收费", 1, {0: "proactive.admin_fees_yuan"}, 8),
    ),
    "2019": (
        Table2Row("regulations", r"规章", 3, {0: "proactive.regulations_issued"}, 1),
        Table2Row("normative", r"规范性文件", 3, {0: "proactive.normative_documents"}, 1),
        Table2Row("licensing", r"行政许可", 3, {2: "proactive.licensing_decisions"}, 5, _CHANGE),
        Table2Row("other_services", r"其他对外管理服务事项", 3, {}, 5, _CHANGE),
        Table2Row("penalty", r"行政处罚", 3, {2: "proactive.penalty_decisions"}, 6, _CHANGE),
        Table2Row("enforcement", r"行政强制", 3, {2: "proactive.enforcement_decisions"}, 6, _CHANGE),
        Table2Row("fees", r"行政事业性收费", 2, {}, 8, _CHANGE),
        Table2Row("procurement", r"政府集中采购", 2, {}, 9),
    ),
}

NATIONAL = Family("national", MARKERS, (REQUESTS, APPEALS), SUMMARIES)
