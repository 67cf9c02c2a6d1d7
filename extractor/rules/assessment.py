"""Problems admitted and improvements planned: the section that covers them, split into items.

Items are the report's own enumerated points (一是… / （一）… / 1、…); without enumerators, its
sentences or clauses, kept when they read as a problem or as a measure. Values are simplified
script; the evidence is the whole region the items were read from.
"""

from __future__ import annotations

import re

from extractor.core.candidates import Candidate
from extractor.rules.common import Context
from extractor.text.script import to_simplified

PROBLEM_HEAD = re.compile(r"存在的?(?:主要)?(?:问题|不足)|主要(?:问题|不足)|问题和不足|不足之处|薄弱环节|存在缺乏|存在不足|主要表现在|差距")
IMPROVE_MARK = re.compile(
    r"改进(?:的)?措施|改进情况|下一步|今后|将采取以下措施|努力方向|工作计划|工作要点|针对(?:上述|存在的?|以上)(?:问题|不足)"
    r"|加以改进|(?:19|20)\d{2}年,?\s*(?:我们|我[区县市局镇委办])将"
)
ENUM = re.compile(
    r"(?P<a>[一二三四五六七八九十]是)|(?P<b>[(][一二三四五六七八九十]{1,2}[)])|(?P<c>(?<![\d.])\d{1,2}[、.](?!\d))"
    r"|(?P<d>第[一二三四五六七八九十],)"
)
PROBLEM_WORDS = re.compile(r"不足|不够|有待|欠缺|不强|不高|较少|薄弱|差距|难以|滞后|不平衡|不到位|不规范|不及时|不全面|仍需|还需|亟待|不完善|单一|问题")
MEASURE_START = re.compile(r"^(?:继续|进一步|加强|加大|完善|强化|提高|提升|推进|健全|着力|做好|深化|拓宽|扩大|规范|建立|丰富|狠抓|坚持|探索|注重|切实|积极|不断|全面|抓好|理顺|优化|落实|创新|大力)")
LEAD = re.compile(r"^(?:[,:;、\s]|主要表现在|表现在|主要是|主要有|存在|一是|二是|我[区县市局镇委办]将|我们将|将|并)+")
SUBHEAD = re.compile(r"^[^,。:]{0,16}(?:问题|不足|措施|计划|情况)\s*:")
TAIL = re.compile(r"(?:等(?:方面的?)?问题|等方面|的问题|等)?[,;。、:\s]*$")


def _regions(ctx: Context) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    text = ctx.body.text
    secs = [s for s in ctx.sections if s.kind == "problems"]
    top = min((s.level for s in secs), default=None)
    secs = [s for s in secs if s.level == top]
    if not secs:
        m = PROBLEM_HEAD.search(text)
        if not m:
            return None, None
        end = len(text)
        for s in ctx.sections:
            if s.start > m.end() and s.level == 1:
                end = s.start
                break
        secs_span = (m.start(), end)
        title_len = 0
    else:
        secs_span = (secs[0].start, secs[-1].end if len(secs) > 1 else secs[0].end)
        title_len = len(secs[0].marker) + len(secs[0].title) + 2
    # Where two sections split problems and measures, use their boundary.
    if len(secs) >= 2 and not IMPROVE_MARK.search(secs[0].title) and IMPROVE_MARK.search(secs[1].title + "改进"):
        return (secs[0].start, secs[0].end), (secs[1].start, secs[-1].end)
    s0, s1 = secs_span
    region = text[s0:s1]
    for mark in IMPROVE_MARK.finditer(region):
        # 「存在的问题和改进措施」 is a heading that names both, not the start of the measures
        if PROBLEM_HEAD.search(region[max(0, mark.start() - 12) : mark.start()]):
            continue
        if mark.start() < max(4, title_len):
            continue
        return (s0, s0 + mark.start()), (s0 + mark.start(), s1)
    return (s0, s1), None


def _items(text: str, measures: bool) -> list[str]:
    marks = list(ENUM.finditer(text))
    fam = None
    if marks:
        families = [next(k for k, v in m.groupdict().items() if v) for m in marks]
        fam = max(set(families), key=families.count)
        marks = [m for m, f in zip(marks, families, strict=True) if f == fam]
    pieces: list[str] = []
    if len(marks) >= 2:
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            piece = text[m.end() : end]
            sub = SUBHEAD.match(piece)
            if sub:
                # 「（一）存在的主要问题：…」: an enumerated sub-heading over its own list
                nested = _items(piece[sub.end() :], measures)
                pieces.extend(nested)
                continue
            if measures or fam == "b":
                piece = re.split(r"。", piece)[0]
            else:
                piece = re.split(r"(?<=。)(?=[^。]*(?:改进|措施|下一步|今后|针对))", piece)[0]
            pieces.append(piece)
    else:
        body = text
        colon = re.search(r"(?:表现在|主要是|主要有|以下(?:几个方面的?)?(?:问题|不足)|如下|薄弱环节|措施|问题|不足)\s*:", body)
        if colon:
            body = body[colon.end() :]
        m = re.search(r"在(.+?)等?方面(?:还|仍|也)?存在(?:着)?(?:很多|一些|较多|诸多)?(?:不足|问题)", body)
        if m and not measures:
            return [p + "方面存在不足" for p in m.group(1).split("、") if len(p) >= 4]
        sentences = [s for s in re.split(r"。", body) if s.strip()]
        if len(sentences) >= 2:
            pieces = sentences
        else:
            parts = [p for p in re.split(r";", body) if p.strip()]
            pieces = parts if len(parts) >= 2 else re.split(r",", body)
        keep = MEASURE_START if measures else PROBLEM_WORDS
        pieces = [p for p in pieces if keep.search(LEAD.sub("", p.strip()))]
    out = []
    for p in pieces:
        p = LEAD.sub("", p.strip())
        p = TAIL.sub("", p)
        p = re.sub(r"\s+", "", p)
        if len(p) >= 4:
            out.append(p)
    return out


def extract(ctx: Context) -> list[Candidate]:
    problems, measures = _regions(ctx)
    out: list[Candidate] = []
    text = ctx.body.text
    for path, region, is_measure in (("assessment.problems", problems, False), ("assessment.improvements", measures, True)):
        if region is None:
            continue
        s, e = region
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        chunk = text[s:e]
        items = _items(chunk, is_measure)
        if not is_measure:
            # unenumerated items that read as measures belong to the other list (a section of measures only)
            items = [i for i in items if PROBLEM_WORDS.search(i) or not MEASURE_START.search(i)]
        if not items:
            continue
        evidence, span = ctx.body.evidence(s, e)
        out.append(Candidate(path=path, value=[to_simplified(i) for i in items], evidence=evidence, span=span,
                             method="section", confidence=0.6, note="enumerated items"))
    if not any(c.path == "assessment.improvements" for c in out) and problems:
        # a "problems and improvements" section that lists only measures
        s, e = problems
        items = [i for i in _items(text[s:e], True) if MEASURE_START.search(i)]
        if items:
            evidence, span = ctx.body.evidence(s, e)
            out.append(Candidate(path="assessment.improvements", value=items, evidence=evidence, span=span,
                                 method="section", confidence=0.5, note="measures in a problems section"))
    return out
