"""Problems admitted and improvements planned: the section that covers them, split into items.

The section is the report's own (五、存在的主要问题及改进情况, 六、…问题 + 七、改进措施, or a heading line), from
after its heading to the next heading, table, attachment or sign-off. Inside it, sub-headings ((一)存在的问题:,
(二)改进措施:), inline labels (改进措施:) and the sentences that open the measures (下一步… / 今后… / 我们将… /
对此,… / 针对上述问题,…) cut it into passages of problems and of measures; a passage under a heading that names
both is read by what its items say. `assessment_items` splits each passage into items. Values are simplified
script; the evidence is the whole region the items were read from. Every list is left for review: an enumerated
one at 0.6, one read from an unenumerated paragraph at 0.5.
"""

from __future__ import annotations

import re

from extractor.core.candidates import Candidate
from extractor.rules import assessment_items as it
from extractor.rules.common import Context
from extractor.text.script import to_simplified
from extractor.text.sections import Section

HEAD_PROBLEM = re.compile(r"问题|不足|缺乏|差距|困难|薄弱|短板")
HEAD_MEASURE = re.compile(r"改进|措施|下一?步|计划|打算|要点|方向|思路|今后|整改|展望")
HEAD_NOUN = re.compile(r"问题|不足|缺乏|差距|困难|措施|计划|打算|要点|方向|思路|情况|改进|建议|展望|薄弱环节")
STRONG_HEAD = re.compile(
    r"存在.{0,8}(?:问题|不足|缺乏)|(?:主要)?问题(?:和|及|与|、)|^(?:主要)?(?:问题|不足)|改进(?:的)?(?:措施|情况)|整改措施"
    r"|下一?步|工作(?:计划|打算|要点|思路)|努力方向|今后"
)
NOT_A_LABEL = re.compile(
    r"^(?:针对|对照|对于|根据)|不够|有待|不强|不高|较少|不到位|不规范|不及时|不全面|仍需|还需|亟待|不完善|单一|滞后|欠缺"
    r"|加强|提高|完善|以下"
)
MARKER = re.compile(r"\s*(?:[一二三四五六七八九十]{1,3}\s*、|[(][一二三四五六七八九十]{1,3}[)]|\d{1,2}\s*[、.]|[(]\d{1,2}[)])\s*")
LABEL = re.compile(
    r"(?:(?P<mk>[(][一二三四五六七八九十]{1,2}[)]|[一二三四五六七八九十]{1,2}、|\d{1,2}[、.])\s*|(?<=[。;\n])[ \t]*|^[ \t]*)"
    r"(?P<t>[^。;:,\n()]{0,20}?(?:问题|不足|缺乏|措施|计划|打算|要点|方向|思路|改进情况|差距|困难|建议))[ \t]*(?P<end>:|\n|$)",
    re.M,
)
INTRO = re.compile(
    r"(?:(?:(?:19|20)\d{2}|20xx)年度?|明年|新的一年(?:里|中)?)?[,\s]*"
    r"(?:在?今后(?:的)?(?:工作中)?|下一步|下步|下一阶段|针对[^,。;]{0,14}(?:问题|不足|情况)|对此|为此"
    r"|(?:我们|我[区县市局镇乡委办街厅]{1,3}|本(?:机关|单位|部门))将|将(?=进一步|继续|加强|采取|从以下|在今后|着力|重点))"
)
STOP = re.compile(
    r"\n\s*(?:附\s*[:件表]|相关(?:文章|链接|阅读|自查报告|推荐)|上一篇|下一篇|【|打印|关闭|责任编辑)|\||\",|https?://"
)
DATE = r"(?:(?:19|20)\d{2}|20xx|[二〇○零一三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十〇○]{1,3}\s*月\s*[\d一二三四五六七八九十〇○]{1,3}\s*日"
SIGN_OFF = re.compile(r"\n[ \t]*(?:[^\n。,;:]{2,30}\n[ \t]*)?" + DATE + r"[ \t]*(?:\n|$)")


def title_role(title: str) -> str | None:
    p, m = HEAD_PROBLEM.search(title), HEAD_MEASURE.search(title)
    return "both" if p and m else "problems" if p else "measures" if m else None


def heading(text: str, sec: Section) -> tuple[str, int]:
    """A section's own title (not the prose run on after it) and where its content starts."""
    m = MARKER.match(text, sec.start)
    pos = m.end() if m else sec.start + len(sec.marker)
    w = re.match(r"[^\n。:;,(]{0,40}", text[pos:])
    title = w.group(0) if w else ""
    ws = re.search(r"(?<=\S{2})\s", title)
    if ws:
        title = title[: ws.start()]
    nouns = list(HEAD_NOUN.finditer(title))
    if nouns:
        title = title[: nouns[-1].end()]
    end = pos + len(title)
    tail = re.match(r"[。:\s]*", text[end:])
    return title.strip(), end + (tail.end() if tail else 0)


def _clip(ctx: Context, s: int, e: int) -> int:
    """The region ends before a table, an attachment, page furniture or the sign-off."""
    text = ctx.body.text
    for ts, _ in ctx.table_regions:
        if s < ts < e:
            e = ts
    for rx in (STOP, SIGN_OFF):
        m = rx.search(text, s, e)
        if m:
            e = m.start()
    # trailing lines without a sentence in them: a sign-off name, a footer (政府信息公开年报)
    while True:
        body = text[s:e].rstrip()
        nl = body.rfind("\n")
        if nl < 0 or re.search(r"[。;,:!?]", body[nl:]) or len(body) - nl > 30:
            return s + len(body)
        e = s + nl


def _sections(ctx: Context) -> list[tuple[int, int, str]]:
    """(content start, end, role) of the problems/measures sections: the last run of adjacent top-level ones."""
    text = ctx.body.text
    heads = []
    for s in ctx.sections:
        if s.kind != "problems" or ctx.in_table(s.start):
            continue
        title, body = heading(text, s)
        if title_role(title) and STRONG_HEAD.search(title):
            heads.append((s, title, body))
    if not heads:
        return _fallback(ctx)
    top = min(s.level for s, _, _ in heads)
    heads = [h for h in heads if h[0].level == top]
    run = [heads[-1]]
    for h in reversed(heads[:-1]):
        if h[0].end != run[0][0].start:
            break
        run.insert(0, h)
    return [(body, _clip(ctx, body, s.end), title_role(title) or "both") for s, title, body in run]


def _fallback(ctx: Context) -> list[tuple[int, int, str]]:
    """No numbered section: a heading line or an inline label (存在的问题:) that names problems or measures."""
    text = ctx.body.text
    for m in LABEL.finditer(text):
        t = m.group("t").strip()
        if ctx.in_table(m.start()) or NOT_A_LABEL.search(t) or not STRONG_HEAD.search(t):
            continue
        end = next((s.start for s in ctx.sections if s.level == 1 and s.start > m.end()), len(text))
        return [(m.end(), _clip(ctx, m.end(), end), title_role(t) or "both")]
    return []


def _label_role(text: str, m: re.Match[str]) -> str | None:
    """A sub-heading ((二)改进措施:) or inline label (改进措施:) opens a passage; its title says of what."""
    t = m.group("t").strip()
    own_line = m.start() == 0 or text[m.start() - 1] == "\n"
    if NOT_A_LABEL.search(t) or (not m.group("mk") and m.group("end") != ":" and not own_line):
        return None
    return title_role(t)


def _intro(text: str, s: int, e: int) -> int | None:
    """Where the measures open inside a passage of problems: a sentence starting 下一步/今后/我们将/对此/…"""
    for m in re.finditer(r"(?:^|[。;!?])\s*", text[s:e]):
        if INTRO.match(text, s + m.end()) and s + m.end() < e:
            return s + m.end()
    return None


def passages(text: str, s: int, e: int, role: str) -> list[tuple[int, int, str]]:
    """A section cut into passages of problems, of measures, or of both (to be told apart by their items)."""
    events = []
    for m in LABEL.finditer(text, s, e):
        r = _label_role(text, m)
        if r:
            events.append((m.start(), m.end(), r))
    out = []
    cur, cur_role = s, role
    for a, b, r in [*events, (e, e, "")]:
        cut = _intro(text, cur, a) if cur_role != "measures" else None
        if cut is not None:
            out += [(cur, cut, cur_role), (cut, a, "measures")]
        else:
            out.append((cur, a, cur_role))
        cur, cur_role = b, r
    return [p for p in out if text[p[0] : p[1]].strip()]


def read(seg: str, role: str) -> list[tuple[str, list[str], bool]]:
    """(problems|measures, items, enumerated) read from one passage."""
    runs = it.enumeration(seg)
    if runs and role == "both" and len(runs) >= 2:
        cut = runs[1][0].start  # the numbering starts again: problems 一是…二是…, then measures 一是…
        return read(seg[:cut], role) + read(seg[cut:], role)
    if runs:
        meas = [it.clean(i) for i in it.enumerated_items(seg, runs, True)]
        if role != "measures" and it.reads_as_measures(meas):
            pre = it.problem_items(seg[: runs[0][0].start]) if role == "both" else []
            return [("problems", pre, False), ("measures", meas, True)]
        if role == "measures":
            return [("measures", meas, True)]
        return [("problems", [it.clean(i) for i in it.enumerated_items(seg, runs, False)], True)]
    if role == "measures":
        return [("measures", it.measure_items(seg), False)]
    if role == "both":
        sents = it.sentences(seg)
        meas_s = [x for x in sents if it.MEASURE_START.match(it.clean(x)) and not it.PROBLEM_WORDS.search(x)]
        rest = "".join(x for x in sents if x not in meas_s)
        return [("problems", it.problem_items(rest), False), ("measures", it.measure_items("".join(meas_s)), False)]
    return [("problems", it.problem_items(seg), False)]


def extract(ctx: Context) -> list[Candidate]:
    text = ctx.body.text
    found: dict[str, tuple[list[str], list[tuple[int, int]], list[bool]]] = {
        "problems": ([], [], []), "measures": ([], [], [])}
    for s, e, role in _sections(ctx):
        for a, b, r in passages(text, s, e, role):
            for kind, items, enumerated in read(text[a:b], r):
                items = [c for c in (it.clean(i) for i in items) if it.usable(c)]
                if items:
                    found[kind][0].extend(items)
                    found[kind][1].append((a, b))
                    found[kind][2].append(enumerated)
    out: list[Candidate] = []
    for kind, path in (("problems", "assessment.problems"), ("measures", "assessment.improvements")):
        items, spans, flags = found[kind]
        if not items:
            continue
        s, e = min(a for a, _ in spans), max(b for _, b in spans)
        while e > s and text[e - 1].isspace():
            e -= 1
        evidence, span = ctx.body.evidence(s, e)
        value = list(dict.fromkeys(to_simplified(i) for i in items))
        out.append(Candidate(
            path=path, value=value, evidence=evidence, span=span, method="section",
            confidence=0.6 if all(flags) else 0.5,
            note="enumerated items" if all(flags) else "items read from an unenumerated paragraph"))
    return out
