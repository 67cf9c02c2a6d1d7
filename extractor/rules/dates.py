"""When the report was issued: the sign-off date at its end (二○一二年二月二十日 or 2014年3月7日, alone on its line
or after the body's name), else the date a header gives (发布时间：2019-01-18, 公开日期: | 2015-07-27 10:52).

The labels' convention (LABEL_NOTES): the report's own sign-off first; the page's date where the text has none."""

from __future__ import annotations

import re

from extractor.text.numbers import Date, dates

HEADER_LABEL = re.compile(r"(?:发布(?:时间|日期)|公开(?:时间|日期)|成文日期|生成日期|时间|日期)\s*:?\s*(?:\|\s*)*$")
_AROUND = " \t|\"'”“,，.。)）"  # what a scrape leaves around a date on its line: cell bars, CSV quotes, a stop
SIGNOFF_TAIL = 600  # the sign-off is within this many characters of the end


def _alone(text: str, d: Date, before_ok: bool) -> bool:
    line_start = text.rfind("\n", 0, d.start) + 1
    line_end = text.find("\n", d.end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:d.start].strip(_AROUND)
    after = text[d.end:line_end].strip(_AROUND)
    return not after and (before_ok or not before)


def signoff(text: str) -> Date | None:
    """The last date near the end that stands alone on its line, or follows the signer's name on it."""
    start = max(0, len(text) - SIGNOFF_TAIL)
    for d in reversed(dates(text)):
        if d.start < start:
            break
        line_start = text.rfind("\n", 0, d.start) + 1
        before = text[line_start:d.start].strip(_AROUND)
        if _alone(text, d, before_ok=len(before) <= 40 and not HEADER_LABEL.search(text[line_start:d.start])
                  and not re.search(r"[，。；,;]", before)):
            return d
    return None


def header(text: str) -> Date | None:
    """The first date right after a date label (发布时间, 公开日期, 时间, …), bars between allowed."""
    for d in dates(text):
        line_start = text.rfind("\n", 0, d.start) + 1
        if HEADER_LABEL.search(text[max(line_start, d.start - 30):d.start]):
            return d
    return None


def alone(text: str) -> Date | None:
    """The first date on a line of its own anywhere (a cover letter's sign-off above the report)."""
    return next((d for d in dates(text) if _alone(text, d, before_ok=False)), None)
