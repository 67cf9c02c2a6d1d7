"""Field groups sent to the model: which fields, what they mean, and which passages are relevant.

Only passages that name the group's subject are sent (not the whole report), and never the
standard-template tables the rules settle cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.core.catalogue import FIELD_TERMS
from extractor.template.spec import SUMMARIES


@dataclass(frozen=True)
class Group:
    name: str
    fields: dict[str, str]  # path -> what it means, as the prompt states it
    terms: tuple[str, ...]  # a passage is relevant when it names one of these

    def field_terms(self, path: str) -> tuple[str, ...]:
        return FIELD_TERMS.get(path, ())


GROUPS: list[Group] = [
    Group("meta", {
        "meta.issuing_body": "发布报告、其工作被报告的机关的正式名称（如 清新县人民政府）",
    }, ("人民政府", "政府", "管委会", "局", "办公室", "委员会", "年度报告")),
    Group("proactive", {
        "proactive.total": "本年主动公开政府信息总数（各渠道合计，每条只计一次）",
        "proactive.website": "通过政府网站主动公开的信息条数",
        "proactive.gazette": "通过政府公报公开的信息条数（不是期数）",
        "proactive.weibo": "政务微博发布条数",
        "proactive.wechat": "政务微信发布条数",
        "proactive.other_channels": "通过其他方式（报刊、广播电视、公开栏等）公开的条数",
        "proactive.normative_documents": "本年制发或公开的规范性文件件数",
        "proactive.policy_interpretations": "发布的政策解读篇数",
        "proactive.hot_topic_responses": "回应公众关注热点或重大舆情次数",
        "proactive.press_conferences": "召开或参加的新闻发布会场数",
        "proactive.online_interviews": "在线访谈期数",
    }, ("主动公开", "公开信息", "网站", "公报", "微博", "微信", "解读", "发布会", "访谈", "舆情", "规范性文件")),
    Group("requests", {
        "requests.received": "本年收到（受理）的政府信息公开申请件数",
        "requests.carried_over_in": "上年结转的申请件数",
        "requests.in_person": "当面申请件数",
        "requests.fax": "传真申请件数",
        "requests.online": "网络申请件数",
        "requests.letter": "信函申请件数",
        "requests.disclosed": "同意公开（予以公开）的答复件数",
        "requests.already_public": "属于已主动公开范围的件数",
        "requests.partially_disclosed": "同意部分公开的件数",
        "requests.denied": "不予公开（不同意公开）的件数，各理由合计",
        "requests.unable_to_provide": "无法提供的件数",
        "requests.not_processed": "不予处理的件数",
        "requests.other_handling": "其他处理的件数",
        "requests.not_this_agency": "不属于本机关公开范围的件数",
        "requests.not_exist": "申请信息不存在的件数",
        "requests.handled_total": "答复（办结）的申请总数",
        "requests.carried_forward": "结转下年度继续办理的件数",
        "requests.completed_on_time": "按时办结件数",
        "requests.completed_late": "延期办结件数",
    }, ("申请", "答复", "办结")),
    Group("fees_appeals", {
        "fees.charged_yuan": "依申请公开收取的费用（元）",
        "fees.waived_yuan": "减免的费用（元）",
        "appeals.reconsideration_total": "因政府信息公开引起的行政复议件数",
        "appeals.litigation_total": "因政府信息公开引起的行政诉讼件数",
        "appeals.complaints": "有关政府信息公开工作的举报投诉件数",
    }, ("收费", "费用", "减免", "复议", "诉讼", "投诉", "举报", "申诉")),
    Group("capacity", {
        "capacity.dedicated_units": "政府信息公开工作专门机构数",
        "capacity.reading_points": "政府信息公开查阅点数",
        "capacity.staff_total": "从事政府信息公开工作的人员数",
        "capacity.staff_full_time": "专职人员数",
        "capacity.staff_part_time": "兼职人员数",
        "capacity.budget_yuan": "政府信息公开专项经费（元）",
        "capacity.meetings": "政府信息公开工作会议或专题会议次数",
        "capacity.trainings": "举办培训班次数",
        "capacity.trainees": "接受培训人员数（人次）",
    }, ("机构", "人员", "专职", "兼职", "经费", "会议", "培训", "查阅")),
    Group("assessment", {
        "assessment.problems": "报告承认的每一个主要问题，每条一句短语",
        "assessment.improvements": "每一条改进措施或工作计划，每条一句短语",
    }, ("问题", "不足", "改进", "措施", "下一步", "将", "加强")),
]


# The catalogue fields no prompt asks about, and why. Every other field is in a group above or is a cell of a
# template table row the model reads as a unit (`llm/rows.py`: table 二's fields, tables 三 and 四's cells);
# tests/test_model_rows.py holds the three together with FIELDS.md.
_INFERRED = "inferred from the text as a whole by the rules (an enum): no span states it, so no quote could verify it"
NOT_ASKED: dict[str, str] = {
    "meta.title": "read by the rules from the header lines; it is what the prompt names the report by, not a question",
    "meta.admin_level": "inferred from the issuing body's name (rules/meta.py): no sentence states it",
    "meta.province": "the province the gazetteer finds among the text's place names (rules/gazetteer.py)",
    "meta.city": "the city the gazetteer finds among the text's place names (rules/gazetteer.py)",
    "meta.report_year": "the year of the title and the statistics period, read by the rules (rules/meta.py)",
    "meta.published_on": "the sign-off or header date (rules/dates.py): every report prints one where the rules look",
    "meta.doc_type": _INFERRED,
    "meta.format": _INFERRED,
    "meta.script": _INFERRED,
    "meta.template": _INFERRED + " (the template's wording)",
    "proactive.admin_fees_yuan": "table 二's fee row prints 万元 under the table's unit heading; only the rules' reader "
                                 "converts it to yuan, so a model's reading of that row is not taken for it",
    **{s.field: f"drawn from the cells of table {'三' if s.grid == 'requests' else '四'} (template/spec.py SUMMARIES), "
                "which the model reads as rows" for s in SUMMARIES
       if all(s.field not in g.fields for g in GROUPS)},  # a summary a group asks (requests.received) is asked
}


# For choosing sentences: where a field's terms are too common in this genre to pick its sentences (公开, 信息, 申请,
# 人), the words that state that quantity.
SENTENCE_TERMS: dict[str, tuple[str, ...]] = {
    "proactive.total": ("主动公开",),
    "proactive.website": ("网站",),
    "requests.received": ("收到", "受理", "申请总数", "申请数"),
    "requests.disclosed": ("同意公开", "予以公开"),
    "requests.other_handling": ("其他处理",),
    "requests.handled_total": ("答复", "办结"),
    "capacity.staff_total": ("工作人员", "从事"),
}


def sentence_terms(path: str, group_terms: tuple[str, ...] = ()) -> tuple[str, ...]:
    return SENTENCE_TERMS.get(path) or FIELD_TERMS.get(path) or group_terms


def meaning(path: str) -> str:
    """What a field means, as its group's prompt states it."""
    return _MEANINGS[path]


_MEANINGS: dict[str, str] = {p: m for g in GROUPS for p, m in g.fields.items()}


def group(name: str) -> Group:
    for g in GROUPS:
        if g.name == name:
            return g
    raise KeyError(name)
