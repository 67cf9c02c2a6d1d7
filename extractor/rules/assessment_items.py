"""Items of one passage of problems or of measures, as reports write them.

A passage is enumerated (一是… / （一）… / 1、… / (1)… / 第一,… / 首先…其次… / 一方面…另一方面…) or not. An
enumerated passage gives one item per point: its preamble is dropped, a problem keeps its headline and one
sentence of explanation, a measure its first sentence (a bare label such as 加强学习。 runs on into the next
sentence). An unenumerated passage gives the list embedded in one sentence (存在A、B等问题), or its clauses
separated by ；, or its sentences; measures written as one sentence of clauses are cut where a clause opens
with a measure verb. Text is the folded body view (ASCII punctuation, simplified script).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN = "一二三四五六七八九十"
_B = r"(?:(?<=[。;:!?,\s])|^)"  # where an enumerator may open a point
ENUM = re.compile(
    _B + r"(?P<a>(?P<an>[一二三四五六七八九十]{1,2})(?:是|要))"
    r"|(?P<b>[(](?P<bn>[一二三四五六七八九十]{1,2})[)])"
    r"|" + _B + r"(?P<c>(?P<cn>\d{1,2})\s*(?:[、.](?!\d)|[)](?!\d)))"
    r"|(?P<g>[(](?P<gn>\d{1,2})[)])"
    r"|" + _B + r"(?P<d>第(?P<dn>[一二三四五六七八九十]{1,2})(?:[,、:]|是))"
    r"|" + _B + r"(?P<e>首先|其次|再次|再者|最后)[,:]?"
    r"|" + _B + r"(?P<f>一方面|另一方面)[,:]?",
    re.M,
)
FAMILIES = "abcgdef"
_ORDINAL_WORDS = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "一方面": 1}
_ANY_NEXT = ("最后", "另一方面")  # the next point, whatever its number

PROBLEM_WORDS = re.compile(
    r"不足|不够|有待|欠缺|不强|不高|较少|薄弱|差距|难以|滞后|不平衡|不到位|不规范|不及时|不全面|不健全|不明确|不完善|"
    r"不充分|不深入|不多|不畅|仍需|还需|尚需|亟待|亟需|单一|问题|缺乏|缺少|偏少|偏低|不强|不佳|较弱|较低|不一|有限|未能|不高"
)
MEASURE_VERB = (r"加强|加大|完善|健全|建立|强化|拓宽|拓展|丰富|创新|规范|深化|细化|明确|增强|优化|畅通|扩大|做好|抓好|"
                r"探索|理顺|夯实|整合|严格|落实|提高|提升|推进|推动|坚持|注重|狠抓|开展|建设|召开|组织|开通|编制|更新")
MEASURE_START = re.compile(r"^(?:继续|进一步|着力|切实|积极|不断|大力|全面|认真|努力|持续|逐步|及时|重点|要|将)*(?:" + MEASURE_VERB + ")")
# a clause of a run-on measures sentence opens a new item with one of these (提高/提升/确保… carry the previous one on)
ITEM_VERB = re.compile(r"^(?:同时|并|还|另外|此外)?(?:继续|进一步|着力|切实|大力|认真|逐步|全面)*"
                       r"(?:加强|加大|完善|健全|建立|强化|拓宽|拓展|丰富|创新|规范|深化|细化|明确|增强|优化|扩大|做好|抓好|"
                       r"探索|理顺|夯实|整合|严格|落实|开展)")
PURPOSE = re.compile(r",(?=(?:以确保|确保|以便|从而|进而|特别是|尤其是|不断|努力|切实保障))")
EMBEDDED = re.compile(
    r"(?:存在(?:着|的)?(?:主要)?|(?<=[,:;])(?:比如|例如|如)|(?:主要是|表现在|包括)[:]?)"
    r"(?!一些|许多|诸多|不少|一定|以下|如下|很多|较多|[^。;]{0,4}(?:问题|不足)[,:])"
    r"(?P<l>[^。;:]{4,160}?)等(?:方面)?(?:的)?(?:问题|不足|情况|现象|短板|薄弱环节)?(?=[,。;]|$)"
)
AREAS = re.compile(r"在(?P<l>[^。;,]{4,120}?)等?方面(?:还|仍|也)?(?:存在|有)(?:着)?(?:很多|一些|较多|诸多|不少)?(?:不足|问题)")
GENERAL = re.compile(
    r"取得(?:了)?[^。;]{0,10}(?:成绩|成效|进展|效果)|(?:存在|有)(?:着)?(?:一些|许多|诸多|不少|一定的?|较多|很多)"
    r"[^。;,]{0,8}(?:不足|问题|差距|薄弱环节|困难|距离)|(?:还有|仍有|存在)(?:着)?一定(?:的)?(?:差距|距离)"
)
COLON_INTRO = re.compile(
    r"(?:表现(?:在|为)|主要(?:是|有)|具体(?:是|如下)|以下[^:。;]{0,12}|如下[^:。;]{0,6}|(?:问题|不足|措施|方面)(?:主要)?(?:是|有)?)\s*:"
)
LEAD = re.compile(
    r"^(?:[,:;、.\s]|[(][一二三四五六七八九十\d]{1,2}[)]|[一二三四五六七八九十]{1,2}是|\d{1,2}[、.](?!\d)|主要表现在|表现在|主要表现为|表现为|主要是|主要有|具体是|其中|同时|此外|另外|并且|存在着|存在|"
    r"(?:(?:19|20)\d{2}|20xx)年度?|明年|新的一年(?:里|中)?|在?今后(?:的)?(?:工作中|一段时间)?|下一步(?:工作中)?|下步|"
    r"下一阶段|针对[^,。;]{0,14}(?:问题|不足|情况)|对此|为此|我们|我[区县市局镇乡委办街厅]{1,3}|本(?:机关|单位|部门)|将|要)+"
)
TAIL = re.compile(r"(?:等(?:方面的?)?(?:问题|不足)|等方面|等)?[,;。、:!?\s]*$")
PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zü\u00e0-\u00fc\u0100-\u01dc]{1,7}\)")


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    family: str
    value: int  # 1, 2, …; 0 for a 最后/另一方面 that continues whatever run it is in


def cn_value(s: str) -> int:
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN.index(s[1]) + 1
    if len(s) == 2 and s[1] == "十":
        return (CN.index(s[0]) + 1) * 10
    return CN.index(s[0]) + 1 if len(s) == 1 else (CN.index(s[0]) + 1) * 10 + CN.index(s[-1]) + 1


def _mark(m: re.Match[str]) -> Mark:
    fam = next(f for f in FAMILIES if m.group(f))
    word = m.group(fam)
    if fam in "ab":
        value = cn_value(m.group(fam + "n"))
    elif fam == "d":
        value = cn_value(m.group("dn"))
    elif fam in "cg":
        value = int(m.group(fam + "n"))
    else:
        value = 0 if word in _ANY_NEXT else _ORDINAL_WORDS[word]
    return Mark(m.start(), m.end(), fam, value)


def _runs(marks: list[Mark]) -> list[list[Mark]]:
    """Runs that count 1, 2, 3, … (a run may start again at 1); stray numbers are dropped."""
    runs: list[list[Mark]] = []
    for m in marks:
        if m.value == 1:
            runs.append([m])
        elif runs and (m.value == 0 or m.value == runs[-1][-1].value + 1) and runs[-1][-1].value != 0:
            runs[-1].append(m if m.value else Mark(m.start, m.end, m.family, runs[-1][-1].value + 1))
    return [r for r in runs if len(r) >= 2]


def enumeration(text: str) -> list[list[Mark]]:
    """The passage's points: runs of one family of enumerators, the outermost (first to open) family."""
    by_family: dict[str, list[Mark]] = {}
    for m in ENUM.finditer(text):
        mk = _mark(m)
        by_family.setdefault(mk.family, []).append(mk)
    best: list[list[Mark]] = []
    for fam in FAMILIES:
        runs = _runs(by_family.get(fam, []))
        if runs and (not best or runs[0][0].start < best[0][0].start):
            best = runs
    return best


def sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in re.split(r"(?<=[。!?])", text)) if s.strip("。!?;,: \n")]


def _shape(piece: str, measure: bool) -> str:
    """One enumerated point: a measure's first sentence, a problem's headline and one more sentence."""
    sent = sentences(piece)
    if not sent:
        return ""
    if measure:
        item = sent[0]
        if len(norm(item)) <= 5 and len(sent) > 1:  # 1、加强学习。不断提高…: a bare label runs on
            item = item.rstrip("。") + "," + sent[1]
        return trim_purpose(item)
    if len(sent) > 1 and MEASURE_START.match(clean(sent[1])) and not PROBLEM_WORDS.search(sent[1]):
        sent = sent[:1]  # the measures that follow the last problem are not its explanation
    return ",".join(s.rstrip("。") for s in sent[:2])


def trim_purpose(item: str) -> str:
    """A long measure loses its trailing purpose (…,确保… / …,不断…)."""
    if len(item) <= 30:
        return item
    m = PURPOSE.search(item)
    return item[: m.start()] if m and m.start() >= 8 else item


def enumerated_items(text: str, runs: list[list[Mark]], measure: bool) -> list[str]:
    marks = [m for run in runs for m in run]
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start if i + 1 < len(marks) else len(text)
        out.append(_shape(text[m.end : end], measure))
    return out


def embedded(sentence: str) -> list[str] | None:
    """存在A、B、C等问题 / 在A、B等方面存在不足: the problems listed inside one sentence."""
    m = AREAS.search(sentence)
    if m:
        parts = [p for p in m.group("l").split("、") if len(p) >= 4]
        if len(parts) >= 2:
            return [p + "方面存在不足" for p in parts]
    m = EMBEDDED.search(sentence)
    if not m:
        return None
    body = m.group("l")
    parts = [p for p in re.split("," if "," in body else "、", body) if p.strip()]
    if "," in body and not all(PROBLEM_WORDS.search(p) for p in parts):
        return None
    if len(parts) < 2 and not PROBLEM_WORDS.search(body):
        return None
    return parts


def problem_items(text: str) -> list[str]:
    """An unenumerated passage of problems: embedded lists, ；-clauses, sentences that admit a problem."""
    c = COLON_INTRO.search(text)
    if c:
        text = text[c.end() :]
    out: list[str] = []
    for sent in sentences(text):
        listed = embedded(sent)
        if listed:
            out.extend(listed)
            continue
        for clause in re.split(r";", sent):
            general = [g.end() for g in GENERAL.finditer(clause)]
            rest = clause[general[-1] :] if general else clause  # what follows 还存在一些不足,
            if PROBLEM_WORDS.search(LEAD.sub("", rest.strip(",: "))):
                out.append(rest)
    return out


def measure_items(text: str) -> list[str]:
    """An unenumerated passage of measures: sentences, ；-clauses, and clause runs cut at each measure verb."""
    c = COLON_INTRO.search(text)
    if c:
        text = text[c.end() :]
    out: list[str] = []
    for sent in sentences(text):
        for clause in re.split(r";", sent):
            parts = [p for p in clause.split(",") if p.strip()]
            items: list[list[str]] = []
            for i, p in enumerate(parts):
                head = LEAD.sub("", p.strip()) if i == 0 else p.strip()
                if not items or ITEM_VERB.match(head):
                    items.append([head])
                else:
                    items[-1].append(head)
            out.extend(trim_purpose(",".join(x)) for x in items)
    return out


def norm(s: str) -> str:
    return re.sub(r"[\s\W_]+", "", s)


def clean(item: str) -> str:
    item = re.sub(r"\s+", "", item)
    item = PINYIN.sub("", item)
    for _ in range(2):
        item = LEAD.sub("", item)
        item = TAIL.sub("", item)
    return item


def usable(item: str) -> bool:
    """A clause, not a fragment, a heading or a table row."""
    n = norm(item)
    if len(n) < 4 or "|" in item:
        return False
    return sum(ch.isdigit() for ch in n) <= 0.3 * len(n)


def reads_as_measures(items: list[str]) -> bool:
    measures = sum(1 for i in items if MEASURE_START.match(i) and not PROBLEM_WORDS.search(i))
    return bool(items) and measures * 3 >= len(items) * 2
