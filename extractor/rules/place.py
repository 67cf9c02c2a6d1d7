"""meta.province and meta.city: the names the text gives, chosen by the body's own place; and the level a 某市
body is (a county-level city or a prefecture), both through the gazetteer (rules.gazetteer).

FIELDS.md: a province or city is filled only when the text names it, in a place name, an agency's or a cited
document's or system's title (四川省政府信息公开目录管理系统). Which one is the report's:
- the body's name begins with a place the gazetteer resolves (淮安市洪泽区人民政府, 珙县交通运输局, 桦甸市…街道,
  平潭综合实验区): only the province (the prefecture) that place lies in is taken, when the text names it, with
  more confidence; another province or city the text names (《上海市…办法》 in a Jiangsu report, a training in
  南京市) is not the report's, so the field stays null. A body with no prefecture (a province's, a municipality's
  district, a county-level city under its province: 仙桃, 济源) has no city.
- the body's place is unknown or ambiguous (南山区: Shenzhen, Urumqi, Hegang; no name at all): the most named
  province, a named prefecture city, as before, at the same confidence. A name that is a county-level city in
  the report's year (桦甸市, 巢湖市 after 2011) is never a city.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from extractor.core.candidates import Candidate
from extractor.rules import gazetteer
from extractor.rules.common import Context
from extractor.rules.gazetteer import BARE_OK, Place
from extractor.text.clean import View

NAMED = 0.7  # a province the text names, the body's place unknown
NAMED_CITY = 0.65
INFERRED = 0.4  # below the review threshold: a value the text does not state
AT_HOME = 0.85  # the one the body's own place lies in
CITY_RE = re.compile(r"([\u4e00-\u9fff]{2,4}?)市")
CITY_BODY = re.compile(r"(?P<place>.+市)(?:人民政府|政府)?$")


def _cand(view: View, path: str, value: str, start: int, end: int, note: str, conf: float) -> Candidate:
    evidence, span = view.evidence(start, end)
    return Candidate(path=path, value=value, evidence=evidence, span=span, method="sentence", confidence=conf,
                     note=note)


def home(body_name: str | None, year: int | None) -> Place | None:
    """The body's own place, as far as its name resolves (gazetteer.locate)."""
    return gazetteer.locate(body_name, year)


@cache
def _province_pattern(short: str) -> re.Pattern[str]:
    """The pattern of a province's mention, compiled when a text first names it."""
    fullname = gazetteer.provinces()[short]
    return re.compile(re.escape(fullname) + "|" + re.escape(short) + ("" if short in BARE_OK else r"(?=省|市|自治区)"))


def _named_provinces(text: str) -> tuple[Counter[str], dict[str, re.Match[str]]]:
    counts: Counter[str] = Counter()
    first: dict[str, re.Match[str]] = {}
    for short, fullname in gazetteer.provinces().items():
        if short not in text and fullname not in text:
            continue  # neither name is there: no match
        for pm in _province_pattern(short).finditer(text):
            counts[short] += 1
            first.setdefault(short, pm)
    return counts, first


def _inferred(path: str, value: str, place: Place) -> list[Candidate]:
    """With `infer=True`: the value the body's place implies, not named in the text (FIELDS.md keeps it out of the
    field; checks across reports may use it). No evidence, so never verified."""
    return [Candidate(path=path, value=value, method="inferred", confidence=INFERRED,
                      note=f"not named: inferred from the body's place ({place.units[0].name})")]


def province(ctx: Context, place: Place | None, infer: bool = False) -> list[Candidate]:
    """The report's province among those the text names (see the module doc); with `infer`, the body's place's
    province when the text names none of its own."""
    full = ctx.full
    counts, first = _named_provinces(full.text)
    if place is not None and place.province not in counts:
        # only other provinces named (a cited document's or a partner's) or none: not the report's
        return _inferred("meta.province", place.province, place) if infer else []
    if not counts:
        return []
    if place is not None:
        pm = first[place.province]
        return [_cand(full, "meta.province", place.province, pm.start(), pm.end(),
                      f"province named; the body's place ({place.units[0].name}) lies in it", AT_HOME)]
    short = counts.most_common(1)[0][0]
    pm = first[short]
    return [_cand(full, "meta.province", short, pm.start(), pm.end(), "province named", NAMED)]


def _prefecture_in(name: str, year: int | None) -> list[gazetteer.Unit]:
    return [u for u in gazetteer.units(name + "市", year) if u.level == "prefecture"]


def _named_cities(text: str, year: int | None) -> tuple[Counter[str], dict[str, tuple[int, int]]]:
    """Prefecture cities named as 某市 in the text (a county-level city of the report's year is not one)."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int]] = {}
    known = gazetteer.cities()
    for cm in CITY_RE.finditer(text):
        name = cm.group(1)
        for k in range(len(name)):
            if name[k:] in known:
                if _prefecture_in(name[k:], year):
                    counts[name[k:]] += 1
                    first.setdefault(name[k:], (cm.start() + k, cm.end()))
                break
    return counts, first


def city(ctx: Context, body_name: str | None, place: Place | None, year: int | None,
         infer: bool = False) -> list[Candidate]:
    """The report's prefecture city among those the text names (see the module doc); with `infer`, the body's
    place's prefecture city when the text does not name it."""
    full, text = ctx.full, ctx.full.text
    counts, first = _named_cities(text, year)
    if place is not None:
        if place.prefecture_id:
            mine = [c for c, _ in counts.most_common() if c in place.prefecture_names]
            lead = sorted((c for c in place.prefecture_names if body_name and body_name.startswith(c)), key=len)[::-1]
            if not mine and lead and place.county_id is None and (m := re.search(re.escape(lead[0]), text)):
                # the body's name begins with its city's name (衡阳国家高新区), not a county's (衡阳县)
                first[lead[0]] = (m.start(), m.end())
                mine = lead
            if not mine:
                name = gazetteer.prefecture_name(place.prefecture_id, year) if infer else None
                return _inferred("meta.city", name, place) if name else []
            s, e = first[mine[0]]
            return [_cand(full, "meta.city", mine[0], s, e,
                          f"city named; the body's place ({place.units[0].name}) lies in it", AT_HOME - 0.05)]
        if place.exact:
            return []  # a province's body, a municipality's district, a county under its province: no city
        counts = Counter({c: n for c, n in counts.items()
                          if any(u.province == place.province for u in _prefecture_in(c, year))})
    if body_name:
        for c in gazetteer.cities():
            if body_name.startswith(c) and _prefecture_in(c, year):
                counts[c] += 2
                m2 = re.search(re.escape(c), text)
                if m2:
                    first.setdefault(c, (m2.start(), m2.end()))
    if counts:
        c = counts.most_common(1)[0][0]
        if c not in gazetteer.provinces():  # 吉林市 or 吉林省: with no place to tell, not guessed
            s, e = first[c]
            return [_cand(full, "meta.city", c, s, e, "city named", NAMED_CITY)]
    return []


def city_level(body: str, year: int | None) -> str | None:
    """`county` for a county-level city's body (桦甸市人民政府, 吉林省桦甸市政府), `prefecture` for a prefecture
    city's (淮安市人民政府), None when the gazetteer cannot tell (not a 某市 body, unknown or both in that year)."""
    m = CITY_BODY.match(body)
    if not m:
        return None
    chain = gazetteer.leading_names(m.group("place"), year)
    if not chain or chain[-1][1] != len(m.group("place")):
        return None
    county = gazetteer.is_county_level_city(m.group("place")[chain[-1][0] :], year)
    return None if county is None else ("county" if county else "prefecture")
