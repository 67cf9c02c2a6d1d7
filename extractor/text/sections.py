"""Sections: headings at every level (一、 （一） 1、 1. (1)), also run inline in one long line,
classified by what they cover. Works on the body view; spans are view offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CN_NUM = "一二三四五六七八九十"
_BOUNDARY = r"(?:^|(?<=[\s。;:!?|\d)”」]))"
HEADING_RE = re.compile(
    r"(?=[" + CN_NUM + r"(\d])"  # what a heading starts with, first: most positions fail at once
    + _BOUNDARY
    + r"(?:(?P<l1>[" + CN_NUM + r"]{1,3})\s*、"
    + r"|(?P<l2>[(][" + CN_NUM + r"]{1,3}[)])"
    + r"|(?P<l3>\d{1,2})\s*[、.](?!\d)"
    + r"|(?P<l4>[(]\d{1,2}[)]))",
    re.M,
)

KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("standard_table", re.compile(r"收到和处理政府信息公开申请情况|政府信息公开行政复议、行政诉讼情况")),
    ("stats_table", re.compile(r"统计表|明细表|统计数据|统计情况|附表")),
    ("problems", re.compile(r"问题|不足|缺乏|改进|工作计划|下一步|工作要点|工作打算|今后|努力方向")),
    ("appeals", re.compile(r"复议|诉讼|申诉")),
    ("fees", re.compile(r"收费|费用|减免")),
    ("requests", re.compile(r"依申请|申请")),
    ("proactive", re.compile(r"主动公开")),
    ("capacity", re.compile(r"机构|人员|经费|培训|队伍")),
    ("overview", re.compile(r"概述|总体情况|基本情况|概况")),
]


@dataclass(frozen=True)
class Section:
    level: int
    marker: str
    title: str
    kind: str
    start: int  # view offset of the marker
    end: int  # view offset where the next heading of the same or a higher level starts


def classify(title: str) -> str:
    for kind, rx in KINDS:
        if rx.search(title):
            return kind
    return "other"


_TITLE = re.compile(r"[^\n。;:!?|,]{0,30}")


def _title_after(text: str, pos: int) -> str:
    m = _TITLE.match(text, pos)
    return m.group(0).strip() if m else ""


def find_sections(text: str) -> list[Section]:
    """The headings of `text` with the range each covers (to the next heading of the same or a higher level). The
    rules and the unread marks both ask for the body's: found once per text."""
    return list(_sections(text))


@lru_cache(maxsize=4)
def _sections(text: str) -> tuple[Section, ...]:
    raw: list[tuple[int, str, int, int]] = []
    for m in HEADING_RE.finditer(text):
        level = next(i for i, g in enumerate(("l1", "l2", "l3", "l4"), 1) if m.group(g))
        raw.append((level, m.group(0).strip(), m.start(), m.end()))
    # each heading ends where the next one of the same or a higher level starts (a stack of those still open)
    ends = [len(text)] * len(raw)
    open_: list[int] = []
    for i, (level, _, start, _) in enumerate(raw):
        while open_ and raw[open_[-1]][0] >= level:
            ends[open_.pop()] = start
        open_.append(i)
    out: list[Section] = []
    for (level, marker, _start, body), end in zip(raw, ends, strict=True):
        title = _title_after(text, body)
        out.append(Section(level, marker, title, classify(title), _start, end))
    return tuple(out)
