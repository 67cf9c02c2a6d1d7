"""Does a piece of evidence state *this* field? The label of its number, read the way a person reads it.

Evidence ends with its number. The number's label is the text right before it, back to the previous quantity or
the start of its clause (`其中当面申请2件，传真申请1` labels 1 with 传真申请). The evidence states a field when the
label names one of the field's label terms, not negated (不回应 does not name 回应), and no other field's terms
name it better: a longer term that contains the match (部分公开 over 公开, 不予处理 over 处理), or a term nearer the
number (in 培训班3次，培训人员120 the label of 120 is 培训人员). Where one channel or kind qualifies a total's noun
(通过微博发布信息200条, 办结申请12件), the qualifier wins; several (网站、公报、微博等渠道) enumerate the total's parts. A zero statement with no digit (没有发生行政复议) names a field when
its clause holds one of the field's terms.

Pure: no I/O. Used by reconcile for a model's values, which only the source may vouch for.
"""

from __future__ import annotations

import functools
import re

from extractor.text.numbers import quantities
from extractor.text.script import fold

# Per numeric field, the words that name it as a label (folded, simplified script). Stricter than the passage
# selection terms (catalogue.FIELD_TERMS): a generic word (公开, 信息, 申请) labels a field only where no more specific
# word of another field covers it.
LABEL_TERMS: dict[str, tuple[str, ...]] = {
    "proactive.total": ("主动公开", "公开信息", "公开政府信息", "发布信息", "公开各类信息", "信息总数"),
    "proactive.website": ("网站", "门户网", "政务网", "信息网"),
    "proactive.gazette": ("公报",),
    "proactive.weibo": ("微博",),
    "proactive.wechat": ("微信", "公众号"),
    "proactive.other_channels": ("其他方式", "其他渠道", "其他形式", "报刊", "广播", "电视", "公开栏", "宣传栏", "显示屏",
                                 "电子屏", "查阅点"),
    "proactive.normative_documents": ("规范性文件",),
    "proactive.policy_interpretations": ("解读",),
    "proactive.hot_topic_responses": ("回应", "热点", "舆情", "关切"),
    "proactive.press_conferences": ("发布会",),
    "proactive.online_interviews": ("访谈",),
    "requests.received": ("申请", "收到", "受理", "接到", "申请总数"),
    "requests.carried_over_in": ("上年结转", "上年度结转", "上一年度结转", "上年", "上年度"),
    "requests.in_person": ("当面", "现场"),
    "requests.fax": ("传真",),
    "requests.online": ("网上申请", "网络申请", "在线申请", "电子邮件", "互联网", "网上", "网络", "在线", "邮件"),
    "requests.letter": ("信函", "来信", "邮寄"),
    "requests.disclosed": ("同意公开", "予以公开", "全部公开", "公开"),
    "requests.already_public": ("已主动公开", "已经主动公开", "已公开", "主动公开范围"),
    "requests.partially_disclosed": ("部分公开",),
    "requests.denied": ("不予公开", "不同意公开", "不公开"),
    "requests.unable_to_provide": ("无法提供", "不掌握"),
    "requests.not_processed": ("不予处理",),
    "requests.other_handling": ("其他处理",),
    "requests.not_this_agency": ("不属于",),
    "requests.not_exist": ("不存在",),
    "requests.handled_total": ("答复", "办结", "处理", "办理"),
    "requests.carried_forward": ("结转下年", "结转至下年", "结转到下年", "转下年", "下年度", "下年", "顺延"),
    "requests.completed_on_time": ("按时",),
    "requests.completed_late": ("延期",),
    "fees.charged_yuan": ("收费", "收取", "费用"),
    "fees.waived_yuan": ("减免", "免收", "免除"),
    "appeals.reconsideration_total": ("复议",),
    "appeals.litigation_total": ("诉讼",),
    "appeals.complaints": ("投诉", "举报", "申诉"),
    "capacity.dedicated_units": ("机构",),
    "capacity.reading_points": ("查阅",),
    "capacity.staff_total": ("人员", "从事"),
    "capacity.staff_full_time": ("专职",),
    "capacity.staff_part_time": ("兼职",),
    "capacity.budget_yuan": ("经费",),
    "capacity.meetings": ("会议",),
    "capacity.trainings": ("培训班", "培训会", "培训活动", "培训"),
    "capacity.trainees": ("培训人员", "参训", "人次", "培训干部", "培训工作人员"),
}

# A total and the fields that qualify its noun: 通过网站公开信息N条 is the website's count, not the total's.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "proactive.total": ("proactive.website", "proactive.gazette", "proactive.weibo", "proactive.wechat",
                        "proactive.other_channels", "proactive.normative_documents",
                        "proactive.policy_interpretations"),
    "requests.received": tuple(p for p in LABEL_TERMS if p.startswith(("requests.", "appeals."))
                               and p != "requests.received"),
    "requests.handled_total": ("requests.not_processed", "requests.other_handling", "requests.completed_on_time",
                               "requests.completed_late"),
    "capacity.staff_total": ("capacity.staff_full_time", "capacity.staff_part_time", "capacity.trainees"),
}

# Table 二's fields, named only where a table 二 reading asks whether a sentence witnesses one of its cells
# (`template.witness`, `table2=True`): 规章, 保留 and 许可 are too common in prose to label a number anywhere else.
TABLE2_TERMS: dict[str, tuple[str, ...]] = {
    "proactive.regulations_issued": ("规章",),
    "proactive.normative_documents_repealed": ("废止",),
    "proactive.normative_documents_in_force": ("现行有效", "保留"),
    "proactive.licensing_decisions": ("行政许可", "许可"),
    "proactive.penalty_decisions": ("行政处罚", "处罚"),
    "proactive.enforcement_decisions": ("行政强制", "强制"),
}
# 废止规范性文件3件, 保留部门规范性文件181件: the verb says which of the documents' counts it is
TABLE2_QUALIFIERS: dict[str, tuple[str, ...]] = {
    "proactive.normative_documents": ("proactive.normative_documents_repealed",
                                      "proactive.normative_documents_in_force"),
}

# Fields whose words are common outside the genre's meaning: the sentence must also say what they are about
# (安全生产咨询投诉216人次 are not complaints about disclosure work).
SUBJECT: dict[str, re.Pattern[str]] = {
    "appeals.complaints": re.compile(r"信息公开|政务公开|公开工作"),
}

SENTENCE_ENDS = "。！？!?；;\n"
CLAUSE_END = re.compile(r"[，,。；;！？!?\n]")
GENRE = re.compile(r"(?:政府)?(?:信息|资讯)公开")  # the genre's own name (政府信息公开申请) labels no quantity by itself
NEGATION = re.compile(r"(?:不|未|没有|无|非)$")


def label(evidence: str) -> tuple[str, bool]:
    """(the label of the evidence's last number, whether the evidence states a number at all), folded."""
    f = fold(evidence)
    qs = [q for q in quantities(f) if not q.is_percent]
    if not qs:
        return _clause_before(f, len(f)), False
    q = qs[-1]
    start = max([p.end for p in qs[:-1] if p.end <= q.start] + [0])
    return _clause_before(f, q.start, start), True


def _clause_before(f: str, end: int, start: int = 0) -> str:
    cut = max([m.end() for m in CLAUSE_END.finditer(f, start, end)] + [start])
    return f[cut:end]


def _terms(table2: bool) -> dict[str, tuple[str, ...]]:
    return {**LABEL_TERMS, **TABLE2_TERMS} if table2 else LABEL_TERMS


@functools.cache
def _term_list(table2: bool) -> tuple[tuple[str, str, int, bool], ...]:
    """(field, term, its length, whether a negation before it counts) of every label term, in `_terms` order."""
    return tuple((path, t, len(t), not t.startswith(("不", "无", "未")))
                 for path, terms in _terms(table2).items() for t in terms if t)


def _hits(text: str, negated_too: bool = False, table2: bool = False) -> list[tuple[str, int, int]]:
    """(field, start, end) of every label term in the text (not negated ones, unless asked; `table2`: with table
    二's terms): each term's occurrences left to right, not overlapping one another."""
    if "公开" in text:
        text = GENRE.sub(lambda m: "□" * len(m.group()), text)
    out = []
    for path, t, n, negatable in _term_list(table2):
        i = text.find(t)
        while i >= 0:
            if negated_too or not negatable or not NEGATION.search(text[max(0, i - 2):i]):
                out.append((path, i, i + n))
            i = text.find(t, i + n)
    return out


def owners(text: str, anchored: bool = True, table2: bool = False) -> set[str]:
    """The fields a label names best. `anchored`: the label ends at its number, and the term nearest it wins; a zero
    statement has no number (未发生行政复议和行政诉讼 names both). `table2`: table 二's fields are named too."""
    hits = _hits(text, negated_too=not anchored, table2=table2)
    kept = [h for h in hits if not any(o[0] != h[0] and o[1] <= h[1] and h[2] <= o[2] and o[2] - o[1] > h[2] - h[1]
                                       for o in hits)]
    if not kept:
        return set()
    present = {h[0] for h in kept}
    if anchored:
        nearest = max(h[2] for h in kept)
        best = {h[0] for h in kept if h[2] == nearest}
    else:
        best = set(present)
    for parent, children in {**QUALIFIERS, **(TABLE2_QUALIFIERS if table2 else {})}.items():
        qualified = present & set(children)
        if parent in best and len(qualified) == 1:  # several (网站、公报、微博等渠道) enumerate the total's parts
            best = (best - {parent}) | qualified
    return best


ZERO = re.compile(r"没有|未|无|不存在|为零|零")


def states_field(path: str, context: str, table2: bool = False) -> bool:
    """Whether the evidence, read in its context (the original from its clause's start to the evidence's end), states
    this field: its number's label names it and no other field better; a zero statement's negation comes before the
    field's words; where the field's words are common outside its meaning, the number's clause says what they are
    about. A field with no label terms cannot be named by a label: False. `table2`: with table 二's terms."""
    if path not in _terms(table2):
        return False
    text, has_number = label(context)
    if not has_number:  # a zero statement (没有发生行政复议): the negation is the statement
        clause = _clause_before(fold(context), len(fold(context)))
        neg = ZERO.search(clause)
        if neg is None or path not in owners(clause, anchored=False, table2=table2):
            return False
        return any(h[0] == path and h[1] >= neg.start() for h in _hits(clause, negated_too=True, table2=table2))
    if path in SUBJECT and not SUBJECT[path].search(_clause_before(fold(context), len(fold(context)))):
        return False
    return path in owners(text, table2=table2)


def continues_number(original: str, span: tuple[int, int]) -> bool:
    """Whether the number at the span's end (or a digit at its start) goes on in the original: a quote cut inside a
    number (收到申请1 of 收到申请12件, 经费1.5 of 1.5万元) does not state the number it shows."""
    s, e = span
    after = fold(original[e:e + 2])
    before = fold(original[max(0, s - 1):s])
    if before[:1].isdigit() or after[:1].isdigit() or after[:1] in ("万", "亿", "千"):
        return True
    return after[:1] in (".", ",") and after[1:2].isdigit()


def context_of(original: str, span: tuple[int, int]) -> str:
    """The original from the start of the span's sentence to the span's end: where a label is read (a quote that
    starts mid-word, 公开3 of 不予公开3件, is read with the words it left out)."""
    return original[sentence_start(original, span[0]):span[1]]


def sentence_start(text: str, i: int) -> int:
    """Where the sentence holding position i starts (semicolons end a sentence too)."""
    return max(text.rfind(c, 0, i) for c in SENTENCE_ENDS) + 1


def sentence_end(text: str, i: int) -> int:
    """Just past the end of the sentence holding position i (its stop included)."""
    ends = [j for j in (text.find(c, i) for c in SENTENCE_ENDS) if j >= 0]
    return min(ends) + 1 if ends else len(text)
