"""Who issued a report and for which year: a body key per report, and the reports that are one report twice.

The key is the issuing body's name normalised, so that the names one body prints over the years meet:

- script: folded to simplified (and NFKC), spaces and brackets dropped (`text.script.fold`);
- a party committee before the body (`中共…`, `…党工委管委会`, `党委`): dropped, the administration stays;
- the government suffix: `人民政府`, `政府`, `管委会`, `管理委员会` of a place's own administration are the place
  (`平潭综合实验区管委会` = `平潭综合实验区`, `淮安市人民政府` = `淮安市`); a `人民政府` inside a longer name is dropped
  too (`桦甸市人民政府新华街道办事处` = `桦甸市新华街道`), and a `街道办事处` is the `街道`. A department (`教育厅`, `统计局`,
  `…政府办公室`) stays a body of its own;
- the place part: first the gazetteer's resolution, one pluggable step (`PLACE_STEP`, by default `place_step`: a
  county-level place the data of `rules/gazetteer.py` knows for sure is written as its latest name under its
  prefecture, so 洪泽县 (2013) and 淮安市洪泽区 (2023) meet); then a
  province or a prefecture city named short gets its suffix (`河北教育厅` = `河北省教育厅`), a province before a city
  is dropped (the city is enough: `广西柳州市` = `柳州市`), and a province before anything else is kept apart and
  put after the name (`河北省教育厅` -> `教育厅@河北省`), so that it meets a report of 河北 that says `教育厅`.

A name that does not begin with a place known here (`谢塘镇`, `平潭综合实验区`) gets the province the report states
(`谢塘镇@浙江省`) and a lower confidence, lower still without one. Two reports with one key and one year are one
report twice (a mirror, a re-post, a 年报 and its 工作总结): `duplicates` keeps one, the others point at it.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractor.rules import gazetteer
from extractor.rules.gazetteer import cities, provinces
from extractor.text.script import fold

_DROP = re.compile(r"[\s()（）【】\[\]《》“”\"'·•,，、.。:：|]")
_PARTY = re.compile(r"^中共|^中国共产党|(?:党工委|党委|工委)(?=管委会|管理委员会|办公室|$)|(?:党工委|党委)(?=.)")
_GOV_SUFFIX = re.compile(r"(?:人民政府|管理委员会|管委会|政府)$")
_GOV_INNER = re.compile(r"(?:人民政府|管理委员会|管委会)(?=.)")
_STREET = re.compile(r"街道办事处$|街道办$")
_TITLE_TAIL = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?.*$|政府信息公开.*$|信息公开.*$")
_NOT_AFTER_SHORT = ("市", "县", "区", "州", "盟", "地区", "省")  # 吉林市 is a city, not 吉林省; 朝阳区 not 朝阳市
_PLACE_END = re.compile(r"(?:省|自治区|市|州|盟|地区|县|区|旗|镇|乡|街道|综合实验区|新区|开发区|实验区)")


def _leads_city(s: str) -> bool:
    return any(s.startswith(c) and not s[len(c):].startswith(_NOT_AFTER_SHORT[1:]) for c in cities())


def _city(name: str) -> str:
    """A name led by a prefecture city, the city with its 市 (淮安人民政府 -> 淮安市)."""
    for c in sorted(cities(), key=len, reverse=True):
        if name.startswith(c) and not name.startswith(c + "市") and not name[len(c):].startswith(_NOT_AFTER_SHORT):
            return c + "市" + name[len(c):]
    return name


def split_place(name: str) -> tuple[str, str | None, bool]:
    """(the name without a leading province, that province, whether the name begins with a place known here).

    A province before a city says nothing more (广西柳州市 = 柳州市: the city's name is enough); a province before
    anything else is kept apart, so that 河北省教育厅 and 教育厅 of a report in 河北 meet."""
    for short in sorted(provinces(), key=len, reverse=True):
        full = provinces()[short]
        for lead in (full, short):
            if not name.startswith(lead) or (lead == short and name[len(short):].startswith(_NOT_AFTER_SHORT)):
                continue
            rest = name[len(lead):]
            if not rest:
                return full, None, True  # the province's own government
            if _leads_city(rest):
                return _city(rest), None, True
            return rest, full, True
    if _leads_city(name):
        return _city(name), None, True
    return name, None, False


@cache
def _latest_names() -> dict[str, str]:
    """Each county-level unit's latest full name, by its stable id (洪泽县's id -> 洪泽区)."""
    return gazetteer.latest_county_names()


def place_step(name: str) -> str:
    """The gazetteer's step: a name that begins with a county-level place the data knows for sure (淮安市洪泽区…,
    洪泽县…, 洪泽区…) begins instead with that place's latest name under its prefecture (淮安市洪泽区), so that a
    county renamed or made a district, and a name with or without its city, meet; any other name is left as it is."""
    place = gazetteer.locate(name)
    if place is None or not place.exact or place.county_id is None:
        return name
    ids = {u.id for u in place.units}
    chain = gazetteer.leading_names(name)
    end = next((e for _, e, us in reversed(chain) if any(u.id in ids for u in us)), None)
    unit = max(place.units, key=lambda u: u.last)
    if end is None or unit.level != "county":
        return name
    latest = _latest_names().get(unit.id, unit.name)
    city = gazetteer.prefecture_name(place.prefecture_id) if place.prefecture_id else None
    head = "" if city is None else (city + "市" if gazetteer.units(city + "市") else city)
    return head + latest + name[end:]


PLACE_STEP: Callable[[str], str] = place_step


def normalise(name: str) -> tuple[str, str | None, bool]:
    """(the name as a key, the province it begins with, whether it begins with a place known here)."""
    s = _DROP.sub("", fold(name))
    s = _PARTY.sub("", s)
    s = _STREET.sub("街道", s)
    s = _GOV_INNER.sub("", s)
    s = _GOV_SUFFIX.sub("", s) or s
    resolved = PLACE_STEP(s)
    rest, province, known = split_place(resolved)
    return rest, province, known or resolved != s


def name_from_title(title: str) -> str | None:
    """The body a title names before its year or its genre words (`平潭综合实验区2019年政府信息公开…`)."""
    head = _TITLE_TAIL.sub("", _DROP.sub("", fold(title)))
    return head if len(head) >= 2 and _PLACE_END.search(head) else None


@dataclass(frozen=True)
class BodyKey:
    key: str  # the normalised name, with `@province` when the name alone does not say where
    confidence: float
    source: str  # issuing_body | title


def body_key(issuing_body: str | None, body_confidence: float, title: str | None = None,
             province: str | None = None) -> BodyKey | None:
    """The report's body key from its issuing body (else its title); None when neither names a body."""
    source, name, conf = "issuing_body", issuing_body, body_confidence
    if not name and title:
        source, name, conf = "title", name_from_title(title), 0.5
    if not name:
        return None
    key, named, placed = normalise(name)
    if placed:  # a city names where it is (广西柳州市 = 柳州市); a province the name begins with is kept apart
        province = named
    elif province:  # the report's province, for a name that does not say where (谢塘镇)
        province = provinces().get(_DROP.sub("", fold(province)).rstrip("省"))
    if province and province != key:
        key = f"{key}@{province}"
    if not placed:
        conf *= 0.9 if province else 0.7
    return BodyKey(key, round(min(conf, 0.95), 3), source)


@dataclass(frozen=True)
class Identity:
    """A report as the checks across reports see it: which body, which year, and how much of it was read."""

    report_id: str
    body: BodyKey | None
    year: int | None
    doc_type: str | None = None
    verified: int = 0  # fields verified with a value: the fuller of two copies is kept


def identity(report_id: str, values: Mapping[str, Any], confidence: Mapping[str, float], verified: int = 0) -> Identity:
    """A report's identity from its meta fields (`meta.issuing_body`, `meta.title`, `meta.province`,
    `meta.report_year`, `meta.doc_type`) and their confidences."""
    key = body_key(values.get("meta.issuing_body"), confidence.get("meta.issuing_body", 0.0), values.get("meta.title"),
                   values.get("meta.province"))
    year = values.get("meta.report_year")
    doc_type = values.get("meta.doc_type")
    return Identity(report_id, key, year if isinstance(year, int) and not isinstance(year, bool) else None,
                    doc_type if isinstance(doc_type, str) else None, verified)


def _rank(r: Identity) -> tuple[int, int, str]:
    return (r.doc_type != "annual_report", -r.verified, r.report_id)


def duplicates(reports: Iterable[Identity]) -> dict[str, str]:
    """report id -> the id of the report it repeats (same body key and year): the annual report before a work
    summary, then the one with more verified fields, then the lower id is the one kept."""
    groups: dict[tuple[str, int], list[Identity]] = {}
    for r in reports:
        if r.body is not None and r.year is not None:
            groups.setdefault((r.body.key, r.year), []).append(r)
    out: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            kept = min(members, key=_rank)
            out.update({m.report_id: kept.report_id for m in members if m is not kept})
    return out
