"""Cleaning: a normalised view of the original text with a map back to the original offsets.

Nothing is ever rewritten in the original. A `View` holds folded text (NFKC, traditional to
simplified, one original character to one or more view characters) and, for every view character,
the offset of the original character it came from. Site chrome and sections pasted twice are left
out of the body view, so patterns do not see them, but any span found in a view maps back exactly
(`text.spans` maps it).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

from extractor.text.script import fold
from extractor.text.spans import evidence_at, fold_onto, view_span

# Whole lines that are site chrome, crawler headers, download-site notices or wiki footers.
CHROME_LINE = re.compile(
    r"^\s*(?:"
    r"(?:标题|发布时间|发布日期|公开日期|时间|文号|发布机构|栏目|原文链接|本地目录|索引号|主题分类|成文日期|信息来源|来源|所属机构|生效时间|浏览次数"
    r"|访问地址|来源网站|一级类别|二级类别|附件链接|网址|链接)\s*:"
    r"|页面链接与图片详见|=+\s*正文\s*=+\s*$|您好,?\s*今天是|网站支持IPv6|欢迎访问|温馨提示|网站客服|当前位置\s*:"
    r"|\d+\.\s*(?:部分包含|本文档由|下载前请|下载文档时|如果您对本文档)"
    r"|(?:相关词条|热门词条|联络我们|联系我们|返回顶部|打印本页|关闭窗口|附件下载|分享到|扫一扫|【打印】|【关闭】)\s*$"
    r"|-\s*\d+\s*-\s*$|第\s*\d+\s*页\s*(?:共\s*\d+\s*页)?\s*$"
    r"|首页(?:\s*[|>›»/]\s*[\u4e00-\u9fff]{2,8}){2,}\s*$"  # a navigation bar or breadcrumb: 首页 | 政务公开 | …
    r")"
)
# Chrome inside a line (crawls that put the page header and the body on one line).
CHROME_INLINE = re.compile(
    r"(?=[当来时微Q全文打关分相附])(?:"  # what each kind starts with, first: most positions fail at once
    r"当前位置\s*:\s*\S+"
    r"|(?<![\u4e00-\u9fff])来源\s*:\s*\S+"
    r"|(?<![\u4e00-\u9fff])时间\s*:\s*\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:(?:微信|微博|QQ空间|全真版|文字版|文件下载|打印|关闭|分享)\s+){2,}(?:微信|微博|QQ空间|全真版|文字版|文件下载|打印|关闭|分享)?"
    r"|相关链接\s*:\s*(?:-->)?"
    r"|附件下载\s*$)"
)


@dataclass
class View:
    """Folded text plus, for each of its characters, the original offset it came from."""

    text: str
    offsets: array[int]
    original: str
    dropped: list[tuple[int, int, str]] = field(default_factory=list)  # original ranges left out, with why

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of view [start, end)."""
        return view_span(self.offsets, start, end)

    def evidence(self, start: int, end: int) -> tuple[str, tuple[int, int]]:
        """The original text of view [start, end), and its span."""
        return evidence_at(self.original, self.offsets, start, end)

    def view_index(self, original_offset: int) -> int:
        """First view index at or after an original offset."""
        import bisect

        return bisect.bisect_left(self.offsets, original_offset)


def build_view(original: str, drop: list[tuple[int, int, str]] | None = None, folded: str | None = None) -> View:
    """The view of `original` without the `drop` ranges. `folded`: the whole original folded, given when it has one
    character per original character (the common case), so its pieces are cut from it instead of folded again."""
    drop = sorted(drop or [])
    parts: list[str] = []
    offsets = array("l")
    pos = 0

    def keep(a: int, b: int) -> None:
        if folded is None:
            fold_onto(original, a, b, parts, offsets)
        else:  # what fold_onto does when every character folds to one
            parts.append(folded[a:b])
            offsets.extend(range(a, b))

    for s, e, _ in drop:
        if s > pos:
            keep(pos, s)
        pos = max(pos, e)
    if pos < len(original):
        keep(pos, len(original))
    return View("".join(parts), offsets, original, drop)


def _lines(original: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in original.splitlines(keepends=True):
        out.append((pos, pos + len(line)))
        pos += len(line)
    return out


_SPACES = re.compile(r"\s+")


def _fold(s: str) -> str:
    return fold(s)


def _folded_line(original: str, s: int, e: int, folded: str | None) -> str:
    """original[s:e] folded (cut from the whole text folded one to one, when given)."""
    return folded[s:e] if folded is not None else _fold(original[s:e])


def find_chrome(original: str, lines: list[tuple[int, int]] | None = None,
                whole: str | None = None) -> list[tuple[int, int, str]]:
    drops: list[tuple[int, int, str]] = []
    for s, e in lines if lines is not None else _lines(original):
        line = original[s:e]
        folded = _folded_line(original, s, e, whole)
        short = len(folded.strip()) <= 160  # a long line is body text that starts with chrome
        if len(folded) == len(line):  # offsets line up one to one: inline removal is safe
            if short and CHROME_LINE.match(folded):
                drops.append((s, e, "chrome"))
                continue
            for m in CHROME_INLINE.finditer(folded):
                drops.append((s + m.start(), s + m.end(), "chrome"))
        elif short and CHROME_LINE.match(folded):
            drops.append((s, e, "chrome"))
    return drops


def find_duplicates(original: str, min_len: int = 10, lines: list[tuple[int, int]] | None = None,
                    whole: str | None = None) -> list[tuple[int, int, str]]:
    """Lines pasted again later (whole sections repeated): the later copies are left out.

    A long line seen before is a duplicate; a short line seen before (a heading) is one only
    when it sits next to a duplicate, so real repeated short headings are kept.
    """
    lines = lines if lines is not None else _lines(original)
    keys = [_SPACES.sub("", _folded_line(original, s, e, whole)) for s, e in lines]
    seen: set[str] = set()
    dup = [False] * len(lines)
    short_seen = [False] * len(lines)
    for i, k in enumerate(keys):
        if not k:
            continue
        if k in seen:
            if len(k) >= min_len:
                dup[i] = True
            elif len(re.findall(r"[\u4e00-\u9fff]", k)) >= 2:  # a heading; not a table cell (`|`, `0`, `件`)
                short_seen[i] = True
        seen.add(k)
    changed = True
    while changed:
        changed = False
        for i in range(len(lines)):
            if short_seen[i] and not dup[i]:
                prev_dup = next((dup[j] for j in range(i - 1, -1, -1) if keys[j]), False)
                next_dup = next((dup[j] for j in range(i + 1, len(lines)) if keys[j]), False)
                if prev_dup or next_dup:
                    dup[i] = True
                    changed = True
    return [(lines[i][0], lines[i][1], "duplicate") for i in range(len(lines)) if dup[i]]


_HEADING_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d))")
_SENTENCE_END = ("。", ";", ":", "!", "?", "；", "：", "！", "？", "|")


def find_soft_wraps(original: str, lines: list[tuple[int, int]] | None = None) -> list[tuple[int, int, str]]:
    """Line breaks that a PDF or fixed-width export put inside a paragraph (`政\n\n府信息`).

    Only for documents that look hard-wrapped: many lines of nearly the same, maximal length.
    The break (and the blank lines after it) is left out when the line is full and does not end
    a sentence, and the next line does not start a heading; table rows (lines with `|`) are never joined.
    """
    lines = lines if lines is not None else _lines(original)
    # the full length is the paragraphs' own: table rows (` | ` cells) are longer or shorter, and never wrapped
    lens = sorted(n for s, e in lines if (n := len(original[s:e].strip())) >= 8 and " | " not in original[s:e])
    if len(lens) < 10:
        return []
    full = lens[int(len(lens) * 0.9)]
    if full < 15 or sum(1 for n in lens if n >= 0.85 * full) < max(5, len(lens) // 5):
        return []
    drops: list[tuple[int, int, str]] = []
    for i, (s, e) in enumerate(lines):
        text = original[s:e].rstrip("\r\n")
        if len(text.strip()) < 0.85 * full or text.rstrip().endswith(_SENTENCE_END) or "|" in text:
            continue  # a line with cell separators is a table row, not a paragraph cut short
        j = i + 1
        while j < len(lines) and not original[lines[j][0] : lines[j][1]].strip():
            j += 1
        if j >= len(lines) or _HEADING_START.match(_fold(original[lines[j][0] : lines[j][1]])) \
                or "|" in original[lines[j][0] : lines[j][1]]:
            continue
        drops.append((s + len(text), lines[j][0], "soft_wrap"))
    return drops


# A pinyin gloss after a character, as mirrored traditional pages print them: 鎮(zhèn), 報(bào), 改進(jìn). One syllable
# of lowercase letters, at most one tone mark and ü, right after a CJK character, in ASCII or full-width brackets.
_GLOSS = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]"
                    r"(?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[)）]")


def find_glosses(original: str) -> list[tuple[int, int, str]]:
    """Inline pinyin glosses: left out of every view (the original keeps them; spans map through), so that
    鄉(xiāng)長 reads as 乡长. A gloss carries a tone mark, so a toneless (abc) is never taken for one."""
    return [(m.start(), m.end(), "pinyin_gloss") for m in _GLOSS.finditer(original)]


@dataclass
class Cleaned:
    full: View  # everything, folded (meta reads crawler headers from here)
    body: View  # chrome and repeated sections left out


def clean(original: str) -> Cleaned:
    glosses = find_glosses(original)
    lines = _lines(original)
    folded = fold(original)
    # one folded character per original character (no NFKC expansion anywhere; none folds to nothing): every piece
    # of the text folds to the same piece of the whole text folded, so it is folded once
    whole = folded if len(folded) == len(original) else None
    drops = (find_chrome(original, lines, whole) + find_duplicates(original, lines=lines, whole=whole)
             + find_soft_wraps(original, lines) + glosses)
    return Cleaned(full=build_view(original, glosses, whole), body=build_view(original, _merge(drops), whole))


def _merge(ranges: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for s, e, why in sorted(ranges):
        if out and s <= out[-1][1]:
            ps, pe, pw = out[-1]
            out[-1] = (ps, max(pe, e), pw if pw == why else f"{pw}+{why}")
        else:
            out.append((s, e, why))
    return out
