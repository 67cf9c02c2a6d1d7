"""Numbers as Chinese reports write them, parsed back from their exact evidence.

Works on folded text (see `script.fold`): ASCII digits, simplified characters. Handles Arabic and
Chinese numerals, 万/亿/千, thousands separators, percentages, negatives, approximate markers
(余/多/近/约) and the zero words (无/没有/未/零/为零). Pure: no I/O.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from extractor.text.script import fold

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10_000, "亿": 100_000_000}

COUNTERS = "条|件|起|宗|次|篇|个|名|人次|人|期|场|项|家|份|批|位|处|类|部|台|本|册|所|天|户|例|组|套|场次|余"
MONEY_UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000), "千元": Decimal(1000)}
ZERO_WORDS = ("没有", "为零", "不存在", "暂不", "未", "无", "零")

_AR = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇○一二两三四五六七八九十百千万亿]+"
QUANTITY_RE = re.compile(
    r"(?=[将大近约逾超\s\-\d" + _CN[1:-2] + r"])"  # what a quantity starts with, first: most positions fail at once
    r"(?P<pre>将近|大约|近|约|逾|超过)?\s*"
    r"(?P<neg>(?<![\d\w.])-)?"
    r"(?:(?P<ar>" + _AR + r")|(?P<cn>" + _CN + r"))"
    r"(?P<mult>\s*[万亿千](?!元))?"
    r"(?P<approx>\s*[余多])?"
    r"\s*(?P<unit>%|万元|亿元|千元|元|" + COUNTERS + r")?"
)
_YEAR_AFTER = re.compile(r"\s*(年|月|日|号|时|分)")


@dataclass(frozen=True)
class Quantity:
    value: int | float
    start: int
    end: int
    approximate: bool
    unit: str | None
    text: str

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def parse_cn_numeral(s: str) -> int | None:
    """二〇一一 -> 2011, 一百二十三 -> 123, 两千 -> 2000, 三万五千 -> 35000, 十五 -> 15."""
    if not s:
        return None
    if all(c in CN_DIGITS for c in s) and len(s) > 1:
        return int("".join(str(CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        elif c in CN_UNITS:
            section += (1 if digit is None else digit) * CN_UNITS[c]
            digit = None
        elif c in CN_BIG:
            section += digit or 0
            total += (section or 1) * CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _normal(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def quantities(text: str, unit_wanted: Callable[[str | None], bool] | None = None) -> list[Quantity]:
    """Every quantity in folded text, skipping years, dates, ordinals and list enumerators; with `unit_wanted`, only
    those whose unit it wants (the others are not parsed)."""
    out: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        pre, neg, ar, cn, mult, approx_mark, unit = m.groups()  # each group read once: this loop runs per number
        if unit_wanted is not None and not unit_wanted(None if unit == "余" else unit):
            continue
        num_start = m.start("ar") if ar else m.start("cn")
        if cn:
            # A Chinese numeral counts only with a counter after it (not 一是, 统一, 进一步).
            if not unit or unit == "%" or cn in ("万", "亿", "千", "百", "十"):
                continue
        if ar:
            end_ar = m.end("ar")
            after = text[end_ar : end_ar + 2]  # what the checks below read of the text after the number
            if not mult and _YEAR_AFTER.match(text, end_ar):
                continue  # 2011年, 3月, 24日
            if ar.isdigit() and len(ar) == 8 and ar.startswith(("19", "20")) and not unit:
                continue  # 20190124 style dates
            if after[:1] in ("、", ".") and not after[1:2].isdigit() and not unit:
                continue  # list enumerators 1、 1.
            before = text[max(0, num_start - 1) : num_start]
            if before == "第":
                continue
            if before in ("(", "（") and after[:1] in (")", "）"):
                continue
            n: Decimal | None = Decimal(ar.replace(",", ""))
        else:
            parsed = parse_cn_numeral(cn)
            n = None if parsed is None else Decimal(parsed)
        if n is None:
            continue
        if mult:
            n *= {"万": 10_000, "亿": 100_000_000, "千": 1000}[mult.strip()]
        if neg:
            n = -n
        approx = bool(pre or approx_mark or unit == "余")
        start = m.start("pre") if pre else (m.start("neg") if neg else num_start)
        out.append(Quantity(_normal(n), start, m.end(), approx, None if unit == "余" else unit, m.group(0)))
    return out


_MONEY_BEFORE = re.compile(r"(万元|亿元|千元|元)[\s|:：()（）]*$")
_UNIT_HEADER = re.compile(r"单位\s*[:：]\s*(万元|亿元|千元|元)")


def money_multiplier(text: str, q: Quantity) -> Decimal:
    """Yuan per unit of the quantity: from its own unit, or from a unit cell just before it (表头 `万元 | 70`)."""
    if q.unit in MONEY_UNITS:
        return MONEY_UNITS[q.unit]
    m = _MONEY_BEFORE.search(text[: q.start])
    if m:
        return MONEY_UNITS[m.group(1)]
    heads = _UNIT_HEADER.findall(text[: q.start])  # a table header 本年收费金额（单位：万元） before the cell
    if heads:
        return MONEY_UNITS[heads[-1]]
    return Decimal(1)


def has_zero_word(folded: str) -> bool:
    return any(w in folded for w in ZERO_WORDS) or bool(re.search(r"(?<![\d.])0(?![\d.])", folded))


@dataclass(frozen=True)
class Parsed:
    value: int | float
    approximate: bool


@functools.lru_cache(maxsize=8192)
def reparse(evidence: str, kind: str) -> Parsed | None:
    """The value an evidence string states, by the convention that evidence ends with its number.

    kind: 'int' (counts) or 'yuan' (money, converted to yuan). A string with no quantity but a zero word
    (没有/未/无/零...) states 0. Pure, its answer immutable: kept for the evidence met again (table cells: 0, 1, …).
    """
    folded = fold(evidence)
    qs = [q for q in quantities(folded) if not q.is_percent]
    if qs:
        q = qs[-1]
        if kind == "yuan":
            v = Decimal(str(q.value)) * money_multiplier(folded, q)
            return Parsed(_normal(v), q.approximate)
        return Parsed(q.value, q.approximate)
    if has_zero_word(folded):
        return Parsed(0, False)
    return None


def values_equal(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(float(a) - float(b)) < 1e-6 * max(1.0, abs(float(a)))
    return a == b


# Dates: 2015-07-27, 2015/7/27, 2015.7.27, 2015年7月27日, and in Chinese numerals 二○一二年二月二十日.
_CN = "〇○零一二两三四五六七八九十"
DATE = re.compile(r"(?=[12二])(?:"  # what a date starts with, first: most positions fail at once
                  r"(?P<y>(?:19|20)\d{2})\s*[-年./]\s*(?P<m>\d{1,2})\s*[-月./]\s*(?P<d>\d{1,2})(?!\d)(?:\s*[日号])?"
                  rf"|(?P<cy>[二][{_CN}]{{3}})\s*年\s*(?P<cm>[{_CN}]{{1,3}})\s*月\s*(?P<cd>[{_CN}]{{1,3}})\s*日" r")")


@dataclass(frozen=True)
class Date:
    iso: str  # YYYY-MM-DD
    start: int
    end: int


def dates(text: str) -> list[Date]:
    """Every valid calendar date in the (folded) text, in order."""
    out = []
    for m in DATE.finditer(text):
        if m.group("y"):
            y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        else:
            y, mo, d = (parse_cn_numeral(m.group(g)) or 0 for g in ("cy", "cm", "cd"))
        try:
            iso = datetime.date(y, mo, d).isoformat()
        except ValueError:
            continue
        out.append(Date(iso, m.start(), m.end()))
    return out
