"""Who issued the report: what a body's name looks like, and where a report prints it besides its title.

A name ends in a body noun (人民政府, 办事处, 管委会, 局, 镇, …); a pronoun (我镇, 我局, 本机关, 该委) is no name, nor is a
heading fragment (年度报告). Besides the title, a report names its body in a crawler's or a page's header
(发布机构：…, 来源：…, 发布单位: | …) and in the sign-off above the date at its end (XX县XX乡人民政府 / 2014年3月7日),
often only there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.text.numbers import dates

BODY_NOUN = (r"(?:人民政府|政府|办事处|街道|管理委员会|委员会|管委会|管理局|管理处|办公室|办公厅|"
             r"局|厅|委|办|署|院|中心|镇|乡|区|县|市|州|盟|旗|所|站|队)")
PRONOUN = re.compile(r"^(?:我|本|该|贵|其)")
_NAME = re.compile(r"[\u4e00-\u9fff（）()·]{2,40}" + BODY_NOUN)
# Words that end like a body but are not one when a name is wanted (a heading: 年度报告; a section: 工作情况)
_NOT_NAME = re.compile(r"(?:报告|情况|工作|公开|信息|年度|总结|说明)")

HEADER_LABEL = re.compile(r"(?:发布机构|发布单位|信息来源|来源|发文机关|所属机构|公开主体|发布部门)\s*:\s*(?:\|\s*)*")


def is_body_name(s: str) -> bool:
    """Whether the text reads as a body's name: a body noun at its end, not led by a pronoun, no heading words."""
    s = s.strip()
    return bool(_NAME.fullmatch(s)) and not PRONOUN.match(s) and not _NOT_NAME.search(s)


def is_pronoun(s: str) -> bool:
    """我镇, 我局政府, 本机关: a body spoken of, not named."""
    return bool(PRONOUN.match(s.strip()))


@dataclass(frozen=True)
class Named:
    name: str
    start: int  # in the text searched
    end: int
    where: str  # header | signoff


def from_header(text: str, within: int = 1500) -> Named | None:
    """A name after a header label (发布机构：X, 来源: | X) near the start of the text."""
    for m in HEADER_LABEL.finditer(text, 0, min(len(text), within)):
        tail = re.match(r"[\u4e00-\u9fff（）()·]{2,40}", text[m.end():])
        if tail and is_body_name(tail.group()):
            return Named(tail.group(), m.end(), m.end() + tail.end(), "header")
    return None


def from_signoff(text: str, tail: int = 600) -> Named | None:
    """The sign-off: the last name on a line of its own (or before the date on its line) just above or at the last
    date line near the end of the text."""
    start = max(0, len(text) - tail)
    found = [d for d in dates(text) if d.start >= start]
    for d in reversed(found):
        line_start = text.rfind("\n", 0, d.start) + 1
        same = text[line_start:d.start].strip(" \t|,")
        if same and is_body_name(same):
            s = line_start + text[line_start:d.start].index(same)
            return Named(same, s, s + len(same), "signoff")
        if same:
            continue
        # the line above the date's (blank lines skipped)
        pos = line_start - 1
        while pos > 0 and not text[text.rfind("\n", 0, pos) + 1:pos].strip():
            pos = text.rfind("\n", 0, pos)
        prev_start = text.rfind("\n", 0, pos) + 1
        prev = text[prev_start:pos].strip(" \t|,")
        if prev and is_body_name(prev):
            s = prev_start + text[prev_start:pos].index(prev)
            return Named(prev, s, s + len(prev), "signoff")
    return None
