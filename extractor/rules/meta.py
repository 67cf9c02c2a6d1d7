"""Meta fields: title, issuing body, level, place, year, dates, document type, script."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from extractor.core import result
from extractor.core.candidates import Candidate
from extractor.core.schema import alternative
from extractor.rules import dates, place
from extractor.rules.common import NEG, Context, gap, strip_ws
from extractor.rules.names import from_header, from_signoff, is_body_name, is_pronoun
from extractor.text.clean import View
from extractor.text.script import detect_script

TITLE_TAIL = r"(?P<y>(?:19|20)\d{2})\s*年度?\s*(?:政府|政务)?(?:信息|政务)?公开(?:工作)?(?:年度)?(?:报告|工作报告|年报|工作总结|总结)"
TITLE_RE = re.compile(r"(?P<body>[\u4e00-\u9fffA-Za-z0-9()]{0,40}?)\s*" + TITLE_TAIL)
_TAIL_RE = re.compile(TITLE_TAIL)
# A run of the characters a TITLE_RE match can hold (its body's, spaces, digits): no match crosses anything else
_TITLE_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9()\s\d]+")
YEAR_FIRST_TITLE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年度?\s*(?P<body>[\u4e00-\u9fff()]{2,30}?)\s*"
                              r"(?:政府|政务)?(?:信息|政务)公开(?:工作)?(?:年度)?(?:报告|工作报告|年报|工作总结|总结)")
LEAD_JUNK = re.compile(r"^(?:.*?(?:现将|现|特向社会|特|予以|向社会|关于|印发|报送|报来|公布|发布|的|中文名:?))+")
ANONYMISED = re.compile(r"[xX×＊*]{2}|某|○○")
PLACE_SUFFIX = re.compile(r"(?:县|市|区|镇|乡|旗|州|盟|街道)$")


# The genre: does the text read as a disclosure annual report at all? ------------------------------------------
#
# The regulation fixes what a report covers (条例 2008 art. 32, 2019 art. 50): proactive disclosure, requests
# and how they were handled, fees, reconsideration and litigation, problems and improvements; every report
# since follows that outline. So a report (1) talks of disclosure throughout (a density of the genre's words,
# not one mention in a menu or a footer), (2) states the year's counts (a number with its unit, a table row of
# numbers, or a zero statement such as 未收到申请), and (3) either names itself on a line of its own
# (某某2019年政府信息公开工作年度报告, or a crawler's 标题: line) and covers at least one of the topics, or covers
# most of the outline. A 404 page, a news item about disclosure work, a listing of report titles, a notice on how
# to compile reports, a file of numbers, a text in another language each lack one of the three. Evidence of the
# genre only: no sample's wording. The thresholds leave a wide margin on the bundled and synthetic reports
# (disclosure words: at least 10 per 1,000 Chinese characters there, 6 asked here).

# the reason codes this reader gives (core.result lists them with their meaning)
NOT_A_REPORT = result.NOT_A_REPORT  # on meta.doc_type = other
PRONOUN_NOT_A_NAME = result.PRONOUN_NOT_A_NAME  # on a null issuing_body: the report says only 我镇/我局
REPORT_TOPICS = {
    "proactive disclosure": re.compile(r"主动公开"),
    "requests": re.compile(r"依申请|公开申请|申请公开|收到申请|申请数"),
    "fees": re.compile(r"收费|减免|费用|收取"),
    "appeals": re.compile(r"复议|诉讼|申诉"),
    "problems and improvements": re.compile(r"问题|不足|改进|下一步|今后"),
}
DISCLOSURE_WORDS = re.compile(r"政府信息公开|信息公开|政务公开")
MIN_DISCLOSURE_PER_1000 = 6
MIN_TOPICS_UNTITLED = 4
# A report that names itself in its opening (现将…工作报告如下, 特此报告) even when the title line was lost in the scrape
SELF_NAMED = re.compile(r"现将[^。\n]{0,40}?(?:报告|年报|总结|情况)(?:如下|公布)|特此报告")
SELF_NAMED_WITHIN = 600
LETTER = re.compile(r"关于.{2,60}的函$")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_COUNT = re.compile(r"(?<![第\d一二两三四五六七八九十百千零〇])"  # 第四十二条 is an article, not a count
                    r"(?:\d[\d,.]*|[一二两三四五六七八九十百千零〇]+)\s*[万亿]?\s*[余多]?\s*"
                    r"(?:条|件|人|次|个|项|篇|期|场|元|份|批|宗|%)")
_ZERO = re.compile(NEG + gap(20) + r"(?:申请|复议|诉讼|收费|费用|收取)")
_ROW = re.compile(r"(?m)(?:\|\s*\d+\s*){2,}|^\s*\d+\s*$|(?:[ \t]+\d+){3,}[ \t]*$|[^\d\s]\d{6,}$")  # table rows


def not_a_report(ctx: Context, title_where: str | None = None) -> str | None:
    """None when the text reads as a disclosure report; else why not, in one line (see above). `title_where` is
    where `_title` found the title (`header`, `line`, `label`, `prose`), if anywhere."""
    text = ctx.body.text
    han = sum(map(len, _HAN_RUN.findall(text)))
    words = len(DISCLOSURE_WORDS.findall(text))
    topics = [k for k, rx in REPORT_TOPICS.items() if rx.search(text)]
    titled = title_where in ("header", "line") or bool(SELF_NAMED.search(text[:SELF_NAMED_WITHIN]))
    counts = bool(_COUNT.search(text) or _ZERO.search(text) or _ROW.search(text))
    dense = words > 0 and words * 1000 >= MIN_DISCLOSURE_PER_1000 * han
    outline = len(topics) >= MIN_TOPICS_UNTITLED or (titled and bool(topics))
    if dense and counts and outline:
        return None
    why = []
    if not dense:
        why.append(f"disclosure named {words} times in {han} Chinese characters")
    if not counts:
        why.append("no count stated")
    if not outline:
        why.append(("a title line but " if titled else "no title line, ")
                   + f"{len(topics)} of the {len(REPORT_TOPICS)} report topics"
                   + (f" ({', '.join(topics)})" if topics else ""))
    return "not a disclosure report: " + "; ".join(why)


def _cand(view: View, path: str, value: object, start: int, end: int, note: str, conf: float = 0.85,
          method: str = "sentence") -> Candidate:
    evidence, span = view.evidence(start, end)
    return Candidate(path=path, value=value, evidence=evidence, span=span, method=method, confidence=conf, note=note)


def title_finditer(text: str) -> Iterator[re.Match[str]]:
    """`TITLE_RE.finditer(text)`, the same matches, with its lazy body tried only in the runs of characters a match
    can hold that hold a match's year and 公开…报告, not at every position of the text."""
    tails = [t.start() for t in _TAIL_RE.finditer(text)]
    runs = _TITLE_RUN.finditer(text)  # walked along with the tails, no further than the last one
    nxt = next(runs, None)
    cur: re.Match[str] | None = None  # the last run starting at or before the tail
    k = done = -1
    for t in tails:
        while nxt is not None and nxt.start() <= t:
            cur, nxt, k = nxt, next(runs, None), k + 1
        if cur is None or k <= done:
            continue
        done = k
        yield from TITLE_RE.finditer(text, *cur.span())


def _title_matches(text: str) -> list[tuple[int, int, str, int]]:
    """(title start, body start, body, end) of every title-shaped phrase: body first (某镇2013年…报告) or year first
    (2013年度某镇政府信息公开工作年度报告), the body then a name, never a pronoun."""
    out = []
    for m in title_finditer(text):
        body, bstart = m.group("body"), m.start("body")
        junk = LEAD_JUNK.match(body)
        if junk:
            bstart += junk.end()
            body = body[junk.end() :]
        out.append((bstart, bstart, body, m.end()))
    for m in YEAR_FIRST_TITLE.finditer(text):
        body = m.group("body")
        if (is_body_name(body) or PLACE_SUFFIX.search(body)) and not is_pronoun(body):
            out.append((m.start(), m.start("body"), body, m.end()))
    return out


def _title(ctx: Context) -> tuple[str, str, int, int, str, int] | None:
    """(title, body name, view start, view end, where, body start) in the full view, best candidate first."""
    text = ctx.full.text
    best: tuple[int, tuple[str, str, int, int, str, int]] | None = None
    for tstart, bstart, body, end in _title_matches(text):
        line_start = text.rfind("\n", 0, tstart) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        before = text[line_start:tstart]
        if not body:
            # a title printed over two lines: the body's name on the line above
            prev_end = line_start - 1
            while prev_end > 0 and text[prev_end - 1] == "\n":
                prev_end -= 1
            prev_start = text.rfind("\n", 0, prev_end) + 1
            prev = text[prev_start:prev_end].strip()
            if prev and len(prev) <= 25 and re.fullmatch(r"[\u4e00-\u9fff()]+", prev) and not before.strip():
                body, bstart = prev, prev_start + text[prev_start:prev_end].index(prev)
                tstart = bstart
        if re.match(r"\s*标题\s*:", line):
            rank = 0
        elif not before.strip(" 《-·|") and len(line.strip(" |")) <= end - tstart + 4:
            rank = 1
        elif before.rstrip(" |").endswith((":", "《")):
            rank = 2
        else:
            rank = 3
        title = strip_ws(text[tstart:end])
        cand = (title, strip_ws(body), tstart, end, ["header", "line", "label", "prose"][rank], bstart)
        if best is None or rank < best[0]:
            best = (rank, cand)
    return best[1] if best else None


ZONE_END = re.compile(r"(?:管委会|管理委员会|开发区|高新区|新区|实验区|园区|试验区|保税区|示范区)(?:人民政府|政府)?$")


def _level(body: str) -> str | None:
    if ZONE_END.search(body):
        return "zone"
    if re.search(r"(?:局|委员会|委|办公室|办|厅|中心|署|院|所|队|站)$", body):
        return "department"
    if re.search(r"(?:镇|乡|街道|街道办事处)(?:人民政府|政府)?$", body):
        return "township"
    if re.search(r"(?:省|自治区)(?:人民政府|政府)?$", body):
        return "province"
    if re.search(r"(?:县|区|旗|县级市)(?:人民政府|政府)?$", body):
        return "county"
    if re.search(r"(?:市|州|盟)(?:人民政府|政府)?$", body):
        return "prefecture"
    return None


def _level_from_text(text: str) -> str | None:
    counts = Counter(m.group(1) for m in re.finditer(r"(?:我|全|本)(街道|县|市|区|镇|乡|局|委)", text))
    if not counts:
        return None
    top = counts.most_common(1)[0][0]
    return {"县": "county", "区": "county", "市": "prefecture", "镇": "township", "乡": "township", "街道": "township",
            "局": "department", "委": "department"}[top]


def _body_candidates(ctx: Context, out: list[Candidate], name: str, start: int, end: int, note: str,
                     conf: float) -> None:
    full = ctx.full
    out.append(_cand(full, "meta.issuing_body", name, start, end, note, conf))
    level = _level(name)
    if level == "prefecture":  # 某市: a county-level city's body is a county's (桦甸市人民政府)
        level = place.city_level(name, _year_of(out)) or level
    if level:
        out.append(_cand(full, "meta.admin_level", level, start, end, "level from body name", conf - 0.05,
                         method="inferred"))


def _year_of(out: list[Candidate]) -> int | None:
    return next((c.value for c in out if c.path == "meta.report_year" and isinstance(c.value, int)), None)


def _title_body(text: str, body: str, bs: int, e: int) -> tuple[str, int, int]:
    """The name as printed in the title; a bare place name takes the government's full name where the text has it."""
    raw_end = bs
    consumed = 0
    while raw_end < e and consumed < len(body):
        if not text[raw_end].isspace():
            consumed += 1
        raw_end += 1
    if PLACE_SUFFIX.search(body) and not ZONE_END.search(body):
        for suffix in ("人民政府", "政府"):
            m = re.search(re.escape(body) + suffix + r"(?!信息|网|门户|公报|办|工作|采购)", text)
            if m:
                return body + suffix, m.start(), m.end()
    return body, bs, raw_end


def _title_and_body(ctx: Context, out: list[Candidate]) -> tuple[tuple | None, str | None]:
    """The title and the body it names (with its level); else the body a header or the sign-off names; else, with
    no title, a body heading a table. A pronoun (我镇政府) is no name: with nothing else, the body is null and why."""
    full, text = ctx.full, ctx.full.text
    title = _title(ctx)
    pronoun = None
    if title:
        t, body, s, e, where, bs = title
        out.append(_cand(full, "meta.title", t, s, e, f"title ({where})", 0.9 if where in ("header", "line") else 0.75))
        ym = re.search(r"(?:19|20)\d{2}", text[s:e])
        if ym:
            out.append(_cand(full, "meta.report_year", int(ym.group(0)), s + ym.start(), s + ym.end(), "year in title", 0.9))
        if body and is_pronoun(body):
            pronoun = (body, bs, bs + len(body))
        elif body and not ANONYMISED.search(body):
            name, ns, ne = _title_body(text, body, bs, e)
            _body_candidates(ctx, out, name, ns, ne, "body named in title", 0.8)
            return title, name
    for found in (from_header(text), from_signoff(text)):
        if found and not ANONYMISED.search(found.name):
            _body_candidates(ctx, out, found.name, found.start, found.end, f"body named in the {found.where}",
                             0.8 if found.where == "header" else 0.75)
            return title, found.name
    if title is None:
        # no title: a table or annex headed 「某某2015年度政府信息公开…表」 names the body
        m = re.search(r"(?m)^\s*([\u4e00-\u9fff()]{2,20}?)\s*(?:19|20)\d{2}\s*年度?\s*(?:政府)?信息公开", text)
        if m and not ANONYMISED.search(m.group(1)) and not LEAD_JUNK.match(m.group(1)) and not is_pronoun(m.group(1)):
            _body_candidates(ctx, out, m.group(1), m.start(1), m.end(1), "body heading a table", 0.65)
            return title, m.group(1)
    if pronoun:
        word, ps, pe = pronoun
        evidence, span = full.evidence(ps, pe)
        out.append(Candidate(path="meta.issuing_body", value=None, method="sentence", confidence=0.0,
                             reasons=[PRONOUN_NOT_A_NAME], note=f"the title names the body only as {word}",
                             alternatives=[alternative(word, evidence=evidence, span=span, method="sentence",
                                                       reasons=[PRONOUN_NOT_A_NAME])]))
    return title, None


def _level_by_pronoun(ctx: Context, out: list[Candidate]) -> None:
    full, text = ctx.full, ctx.full.text
    if any(c.path == "meta.admin_level" for c in out):
        return
    level = _level_from_text(ctx.body.text)
    if level:
        m = re.search(r"(?:我|全|本)" + {"county": "[县区]", "prefecture": "市", "township": "(?:[镇乡]|街道)",
                                        "department": "[局委]"}[level], text)
        if m:
            out.append(_cand(full, "meta.admin_level", level, m.start(), m.end(), "我县/全市 …", 0.6, method="inferred"))


def _year(ctx: Context, out: list[Candidate]) -> None:
    full, text = ctx.full, ctx.full.text
    if any(c.path == "meta.report_year" for c in out):
        return
    m = re.search(r"统计期限(?:自|为|从)?\s*((?:19|20)\d{2})\s*年", text)
    if m:
        out.append(_cand(full, "meta.report_year", int(m.group(1)), m.start(1), m.end(1), "统计期限", 0.85))
    else:
        years = Counter(m.group(1) for m in re.finditer(r"((?:19|20)\d{2})\s*年(?!\d)", ctx.body.text[:3000]))
        if years:
            y = years.most_common(1)[0][0]
            m = re.search(y + r"\s*年", ctx.body.text)
            if m:
                out.append(_cand(ctx.body, "meta.report_year", int(y), m.start(), m.start() + 4,
                                 "most frequent year", 0.6))


def _published_on(ctx: Context, out: list[Candidate]) -> None:
    """The sign-off date, else a header's, else a date on a line of its own (see rules.dates)."""
    full = ctx.full
    d = dates.signoff(full.text)
    if d is not None:
        out.append(_cand(full, "meta.published_on", d.iso, d.start, d.end, "sign-off date", 0.8))
        return
    d = dates.header(full.text)
    if d is not None:
        out.append(_cand(full, "meta.published_on", d.iso, d.start, d.end, "header date", 0.85))
        return
    d = dates.alone(full.text)
    if d is not None:
        out.append(_cand(full, "meta.published_on", d.iso, d.start, d.end, "date line", 0.75))


def _doc_type(ctx: Context, out: list[Candidate], title: tuple | None) -> str | None:
    """The doc type; returns why the text is not a report, when it is not."""
    head = ctx.body.text[:400]
    t = title[0] if title else ""
    why_not = not_a_report(ctx, title[4] if title else None)
    if why_not:
        # below the review threshold: a person confirms, since RulesBackend then leaves every other field empty
        out.append(Candidate(path="meta.doc_type", value="other", method="inferred", confidence=0.6,
                             reasons=[NOT_A_REPORT], note=why_not))
    elif "总结" in t or re.search(r"工作总结|自查报告", t or head):
        out.append(Candidate(path="meta.doc_type", value="work_summary", method="inferred", confidence=0.7,
                             note="title words"))
    elif LETTER.search(t):
        out.append(Candidate(path="meta.doc_type", value="other", method="inferred", confidence=0.6,
                             note="a letter (…的函)"))
    elif not t and (m := SELF_NAMED.search(head)) and not re.search(r"年度报告|年报|信息公开|政务公开", m.group()):
        # untitled, and it names itself a 工作报告 (现将一年来的工作报告如下), not a 年度报告: a work summary
        out.append(Candidate(path="meta.doc_type", value="work_summary", method="inferred", confidence=0.6,
                             note="names itself a work report"))
    else:  # the genre: a yearly report on disclosure work, whatever its title says
        out.append(Candidate(path="meta.doc_type", value="annual_report", method="inferred", confidence=0.7,
                             note="title words"))
    return why_not


@dataclass
class About:
    """What the meta reader says: candidates for the meta fields, and notes about the report (the record's notes)."""

    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)

    @property
    def not_a_report(self) -> bool:
        return any(c.path == "meta.doc_type" and NOT_A_REPORT in c.reasons for c in self.candidates)


def extract(ctx: Context) -> About:
    out: list[Candidate] = []
    title, body_name = _title_and_body(ctx, out)
    _level_by_pronoun(ctx, out)
    _year(ctx, out)
    _published_on(ctx, out)
    year = _year_of(out)
    home = place.home(body_name, year)  # the body's own place: picks among the provinces and cities named
    out += place.province(ctx, home)
    out += place.city(ctx, body_name, home, year)
    why_not = _doc_type(ctx, out, title)
    script, share = detect_script(ctx.full.original)
    out.append(Candidate(path="meta.script", value=script, method="inferred", confidence=0.95 if abs(share - 0.5) > 0.3 else 0.6,
                         note=f"traditional share {share:.2f}"))
    return About(out, [why_not] if why_not else [])  # the report's notes say why it is not one
