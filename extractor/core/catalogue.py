"""The field catalogue of FIELDS.md: every path, its type and its group. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from extractor.template.spec import APPEALS, REQUESTS, VERSIONS

ENUMS: dict[str, tuple[str, ...]] = {
    "meta.admin_level": ("province", "prefecture", "county", "township", "department", "zone", "unknown"),
    "meta.doc_type": ("annual_report", "work_summary", "other"),
    "meta.format": ("narrative", "legacy_table", "standard_table"),
    "meta.script": ("simplified", "traditional"),
    "meta.template": VERSIONS,
}

_META = {
    "meta.title": "text",
    "meta.issuing_body": "text",
    "meta.admin_level": "enum",
    "meta.province": "text",
    "meta.city": "text",
    "meta.report_year": "int",
    "meta.published_on": "date",
    "meta.doc_type": "enum",
    "meta.format": "enum",
    "meta.script": "enum",
    "meta.template": "enum",  # which national template the tables follow (2019 trial, 2021 revision); not in gold
}
NOT_IN_GOLD = frozenset({"meta.template"})  # fields the code records that FIELDS.md (and so gold) does not have

_INTS = """
proactive.total proactive.website proactive.gazette proactive.weibo proactive.wechat proactive.other_channels
proactive.normative_documents proactive.normative_documents_repealed proactive.normative_documents_in_force
proactive.regulations_issued proactive.licensing_decisions proactive.penalty_decisions proactive.enforcement_decisions
proactive.policy_interpretations proactive.hot_topic_responses proactive.press_conferences proactive.online_interviews
requests.received requests.carried_over_in requests.from_natural_persons requests.from_organizations
requests.in_person requests.fax requests.online requests.letter requests.disclosed requests.already_public
requests.partially_disclosed requests.denied requests.unable_to_provide requests.not_processed requests.other_handling
requests.not_this_agency requests.not_exist requests.handled_total requests.carried_forward requests.completed_on_time
requests.completed_late
appeals.reconsideration_total appeals.reconsideration_upheld appeals.reconsideration_corrected
appeals.reconsideration_other appeals.reconsideration_pending appeals.litigation_total appeals.litigation_upheld
appeals.litigation_corrected appeals.litigation_other appeals.litigation_pending appeals.complaints
capacity.dedicated_units capacity.reading_points capacity.staff_total capacity.staff_full_time capacity.staff_part_time
capacity.meetings capacity.trainings capacity.trainees
""".split()

_YUAN = "proactive.admin_fees_yuan fees.charged_yuan fees.waived_yuan capacity.budget_yuan".split()
_LISTS = "assessment.problems assessment.improvements".split()

# The national template's cells (`template.spec`): standard_table.requests.<row>.<column> (table 三) and
# standard_table.appeals.<row>.<column> (table 四).
REQ_ROWS: tuple[str, ...] = REQUESTS.row_keys()
REQ_COLS: tuple[str, ...] = REQUESTS.field_columns()
APP_ROWS: tuple[str, ...] = APPEALS.row_keys()
APP_COLS: tuple[str, ...] = APPEALS.field_columns()

# Words that make a passage or sentence worth sending to the model for a field (folded script). Broad on purpose:
# whether a quote states the field is judged by the stricter label terms of `labels.LABEL_TERMS`.
FIELD_TERMS: dict[str, tuple[str, ...]] = {
    "proactive.total": ("公开", "信息", "发布"),
    "proactive.website": ("网站", "网", "门户"),
    "proactive.gazette": ("公报",),
    "proactive.weibo": ("微博",),
    "proactive.wechat": ("微信", "公众号"),
    "proactive.other_channels": ("其他", "报刊", "广播", "电视", "公开栏", "宣传栏", "显示屏"),
    "proactive.normative_documents": ("规范性文件",),
    "proactive.policy_interpretations": ("解读",),
    "proactive.hot_topic_responses": ("回应", "热点", "舆情", "关切"),
    "proactive.press_conferences": ("发布会",),
    "proactive.online_interviews": ("访谈",),
    "requests.received": ("申请",),
    "requests.carried_over_in": ("结转", "上年"),
    "requests.in_person": ("当面", "现场"),
    "requests.fax": ("传真",),
    "requests.online": ("网上", "网络", "在线", "电子邮件", "互联网"),
    "requests.letter": ("信函", "来信"),
    "requests.disclosed": ("公开", "同意"),
    "requests.already_public": ("已主动公开", "主动公开"),
    "requests.partially_disclosed": ("部分公开",),
    "requests.denied": ("不予公开", "不同意公开", "不公开"),
    "requests.unable_to_provide": ("无法提供", "不掌握"),
    "requests.not_processed": ("不予处理",),
    "requests.other_handling": ("其他",),
    "requests.not_this_agency": ("不属于",),
    "requests.not_exist": ("不存在",),
    "requests.handled_total": ("答复", "办结", "处理", "办理"),
    "requests.carried_forward": ("结转", "下年", "顺延"),
    "requests.completed_on_time": ("按时",),
    "requests.completed_late": ("延期",),
    "fees.charged_yuan": ("费",),
    "fees.waived_yuan": ("减免", "免"),
    "appeals.reconsideration_total": ("复议",),
    "appeals.litigation_total": ("诉讼",),
    "appeals.complaints": ("投诉", "举报", "申诉"),
    "capacity.dedicated_units": ("机构",),
    "capacity.reading_points": ("查阅",),
    "capacity.staff_total": ("人员", "人"),
    "capacity.staff_full_time": ("专职",),
    "capacity.staff_part_time": ("兼职",),
    "capacity.budget_yuan": ("经费",),
    "capacity.meetings": ("会议",),
    "capacity.trainings": ("培训",),
    "capacity.trainees": ("培训",),
}


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: str  # int | yuan | text | enum | date | list

    @property
    def group(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def in_gold(self) -> bool:
        return self.path not in NOT_IN_GOLD


@cache
def catalogue() -> dict[str, FieldSpec]:
    """Every scalar path of FIELDS.md, in catalogue order, standard-table cells last."""
    specs: dict[str, FieldSpec] = {}
    for p, k in _META.items():
        specs[p] = FieldSpec(p, k)
    for p in _INTS:
        specs[p] = FieldSpec(p, "int")
    for p in _YUAN:
        specs[p] = FieldSpec(p, "yuan")
    for p in _LISTS:
        specs[p] = FieldSpec(p, "list")
    for grid in (REQUESTS, APPEALS):
        for r in grid.row_keys():
            for c in grid.field_columns():
                p = grid.path(r, c)
                specs[p] = FieldSpec(p, "int")
    return specs


def spec(path: str) -> FieldSpec:
    try:
        return catalogue()[path]
    except KeyError:
        raise KeyError(f"unknown field path: {path}") from None


def paths(include_cells: bool = True) -> list[str]:
    return [p for p in catalogue() if include_cells or not p.startswith("standard_table.")]
