"""Sentence patterns for the narrative fields, written for the genre, not for one report.

Every pattern runs on the folded body view (simplified script, ASCII punctuation, chrome and
repeated sections left out). A match's evidence ends with the number it states, or, for a zero
statement (没有/未/无 …), is the negation and what it negates; the value is re-read from that
evidence by the number parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TypedDict, Unpack

from extractor.core.candidates import Candidate
from extractor.rules.common import (
    NEG,
    NUM,
    Context,
    candidate_from_view,
    cgap,
    clause_start,
    gap,
    sentence_bounds,
)

COUNT = r"\s*(?:条|件|起|宗|个|次|篇|份|项|期|场|人次|名|人)"


def zgap(n: int) -> str:
    """Up to n characters inside one comma clause of a zero statement (、 and 和 join what it negates)."""
    return r"[^。;!?\n|,\d]{0," + str(n) + r"}?"


def anchors(pattern: str) -> tuple[str, ...]:
    """The runs of CJK characters the pattern writes at its top level (outside any group, class or escape, and not
    under a quantifier): every match contains each of them; none when the top level has an alternation."""
    runs: list[str] = []
    run, depth, i = "", 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if depth == 0 and "\u4e00" <= ch <= "\u9fff" and pattern[i + 1 : i + 2] not in ("?", "*", "+", "{"):
            run += ch
            i += 1
            continue
        if run:
            runs.append(run)
            run = ""
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # to the class's end: a ] first (after ^) is a member
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return ()
        i += 1
    if run:
        runs.append(run)
    return tuple(runs)


@dataclass(frozen=True)
class Rule:
    path: str
    pattern: str  # compiled when a text first has its anchors (most of a report's rules: its first report)
    kind: str = "int"  # int | yuan
    zero: bool = False  # a zero statement: evidence must read as 0
    unless: re.Pattern[str] | None = None  # skip when the sentence matches this
    requires: re.Pattern[str] | None = None  # keep only when the sentence matches this
    note: str = ""
    confidence: float = 0.85

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    @cached_property
    def anchors(self) -> tuple[str, ...]:
        return anchors(self.pattern)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The pattern's matches in `text`; none, without compiling it, when the text lacks one of its anchors."""
        if all(a in text for a in self.anchors):
            yield from self.regex.finditer(text)


class _Options(TypedDict, total=False):  # a Rule's fields after path and regex
    kind: str
    zero: bool
    unless: re.Pattern[str] | None
    requires: re.Pattern[str] | None
    note: str
    confidence: float


def R(path: str, pattern: str, **kw: Unpack[_Options]) -> Rule:
    return Rule(path, pattern, **kw)


_APPEAL_WORDS = re.compile(r"复议|诉讼|举报|投诉|申诉")
_NOT_DISCLOSURE_REQUEST = re.compile(r"审批|咨询|信访|行政许可|办件")
_DISCLOSURE_ZERO = re.compile(NEG + r"(?:发生)?(?:因|涉及|关于|针对)(?:政府)?信息公开")
# a running total since some date, not the year's: 截至目前累计主动公开…, 建站以来累计发布…
_RUNNING_OR_CHANGE = re.compile(r"(?:截至|截止|至今|以来|历年)[^。;!?\n]{0,20}?累计|累计至今|比上年|较上年|同比")
_RUNNING = re.compile(r"(?:截至|截止|至今|以来|历年)" + r"[^。;!?\n]{0,20}?累计|累计至今")

RULES: list[Rule] = [
    # ---- requests (依申请公开)
    R("requests.received", r"(?:受理|收到|接到|接收|办理)(?:了)?(?:各类|有关)?" + gap(16)
      + r"(?:政府信息公开|信息公开|依申请公开|公开)" + gap(8) + r"(?:申请|请求|事项)(?:共|总数|数量|为)?\s*" + NUM + COUNT,
      unless=_APPEAL_WORDS, note="verb … 申请 N件"),
    R("requests.received", r"(?:受理|收到|接到|接收)(?:了)?\s*" + NUM + r"\s*(?:件|起|宗|条|个|份)" + gap(12)
      + r"(?:申请|请求)", unless=_APPEAL_WORDS, note="verb N件 … 申请"),
    R("requests.received", NEG + r"(?:收到|接到|受理|发生|接收)" + gap(18) + r"(?:申请|请求)",
      zero=True, unless=_APPEAL_WORDS, note="未收到 … 申请"),
    R("requests.received", r"申请" + gap(12) + r"(?:人次|件数|数量|数)(?:均)?为零", zero=True, unless=_APPEAL_WORDS,
      note="申请 … 为零"),
    R("requests.received", NEG + gap(6) + r"(?:依申请公开|申请公开|公开申请)(?:政府信息)?(?:的)?(?:事项|情况|信息|业务)",
      zero=True, unless=_APPEAL_WORDS, note="没有依申请公开事项"),
    R("requests.in_person", r"(?:当面|现场)申请\s*(?:数)?\s*" + NUM + COUNT),
    R("requests.fax", r"传真申请\s*(?:数)?\s*" + NUM + COUNT),
    R("requests.online", r"(?:网上|网络|在线|电子邮件)申请\s*(?:数)?\s*" + NUM + COUNT),
    R("requests.letter", r"(?:信函|来信)申请\s*(?:数)?\s*" + NUM + COUNT),
    R("requests.handled_total", r"(?:答复|办结|处理完毕)(?:了)?\s*" + NUM + r"\s*件", requires=re.compile(r"申请"),
      unless=re.compile(r"审批|复议|诉讼|其中|结转|按时|延期"), note="答复 N件"),
    R("requests.handled_total", NEG + gap(10) + r"答复" + gap(4) + r"(?:处理)?情况", zero=True,
      requires=re.compile(r"申请"), note="不存在 … 答复情况"),
    R("requests.denied", NEG + r"(?:发生)?" + gap(4) + r"不予公开" + gap(10) + r"(?:情况|情形|事项|信息)", zero=True,
      note="无不予公开 … 情况"),
    R("requests.denied", r"不予公开(?:的|答复)?\s*" + NUM + r"\s*(?:件|条|个)", note="不予公开 N件"),
    R("requests.carried_forward", r"(?:结转下年度?|顺延到下年度?|转入下年度?)" + gap(6) + NUM + r"?", note="—"),
    # ---- fees
    R("fees.charged_yuan", NEG + gap(14) + r"(?:收费|收取" + gap(12) + r"费用?)", kind="yuan", zero=True,
      unless=re.compile(r"收费标准|收费通知|缴纳"), note="没有 … 收费"),
    R("fees.charged_yuan", r"(?:暂不|免费|不)收(?:取)?(?:任何)?费(?:用)?", kind="yuan", zero=True,
      requires=re.compile(r"信息|申请"), note="暂不收费"),
    R("fees.charged_yuan", r"收取" + gap(18) + r"(?:费|费用)(?:共|合计)?\s*" + NUM + r"\s*(?:万元|元)", kind="yuan",
      note="收取 … 费 N元"),
    R("fees.waived_yuan", NEG + gap(14) + r"(?:收费|收取" + gap(10) + r"费用?)?" + gap(4) + r"(?:及|和|与)?减免",
      kind="yuan", zero=True, requires=re.compile(r"信息公开|收费"), unless=re.compile(r"减免税|税"),
      note="没有 … 收费及减免"),
    # ---- appeals
    R("appeals.reconsideration_total", NEG + zgap(22) + r"行政复议", zero=True, note="没有 … 行政复议"),
    R("appeals.reconsideration_total", r"行政复议(?:案件|申请)?(?:共|数量)?\s*" + NUM + r"\s*(?:件|起|宗|个)",
      note="行政复议 N件"),
    R("appeals.litigation_total", NEG + zgap(30) + r"诉讼", zero=True, note="没有 … 诉讼"),
    R("appeals.litigation_total", r"行政诉讼(?:案件)?(?:共|数量)?\s*" + NUM + r"\s*(?:件|起|宗|个)", note="行政诉讼 N件"),
    R("appeals.complaints", NEG + gap(22) + r"(?:举报|投诉)", zero=True, requires=re.compile(r"信息公开"),
      unless=re.compile(r"咨询"), note="没有 … 举报投诉"),
    # ---- proactive (channel counts are handled by _published below)
    R("proactive.policy_interpretations", r"政策解读(?:稿件|文章|材料|信息|产品)?" + cgap(4) + NUM + r"\s*(?:篇|个|条|件|期|次|份)",
      note="政策解读 N篇"),
    R("proactive.policy_interpretations", r"(?:对|解读)\s*" + NUM + r"\s*(?:项|个|件|篇|份)" + r"[^。;!?\n|,]{0,40}?" + r"(?:进行|开展|作出|做好)?解读",
      note="对N项 … 进行解读"),
    R("proactive.press_conferences", r"新闻发布会(?:共)?\s*" + NUM + r"\s*(?:场|次)", note="新闻发布会 N场"),
    R("proactive.press_conferences", r"(?:召开|举办|举行|参加|组织)(?:了)?\s*" + NUM + r"\s*(?:场|次)" + gap(8) + r"新闻发布会",
      note="召开N场新闻发布会"),
    R("proactive.online_interviews", r"在线访谈" + gap(12) + NUM + r"\s*(?:期|次|场)", note="在线访谈 … N期"),
    R("proactive.hot_topic_responses", r"回应" + gap(10) + r"(?:热点|关切|舆情)" + gap(6) + NUM + r"\s*(?:次|件|条|个)"),
    R("proactive.regulations_issued", r"(?:制发|出台|发布|公开)(?:市政府|区政府|县政府|政府)?规章\s*" + NUM + r"\s*(?:件|部|个)"),
    R("proactive.normative_documents", r"(?:制发|出台|印发|发布)" + gap(6) + r"规范性文件\s*" + NUM + r"\s*(?:件|个|份)"),
    # ---- capacity
    R("capacity.trainings", r"(?:举办|开展|组织|召开)(?:了)?" + gap(8) + NUM + r"\s*(?:期|次|场|批)" + gap(10) + r"培训",
      note="举办N期培训"),
    R("capacity.trainings", r"培训(?:班|会)?(?:共)?\s*" + NUM + r"\s*(?:期|次|场)", note="培训班 N期"),
    R("capacity.trainees", r"培训" + gap(6) + r"(?:人数|人员)" + gap(3) + NUM + r"\s*(?:人次|人)", note="培训人数 N人次"),
    R("capacity.trainees", r"培训(?:了)?" + gap(12) + NUM + r"\s*人次", note="培训 … N人次"),
    R("capacity.staff_total", r"(?:从事|负责)" + gap(12) + r"(?:信息公开|政务公开)" + gap(6) + r"人员(?:共)?\s*" + NUM + r"\s*(?:名|人)",
      unless=re.compile(r"专职|兼职|全职"), note="从事 … 人员 N名"),
    R("capacity.staff_full_time", r"(?:专职|全职)(?:工作)?人员\s*" + NUM + r"\s*(?:名|人)"),
    R("capacity.staff_full_time", NEG + cgap(18) + r"(?:专职|全职)(?:工作)?人员", zero=True),
    R("capacity.staff_part_time", r"兼职(?:工作)?人员\s*" + NUM + r"\s*(?:名|人)"),
    R("capacity.staff_part_time", NEG + cgap(18) + r"兼职(?:工作)?人员", zero=True),
    R("capacity.budget_yuan", r"专项经费" + gap(6) + NUM + r"\s*(?:万元|元)", kind="yuan", note="专项经费 N万元"),
    R("capacity.meetings", r"(?:召开|举行)(?:了)?" + gap(6) + NUM + r"\s*(?:次|场)" + gap(8) + r"(?:信息公开|政务公开)" + gap(6) + r"(?:会议|专题会)"),
]
RULES = [r for r in RULES if r.note != "—"]

# ---- items published, attributed to a channel by the words around them
_CHANNELS: list[tuple[str, re.Pattern[str]]] = [
    ("proactive.gazette", re.compile(r"公报")),
    ("proactive.weibo", re.compile(r"微博")),
    ("proactive.wechat", re.compile(r"微信|公众号")),
    ("proactive.website", re.compile(r"网站|门户|网页|政府网|网上公开|网站群")),
]
# verb … 信息 N条: 主动公开政府信息1280条, 主动公开政府工作信息、动态755多条, 主动公开政府信息件数为123件, 信息数22条,
# 发布新闻、文件、通知等信息733条, 发布信息公开152条; and the verb after: …等信息主动公开201条. Not a request's 依申请公开.
_PUBLISHED = re.compile(
    r"(?<!申请)(?:主动公开|公开|发布|公布|刊登|推送)(?:了)?" + gap(30) + r"信息(?:公开)?(?:[、和及与][\u4e00-\u9fff]{1,4})?"
    r"(?:共|总数|总量|达|为|数|件数|条数)?(?:为|达)?\s*" + NUM + r"\s*[条件]"
)
_PUBLISHED_AFTER = re.compile(r"信息(?:共)?(?:主动)?公开(?:了)?(?:共)?\s*" + NUM + r"\s*[条件]")
# a rate, not the year's count: 日均发布信息3条, 每周更新2条
_RATE = re.compile(r"日均|每日|每天|平均每|每周|每月|周均|月均|每年")
_COUNT_ITEMS = re.compile(r"\d\s*[条件]")
# a channel and its count in one clause, the verb straight before the number: 政府网站公开10489条, 政务微博发布486条
_CHANNEL_COUNT = re.compile(
    r"(?P<ch>政府网站|门户网站|网站|政府网|政府公报|公报|政务微博|微博|政务微信|微信公众号|公众号|微信)(?:上)?"
    + cgap(6) + r"(?:公开|发布|刊登|刊发|推送|公布)(?:了)?(?:共|总数|合计)?\s*" + NUM + r"\s*条"
)
_TOTAL_HINT = re.compile(r"主动公开|(?:共|累计|全年|总计|合计)(?:公开|发布|公布)|共" + cgap(10) + r"(?:公开|发布|公布)")
_SUBSET_HINT = re.compile(r"其中|占|类信息|类的信息")


def _in_open_parenthesis(s: str) -> bool:
    return s.count("(") > s.count(")")


def _published(ctx: Context) -> Iterator[Candidate]:
    text = ctx.body.text
    matches = sorted([*_PUBLISHED.finditer(text), *_PUBLISHED_AFTER.finditer(text)], key=lambda m: m.start())
    for m in matches:
        if ctx.in_table(m.start()):
            continue
        s0, _ = sentence_bounds(text, m.start(), m.end())
        c0 = clause_start(text, m.start(), "。;!?\n,、")
        clause = text[c0 : m.end()]
        comma_clause = text[clause_start(text, m.start(), "。;!?\n,"):m.end()]
        if _RATE.search(comma_clause) or _RUNNING.search(comma_clause):
            continue  # a daily or weekly rate, or a running total since some date, is not the year's count
        titles = ctx.enclosing_titles(m.start())
        # The channel is the last channel word before the number, in the clause or the section title.
        path = None
        best = -1
        kw_abs: int | None = None
        for p, rx in _CHANNELS:
            for cm in rx.finditer(clause):
                if cm.start() > best:
                    best, path = cm.start(), p
        if path is None:
            # the channel named earlier in the sentence, with no other count of items in between
            head = text[s0:c0]
            last = max(((cm.start(), cm.end(), p) for p, rx in _CHANNELS for cm in rx.finditer(head)), default=None)
            between = head[last[1]:] if last else ""
            counts = [k for k in _COUNT_ITEMS.finditer(between)
                      if not _RATE.search(between[clause_start(between, k.start(), "。;!?\n,"):k.start()])]
            if last and not counts:
                path = last[2]
                best = last[0] + s0 - c0  # may be negative: the keyword sits before the clause
                kw_abs = s0 + last[0]
        if path is None:
            for p, rx in _CHANNELS:
                if rx.search(titles):
                    path = p
                    break
        start = kw_abs if kw_abs is not None else (c0 + best if best >= 0 else m.start())
        if path is None:
            sentence_head = text[s0 : m.start()]
            matched = text[m.start() : m.end()]
            stated_total = "主动公开" in clause and not re.search(r"其他|应主动公开", clause)
            stated_total = stated_total or (bool(_TOTAL_HINT.search(clause))
                                            and ("政府信息" in matched or "信息公开" in matched))
            after = text[m.end() : m.end() + 3]
            if (not stated_total or _SUBSET_HINT.search(clause) or "其中" in sentence_head
                    or after.startswith((",占", "占")) or _in_open_parenthesis(sentence_head)):
                continue
            if re.search(r"[\u4e00-\u9fff]类", matched):
                continue
            path, start = "proactive.total", m.start()
        c = candidate_from_view(ctx.body, path, start, m.end(), "int", "sentence", "published N条", 0.8)
        if c is not None:
            yield c


_KIND_WORD = {"appeals.reconsideration_total": "复议", "appeals.litigation_total": "诉讼"}


def _other_cases(sentence: str, matched: str, path: str) -> bool:
    """A count of appeals not about disclosure: its own words do not say 信息公开, and the same sentence says that no
    appeal of this kind concerned disclosure."""
    word = _KIND_WORD.get(path)
    if word is None or re.search(r"信息公开", matched):
        return False
    for z in _DISCLOSURE_ZERO.finditer(sentence):
        clause_end = re.search(r"[,。;!?\n]", sentence[z.end():])
        clause = sentence[z.start(): z.end() + (clause_end.start() if clause_end else len(sentence))]
        if word in clause:
            return True
    return False


def _apply(ctx: Context, rule: Rule) -> Iterator[Candidate]:
    text = ctx.body.text
    for m in rule.finditer(text):
        if ctx.in_table(m.start()):
            continue
        s0, s1 = sentence_bounds(text, m.start(), m.end())
        sentence = text[s0:s1]
        scope = text[m.start() : min(s1, m.end() + 12)] if rule.zero else sentence
        if rule.unless and rule.unless.search(scope):
            continue
        if rule.requires and not rule.requires.search(sentence):
            continue
        c = candidate_from_view(ctx.body, rule.path, m.start(), m.end(), rule.kind,
                                "zero_statement" if rule.zero else "sentence", rule.note or rule.path, rule.confidence)
        if c is None:
            continue
        if rule.zero and c.value != 0:
            continue
        if not rule.zero and rule.path.startswith("requests.received") and _NOT_DISCLOSURE_REQUEST.search(sentence):
            continue
        if not rule.zero and _RUNNING_OR_CHANGE.search(text[clause_start(text, m.start(), "。;!?\n,"):m.end()]):
            continue  # 建站以来累计制发…, 比上年多制发…5件: a running total or a change, not the year's count
        if not rule.zero and rule.path.startswith("appeals.") and _other_cases(sentence, text[m.start():m.end()],
                                                                                rule.path):
            continue  # 受理行政复议1起…，没有因政府信息公开而被提起的行政复议: the counts are the agency's other cases
        yield c


def _channel_counts(ctx: Context) -> Iterator[Candidate]:
    """`<channel> 公开/发布 N条` with no 信息 before the number (those are _published's): the channel is the one named."""
    text = ctx.body.text
    for m in _CHANNEL_COUNT.finditer(text):
        if ctx.in_table(m.start()) or _in_open_parenthesis(text[clause_start(text, m.start(), "。;!?\n"):m.start()]):
            continue
        path = next(p for p, rx in _CHANNELS if rx.search(m.group("ch")))
        c = candidate_from_view(ctx.body, path, m.start(), m.end(), "int", "sentence", "channel 公开 N条", 0.8)
        if c is not None:
            yield c


EXTRACTORS: list[Callable[[Context], Iterator[Candidate]]] = [_published, _channel_counts]


# every request answered: 均已按时答复, 全部按时答复完毕, 均按时办结 (within two sentences of the count)
_ALL_ANSWERED = re.compile(r"(?:均已|全部|均|都已?|已全部)(?:依法)?(?P<ontime>按时|按期|及时)?(?:予以|给予|进行了?)?(?:答复|办结|处理)")
_FOLLOWS = 2  # sentences


def _all_answered(ctx: Context, out: list[Candidate]) -> Iterator[Candidate]:
    """A received count followed by 均已按时答复: the handled (and on-time) counts are the received one, inferred
    (no number states them), and under the review threshold: a person confirms the back-reference."""
    text = ctx.body.text
    received = [c for c in out if c.path == "requests.received" and c.value and c.method == "sentence"]
    if len(received) != 1 or any(c.path == "requests.handled_total" for c in out):
        return
    c = received[0]
    if c.span is None:
        return
    after = ctx.body.view_index(c.span[1])  # the view position just past the count
    end = after
    for _ in range(_FOLLOWS):
        end = sentence_bounds(text, min(end + 1, len(text)), min(end + 1, len(text)))[1]
    m = _ALL_ANSWERED.search(text, after, end)
    if m is None or _APPEAL_WORDS.search(text[after:m.end()]):
        return
    note = f"{text[m.start():m.end()]}: every request received ({c.value}) answered"
    yield Candidate(path="requests.handled_total", value=c.value, method="inferred", confidence=0.6, note=note)
    if m.group("ontime"):
        yield Candidate(path="requests.completed_on_time", value=c.value, method="inferred", confidence=0.6, note=note)


def extract(ctx: Context) -> list[Candidate]:
    out: list[Candidate] = []
    for rule in RULES:
        out.extend(_apply(ctx, rule))
    for fn in EXTRACTORS:
        out.extend(fn(ctx))
    out.extend(_all_answered(ctx, out))
    return out
