"""Checks across reports: body keys and duplicates, the identities between one body's consecutive years (pure and over
the run database), on synthetic five-year corpora with planted breaks."""

from __future__ import annotations

import csv
import json
import os
import random
import sqlite3

import pytest
from typer.testing import CliRunner

from extractor.cli.app import app
from extractor.core.catalogue import paths
from extractor.core.result import REASONS, known
from extractor.evaluation import years
from extractor.export_cells import COLUMNS
from extractor.reconcile.across import (
    AGREE,
    DISAGREE,
    IN_FORCE,
    SETTLED,
    WITNESS_DISAGREES,
    Cell,
    Facts,
    check,
    check_all,
    identities,
)
from extractor.reconcile.bodies import Identity, body_key, duplicates, name_from_title, normalise
from extractor.template.legacy import BY_KEY
from extractor.template.spec import REQUESTS

from .conftest import GOLD

FWD, IN = REQUESTS.path("carried_forward", "total"), REQUESTS.path("carried_over_in", "total")


# ---- body keys


@pytest.mark.parametrize("names", [
    [("平潭综合实验区", "福建"), ("平潭综合实验区管委会", "福建省"), ("平潭综合实验区管理委员会", "福建"),
     ("平潭综合实验区党工委管委会", "福建"), ("福建省平潭综合实验区管委会", None), ("平潭綜合實驗區管委會", "福建")],
    [("河北省教育厅", "河北"), ("河北教育厅", None), ("河北省教育廳", None), ("教育厅", "河北省")],
    [("淮安市人民政府", None), ("淮安市政府", "江苏"), ("淮安人民政府", None), ("江苏省淮安市人民政府", None)],
    [("桦甸市人民政府新华街道办事处", None), ("桦甸市新华街道", None), ("桦甸市新华街道办", None)],
    [("广西柳州市政府", None), ("柳州市人民政府", "广西")],
])
def test_the_names_one_body_prints_meet_in_one_key(names):
    keys = {body_key(n, 0.8, None, p).key for n, p in names}
    assert len(keys) == 1, keys


@pytest.mark.parametrize("a, b", [
    (("平潭综合实验区", "福建"), ("平潭综合实验区地方税务局", "福建")),  # a department of the zone is not the zone
    (("河北省教育厅", None), ("河北省人民政府", None)),
    (("吉林市人民政府", None), ("吉林省人民政府", None)),  # the city, not the province of the same name
    (("谢塘镇", "浙江"), ("谢塘镇", "安徽")),  # one town name in two provinces
    (("石家庄市人民政府", None), ("石家庄市人民政府办公室", None)),  # the office reports on its own
    (("北京市朝阳区人民政府", None), ("朝阳市人民政府", None)),
])
def test_distinct_bodies_keep_distinct_keys(a, b):
    assert body_key(a[0], 0.8, None, a[1]).key != body_key(b[0], 0.8, None, b[1]).key


def test_a_name_that_does_not_say_where_has_a_lower_confidence_and_the_title_is_a_fallback():
    placed, unplaced = body_key("淮安市人民政府", 0.8), body_key("谢塘镇", 0.8)
    assert placed.confidence > unplaced.confidence
    assert body_key(None, 0.0) is None
    from_title = body_key(None, 0.0, "平潭综合实验区2019年政府信息公开工作年度报告", "福建")
    assert from_title.key == body_key("平潭综合实验区", 0.8, None, "福建").key and from_title.source == "title"
    assert from_title.confidence < 0.6
    assert name_from_title("2019年政府信息公开工作年度报告") is None


def test_the_place_resolution_is_one_pluggable_step(monkeypatch):
    from extractor.reconcile import bodies

    monkeypatch.setattr(bodies, "PLACE_STEP", lambda s: "福建省" + s if s.startswith("平潭") else s)
    assert body_key("平潭综合实验区", 0.8).key == "平潭综合实验区@福建省"
    assert body_key("平潭综合实验区", 0.8).confidence == 0.8  # resolved by the step: a placed name


def test_duplicates_keep_the_annual_report_then_the_fuller_copy():
    k = body_key("淮安市人民政府", 0.8)
    reps = [Identity("a", k, 2020, "work_summary", 90), Identity("b", k, 2020, "annual_report", 10),
            Identity("c", k, 2020, "annual_report", 40), Identity("d", k, 2021, "annual_report", 5),
            Identity("e", None, 2020, "annual_report", 99)]
    assert duplicates(reps) == {"a": "c", "b": "c"}


# ---- the identities, pure


def _facts(rid: str, year: int, cells: dict[str, Cell], template: str = "2021") -> Facts:
    return Facts(rid, f"/r/{rid}.txt", "body", year, template, cells)


def _v(value, start=0):
    return Cell(value, "verified", 0.9, str(value), (start, start + len(str(value))))


def _amb(*readings):
    alts = tuple({"value": v, "evidence": str(v), "span": [s, s + len(str(v))]} for v, s in readings)
    return Cell(None, "ambiguous", 0.0, None, None, alts)


def test_carry_agrees_disagrees_and_settles_a_cut():
    a = _facts("a", 2021, {FWD: _v(5)})
    carry_total = next(i for i in identities(a, a) if i.name == "carry:total")
    assert check(carry_total, (a, _facts("b", 2022, {IN: _v(5)}))).outcome == AGREE
    f = check(carry_total, (a, _facts("b", 2022, {IN: _v(6)})))
    assert f.outcome == DISAGREE and [s.value for s in f.sides] == [5, 6] and not f.witness
    settled = check(carry_total, (a, _facts("b", 2022, {IN: _amb((15, 10), (5, 11))}))).sides[1]
    assert (settled.value, settled.span, settled.settled) == (5, (11, 12), True)
    assert check(carry_total, (a, _facts("b", 2022, {IN: _amb((5, 10), (5, 11))}))) is None  # two readings fit
    assert check(carry_total, (a, _facts("b", 2022, {IN: _amb((15, 10), (51, 11))}))) is None  # none fits
    assert check(carry_total, (a, _facts("b", 2022, {}))) is None  # nothing to compare


def test_the_documents_in_force_are_a_witness_and_settle_a_joint_cut():
    n, t = "proactive.normative_documents", "proactive.normative_documents"
    a = _facts("a", 2021, {f"{n}_in_force": _v(417)})
    ok = _facts("b", 2022, {t: _v(12), f"{n}_repealed": _v(30), f"{n}_in_force": _v(399)})
    assert check(IN_FORCE, (a, ok)).outcome == AGREE
    recount = _facts("b", 2022, {t: _v(12), f"{n}_repealed": _v(30), f"{n}_in_force": _v(420)})
    f = check(IN_FORCE, (a, recount))
    assert f.outcome == WITNESS_DISAGREES and f.witness
    # 规范性文件1230399 cut as 12|30|399 or 123|0|399 or 1|230|399 ...: only 12|30 keeps 417 + x - y = 399
    cut = _facts("b", 2022, {t: _amb((12, 0), (123, 0), (1, 0)), f"{n}_repealed": _amb((30, 2), (0, 3), (230, 1)),
                             f"{n}_in_force": _v(399, 4)})
    s = check(IN_FORCE, (a, cut))
    assert s.outcome == SETTLED and {x.path: x.value for x in s.sides if x.settled} == {t: 12, f"{n}_repealed": 30}
    assert IN_FORCE not in identities(a, _facts("b", 2022, {}, "2019"))
    # readings of one row must cut one run: 1|2 taken from 1219399 leaves 19 between them and the 399 read after
    run = _facts("b", 2022, {t: _amb((1, 0), (12, 0)), f"{n}_repealed": _amb((2, 1), (19, 2)),
                             f"{n}_in_force": _v(399, 4)})
    run.text = "1219399"
    one = Facts("a", "/r/a.txt", "body", 2021, "2021", {f"{n}_in_force": _v(290)})  # 290 + 1 - 2 = 289 ≠ 399
    assert check(IN_FORCE, (one, run)) is None
    fits = Facts("a", "/r/a.txt", "body", 2021, "2021", {f"{n}_in_force": _v(406)})  # 406 + 12 - 19 = 399
    assert [x.value for x in check(IN_FORCE, (fits, run)).sides if x.settled] == [12, 19]
    wrong = Facts("a", "/r/a.txt", "body", 2021, "2021", {f"{n}_in_force": _v(400)})  # 400 + 1 - 2: digits between
    assert check(IN_FORCE, (wrong, run)) is None


def test_a_decided_cell_counts_with_its_decided_value_and_only_consecutive_years_pair():
    carry_total = next(i for i in identities(_facts("a", 1, {}), _facts("b", 2, {})) if i.name == "carry:total")
    a = _facts("a", 2021, {FWD: Cell(7, "decided", 1.0, None, None, (), True)})
    assert check(carry_total, (a, _facts("b", 2022, {IN: _v(7)}))).outcome == AGREE
    far = check_all([_facts("a", 2019, {FWD: _v(5)}), _facts("b", 2021, {IN: _v(6)})])
    assert far == []


def test_every_reason_code_is_declared_with_words():
    for code in ("across_years_agree", "across_years_disagree", "across_years_settled"):
        assert known(code) and len(REASONS[code]) > 30


# ---- over the run database, on synthetic bodies over five years


def _run(tmp_path, paths, name="r"):
    db = tmp_path / f"{name}.db"
    res = CliRunner().invoke(app, ["run", *paths, "--out", str(tmp_path / f"{name}_out"), "--db", str(db),
                                   "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output
    return db, res.output


def _report_names(db) -> dict[str, str]:
    con = sqlite3.connect(db)
    return {rid: path.rsplit("/", 1)[-1].rsplit(".", 1)[0] for rid, path in con.execute("SELECT id, path FROM reports")}


@pytest.fixture(scope="module")
def five_years(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("years")
    c = years.corpus(seed=3, bodies=4, years=5)
    db, out = _run(tmp, years.write(c, str(tmp / "reports")))
    return c, db, out, tmp


def _found_and_planted(c, db):
    """(what the checks found failing, the planted breaks whose cells were read, the planted ones hidden by a cell
    left unread): by (later year, body)."""
    res = CliRunner().invoke(app, ["check", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    found: dict = {}
    for f in s["findings"]:
        if f["outcome"] in (DISAGREE, WITNESS_DISAGREES):
            found.setdefault((f["sides"][-1]["year"], f["body"].split("@")[0]), set()).add(f["identity"])
    planted: dict = {}
    hidden = 0
    for p in c.planted:
        if _readable(db, c, p):
            # the body as its key names it (the gazetteer writes a county under its prefecture: 白山市临江市)
            planted.setdefault((p.year, normalise(p.body)[0]), set()).update(p.identities)
        else:
            hidden += 1
    return s, found, planted, hidden


def test_every_planted_break_is_found_and_none_invented(five_years):
    c, db, out, _ = five_years
    assert "checks across reports:" in out
    s, found, planted, hidden = _found_and_planted(c, db)
    assert s["pairs"] == 4 * 4 and s["duplicates"] == {}
    assert found == planted  # every break whose cells were read is found; nothing else fails
    assert hidden <= 1 and sum(p.kind == years.CARRY for p in c.planted) == 4 and s["agree"] > 50


@pytest.mark.parametrize("seed", [5, 8])
def test_planted_breaks_on_more_corpora(tmp_path, seed):
    c = years.corpus(seed=seed, bodies=3, years=5, carry_breaks=2, recounts=1,
                     layouts=("pipes", "run_together", "cell_per_line", "html"))
    db, _ = _run(tmp_path, years.write(c, str(tmp_path / "reports")))
    s, found, planted, hidden = _found_and_planted(c, db)
    assert found == planted and hidden <= 2 and len(planted) >= 4, (found, planted)


def _readable(db, c, p) -> bool:
    """Whether every cell a planted break is between was read (a cell left ambiguous with no fitting reading hides it)."""
    names = {v: k for k, v in _report_names(db).items()}
    rep = {(r.place, r.year): names[r.name] for r in c.reports}
    if p.kind == years.CARRY:
        cells = [(rep[p.body, p.year - 1], REQUESTS.path("carried_forward", i.split(":")[1])) for i in p.identities]
        cells += [(rep[p.body, p.year], REQUESTS.path("carried_over_in", i.split(":")[1])) for i in p.identities]
    else:
        n = "proactive.normative_documents"
        cells = [(rep[p.body, p.year - 1], f"{n}_in_force")] + [(rep[p.body, p.year], x) for x in
                                                                 (n, f"{n}_repealed", f"{n}_in_force")]
    con = sqlite3.connect(db)
    return all(con.execute("SELECT value FROM field_values WHERE report_id = ? AND path = ? AND value != 'null'",
                           c_).fetchone() for c_ in cells)


def test_a_failure_is_a_review_item_naming_both_reports_and_a_witness_is_never_flagged(five_years):
    c, db, _, _ = five_years
    items = json.loads(CliRunner().invoke(app, ["review", "list", "--db", str(db), "--json", "--reason",
                                                "across_years_disagree"]).output)
    carry = [p for p in c.planted if p.kind == years.CARRY]
    assert len(items) == len(carry) * 2 * 2 + len(carry) * 2  # each column and total cell, both sides; the summaries
    for i in items:
        assert i["priority"] == 0
        others = [x for x in i["context"] if " report " in x["label"]]
        assert others and others[0]["text"] and "carry:" in others[0]["label"]
    assert not [i for i in items if "normative" in i["path"]]


def test_ambiguous_cuts_settled_by_a_neighbour_year_are_right(tmp_path):
    c = years.corpus(seed=11, bodies=6, years=5, carry_breaks=0, recounts=0,
                     layouts=("run_together", "run_together", "pipes"))
    db, out = _run(tmp_path, years.write(c, str(tmp_path / "reports")))
    truth = c.truth()
    names = _report_names(db)
    con = sqlite3.connect(db)
    settled = [(names[r], p, json.loads(v)) for r, p, v in con.execute(
        "SELECT report_id, path, value FROM field_values WHERE reasons LIKE '%across_years_settled%'"
        " AND path NOT IN ('requests.carried_forward', 'requests.carried_over_in')")]
    cells = [s for s in settled if (s[0], s[1]) in truth]
    assert cells, out  # the corpus is drawn so that some cuts are settled
    assert f"({len(settled)} cell(s))" in out
    for name, path, value in cells:
        assert truth[name, path] == value, (name, path)
    assert "0 disagree" in out
    left = con.execute("SELECT COUNT(*) FROM field_values WHERE status = 'ambiguous' AND path LIKE '%carried%'"
                       ).fetchone()[0]
    print(f"settled {len(settled)}, carry cells still ambiguous {left}")


def test_a_check_twice_changes_nothing_and_never_overrides_a_decision(five_years):
    _, db, _, _ = five_years
    con = sqlite3.connect(db)
    before = con.execute("SELECT report_id, path, confidence, reasons, value FROM field_values ORDER BY 1, 2").fetchall()
    item = json.loads(CliRunner().invoke(app, ["review", "list", "--db", str(db), "--json", "--reason",
                                               "across_years_disagree"]).output)[0]
    res = CliRunner().invoke(app, ["review", "decide", str(item["id"]), "--value", "0", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert CliRunner().invoke(app, ["check", "--db", str(db)]).exit_code == 0
    after = con.execute("SELECT report_id, path, confidence, reasons, value FROM field_values ORDER BY 1, 2").fetchall()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert all(a[1] in (item["path"], item["path"].replace("standard_table.", "").replace(".total", ""))
               or "carried" in a[1] for a, _ in changed), changed
    state = con.execute("SELECT state FROM review_items WHERE id = ?", (item["id"],)).fetchone()[0]
    assert state == "decided"
    d = con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    assert d == 1


def test_a_rerun_of_the_checks_is_stable(five_years):
    _, db, _, _ = five_years
    con = sqlite3.connect(db)
    CliRunner().invoke(app, ["check", "--db", str(db)])
    one = con.execute("SELECT report_id, path, confidence, reasons FROM field_values ORDER BY 1, 2").fetchall()
    CliRunner().invoke(app, ["check", "--db", str(db)])
    two = con.execute("SELECT report_id, path, confidence, reasons FROM field_values ORDER BY 1, 2").fetchall()
    assert one == two


def test_the_generator_chains_its_years():
    c = years.body_years(random.Random(5), 0, 2019, 5, {}, ("pipes",))
    for a, b in zip(c.reports, c.reports[1:], strict=False):
        assert a.tables.requests["carried_forward"] == b.tables.requests["carried_over_in"]
        if a.version == b.version == "2021":
            prev, (issued, repealed, now) = a.table2.cells["normative"][2], b.table2.cells["normative"]
            assert prev + issued - repealed == now
        if a.version == b.version == "2019":
            assert a.table2.cells["licensing"][0] + a.table2.cells["licensing"][1] == b.table2.cells["licensing"][0]


# ---- the dev set's bodies over several years, and the exports

DEV = os.path.join(GOLD, "dev", "reports")
MULTI_YEAR = ("003_", "004_", "007_", "008_", "100_", "101_", "104_")


@pytest.fixture(scope="module")
def dev_bodies(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    files = sorted(os.path.join(DEV, f) for f in os.listdir(DEV) if f.startswith(MULTI_YEAR))
    db, out = _run(tmp, files)
    return db, out, tmp


def test_the_dev_sets_bodies_are_grouped_by_their_keys(dev_bodies):
    db, _, tmp = dev_bodies
    out = tmp / "cells.jsonl"
    res = CliRunner().invoke(app, ["export", str(out), "--format", "cells", "--db", str(db)])
    assert res.exit_code == 0 and "10 report(s)" in res.output, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    names = _report_names(db)
    who = {names[r["report_id"]][:4]: (r["body_key"], r["report_year"], r["duplicate_of"]) for r in rows
           if r["field"] == "meta.title" and not r["report_path"].endswith(".html")}
    html = {names[r["report_id"]][:4]: (r["body_key"], r["report_year"], r["duplicate_of"]) for r in rows
            if r["field"] == "meta.title" and r["report_path"].endswith(".html")}
    pingtan = {who[k][0] for k in ("004_", "007_", "008_")} | {html[k][0] for k in html}
    hebei = {who[k][0] for k in ("100_", "101_", "104_")}
    assert len(pingtan) == 1 and len(hebei) == 1 and pingtan != hebei and who["003_"][0] not in pingtan | hebei
    assert sorted(who[k][1] for k in ("004_", "007_", "008_")) == [2014, 2019, 2021]
    assert sorted(who[k][1] for k in ("100_", "101_", "104_")) == [2014, 2019, 2021]
    # each Pingtan year is there twice (the text dump and the web page): one of the two is marked, the other kept
    for k in ("004_", "007_", "008_"):
        assert sum(x[2] is None for x in (who[k], html[k])) == 1
    ds = tmp / "ds.csv"
    assert CliRunner().invoke(app, ["export", str(ds), "--db", str(db)]).exit_code == 0
    marked = [r for r in csv.DictReader(ds.open(encoding="utf-8-sig")) if r["duplicate_of"]]
    assert len(marked) == 3 and all(r["body_key"] for r in marked)


def test_the_cell_export_has_a_row_per_report_and_field_in_every_container(dev_bodies):
    import pyarrow.parquet as pq

    db, _, tmp = dev_bodies
    sizes = {}
    for ext in ("parquet", "csv", "jsonl"):
        out = tmp / f"c.{ext}"
        res = CliRunner().invoke(app, ["export", str(out), "--format", "cells", "--db", str(db)])
        assert res.exit_code == 0, res.output
        if ext == "parquet":
            t = pq.read_table(out)
            assert t.column_names == list(COLUMNS)
            rows = t.to_pylist()
        elif ext == "csv":
            rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        else:
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        sizes[ext] = len(rows)
        assert len({(r["report_id"], r["field"]) for r in rows}) == len(rows) == 10 * len(paths(True))
        got = [r for r in rows if r["field"] == "requests.received" and r["report_year"] in (2019, "2019")]
        assert got and all(r["page"] in (None, "") for r in rows[:50])
        assert any(str(r["value"]) == "23" and r["evidence"] and r["span_start"] not in (None, "") for r in got)
    assert len(set(sizes.values())) == 1
    bad = CliRunner().invoke(app, ["export", str(tmp / "c.txt"), "--format", "cells", "--db", str(db)])
    assert bad.exit_code == 2 and ".parquet, .csv or .jsonl" in bad.output


def test_a_decision_shows_in_the_cell_export(dev_bodies):
    db, _, tmp = dev_bodies
    item = json.loads(CliRunner().invoke(app, ["review", "list", "--db", str(db), "--json"]).output)[0]
    assert CliRunner().invoke(app, ["review", "decide", str(item["id"]), "--null", "--db", str(db),
                                    "--reviewer", "dana"]).exit_code == 0
    out = tmp / "d.jsonl"
    CliRunner().invoke(app, ["export", str(out), "--format", "cells", "--db", str(db)])
    row = next(json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()
               if json.loads(line)["report_id"] == item["report_id"] and json.loads(line)["field"] == item["path"])
    assert (row["decision"], row["reviewer"], row["status"], row["value"]) == ("null", "dana", "decided", None)


def _real(name: str) -> dict:
    """A bundled report's field values and its cells that are no field, as the checks read them."""
    from extractor.ingest import load
    from extractor.pipeline import process
    from extractor.rules.backend import RulesBackend
    from extractor.rules.beyond import cells_at

    path = os.path.join(DEV, name)
    out = {k: r.value for k, r in process(load(path), RulesBackend()).fields.items()}
    return out | {k: c.value for k, (c, _f) in cells_at(path).items()}


PINGTAN = ("007_pingtan_zone_2014_oldstyle_spaced_table.txt", "004_pingtan_zone_2019_flattened_tables.txt",
           "008_pingtan_zone_2021_flattened_tables_sitenoise.txt")
HEBEI = ("104_hebei_education_dept_2014_narrative_csvrow.txt", "101_hebei_education_dept_2019_blank_cells_csvrow.txt",
         "100_hebei_education_dept_2021_cr_separated_cells_csvrow.txt")


def _neighbours(out, breaks: bool) -> list[str]:
    """Synthetic neighbours of the dev set's Pingtan and Hebei reports (2015 after Pingtan's 2014 统计表, 2020 between
    2019 and 2021, 2022 after 2021); with `breaks`, Pingtan 2015's 行政复议 历年累计 and Hebei 2022's 上年结转 of
    natural persons are off."""
    rng = random.Random(7)
    p14, p19, p21 = (_real(n) for n in PINGTAN)
    h19, h21 = (_real(n) for n in HEBEI[1:])
    row = next(k for k in ("reconsideration_total", "litigation_total", "complaints", "fees_combined")
               if f"legacy.{k}.cumulative" in p14) if breaks else None
    h21_next = h21
    if breaks:
        h21_next = dict(h21, **{REQUESTS.path("carried_forward", "natural_person"):
                           h21[REQUESTS.path("carried_forward", "natural_person")] + 3})
    texts = {"pingtan_2015": years.legacy_neighbour(rng, 2015, "福建省平潭综合实验区管委会", p14, row)[0],
             "pingtan_2020": years.standard_neighbour(rng, 2020, "福建省平潭综合实验区管委会", p19, p21)[0],
             "pingtan_2022": years.standard_neighbour(rng, 2022, "福建省平潭综合实验区管理委员会", p21)[0],
             "hebei_2020": years.standard_neighbour(rng, 2020, "河北省教育厅", h19, h21)[0],
             "hebei_2022": years.standard_neighbour(rng, 2022, "河北省教育厅", h21_next)[0]}
    paths = [os.path.join(DEV, n) for n in PINGTAN + HEBEI]
    for name, text in texts.items():
        p = out / f"{name}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(str(p))
    return paths


@pytest.mark.parametrize("breaks", [False, True])
def test_the_dev_sets_bodies_with_synthetic_neighbours(tmp_path, breaks):
    db, out = _run(tmp_path, _neighbours(tmp_path, breaks))
    s = json.loads(CliRunner().invoke(app, ["check", "--db", str(db), "--json"]).output)
    print(out.splitlines()[-1], s["by_identity"])
    assert s["bodies_over_years"] == 2 and s["pairs"] == 7  # Pingtan 2014-15, 2019-20-21-22; Hebei 2019-20-21-22
    identities = {f["identity"].split(":")[0] for f in s["findings"]} | set(s["by_identity"])
    assert {"carry", "cumulative", "items", "in_force"} <= identities  # every kind of identity met
    failed = {(f["identity"], f["sides"][-1]["year"]) for f in s["findings"] if f["outcome"] == DISAGREE}
    if not breaks:
        assert failed == set() and s["agree"] > 40
    else:
        row = next(f["identity"] for f in s["findings"] if f["identity"].startswith("cumulative:"))
        assert failed == {(row, 2015), ("carry:natural_person", 2022), ("carry:total", 2022)}


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_statistics_table_body_over_five_years_with_a_break_in_its_cumulative_column(tmp_path, seed):
    c = years.legacy_years(random.Random(seed), 2, 2009, 5, break_year=2012)
    db, out = _run(tmp_path, years.write(c, str(tmp_path / "reports")))
    s = json.loads(CliRunner().invoke(app, ["check", "--db", str(db), "--json"]).output)
    assert s["pairs"] == 4 and s["by_identity"]["cumulative"]["agree"] > 10, s["by_identity"]
    failed = {(f["identity"], f["sides"][-1]["year"]) for f in s["findings"] if f["outcome"] == DISAGREE}
    (planted,) = c.planted
    (identity,) = planted.identities
    assert failed == {(identity, 2012)}
    items = json.loads(CliRunner().invoke(app, ["review", "list", "--db", str(db), "--json", "--reason",
                                                "across_years_disagree"]).output)
    # the item is on the one field among the identity's cells: 本年度 of the later year (历年累计 is no field)
    assert [i["path"] for i in items] == list(BY_KEY[identity.split(":")[1]].fields)


def test_a_carry_cut_left_ambiguous_is_settled_with_its_summary_and_its_item_closes(tmp_path):
    c = years.corpus(seed=2, bodies=1, years=3, carry_breaks=0, recounts=0, layouts=("pipes",))
    db, _ = _run(tmp_path, years.write(c, str(tmp_path / "reports")))
    later = c.reports[1]
    rid = {v: k for k, v in _report_names(db).items()}[later.name]
    con = sqlite3.connect(db)
    value, ev, s, e = con.execute("SELECT value, evidence, span_start, span_end FROM field_values WHERE report_id = ?"
                                  " AND path = ?", (rid, IN)).fetchone()
    true = json.loads(value)
    AMB = json.dumps(["ambiguous_split"])  # noqa: N806
    # the cell as a run-together cut would leave it: null, two readings; its summary not copied; in the queue
    alts = [{"value": true, "evidence": ev, "span": [s, e], "method": "table", "backend": "rules", "status": None,
             "reasons": []},
            {"value": true * 10 + 7, "evidence": ev + "7", "span": [s, e + 1], "method": "table", "backend": "rules",
             "status": None, "reasons": []}]
    with con:
        con.execute("UPDATE field_values SET value = 'null', evidence = NULL, span_start = NULL, span_end = NULL,"
                    " status = 'ambiguous', confidence = 0, reasons = ?, alternatives = ? WHERE report_id = ? AND path = ?",
                    (AMB, json.dumps(alts), rid, IN))
        con.execute("DELETE FROM field_values WHERE report_id = ? AND path = 'requests.carried_over_in'", (rid,))
        con.execute("INSERT OR REPLACE INTO review_items (report_id, config_hash, path, state, priority, value, status,"
                    " confidence, reasons, created, updated) VALUES (?, (SELECT config_hash FROM results WHERE report_id"
                    " = ?), ?, 'open', 0, 'null', 'ambiguous', 0, ?, 0, 0)", (rid, rid, IN, AMB))
    s = json.loads(CliRunner().invoke(app, ["check", "--db", str(db), "--json"]).output)
    assert s["settled"] >= 1 and s["disagree"] == 0
    for path in (IN, "requests.carried_over_in"):
        v, status, reasons = con.execute("SELECT value, status, reasons FROM field_values WHERE report_id = ? AND"
                                         " path = ?", (rid, path)).fetchone()
        assert (json.loads(v), status) == (true, "verified") and "across_years_settled" in json.loads(reasons)
    assert con.execute("SELECT state FROM review_items WHERE report_id = ? AND path = ?", (rid, IN)).fetchone()[0] \
        == "closed"


def test_the_2019_item_counts_are_not_the_decisions():
    """What 2019 table 二's 上一年项目数量 carries over: the items (事项) with their 本年增/减, not the year's 处理决定数量.
    On the real 2019 reports the two are different quantities in the same row (Hebei: 9 licensing items, 16
    decisions; Pingtan prints 396 and 181), so 上一年项目数量 of N+1 is checked against items + change of N."""
    hebei = _real(HEBEI[1])
    assert (hebei["table2.licensing.previous"], hebei["table2.licensing.change"]) == (9, 0)
    assert hebei["proactive.licensing_decisions"] == 16
    assert hebei["table2.licensing.previous"] != hebei["proactive.licensing_decisions"]
    item = next(i for i in identities(_facts("a", 2019, {}, "2019"), _facts("b", 2020, {}, "2019"))
                if i.name == "items:licensing")
    assert {t.path for t in item.terms} == {"table2.licensing.previous", "table2.licensing.change"}


def test_the_gazetteer_step_joins_a_county_renamed_or_named_with_and_without_its_city():
    names = ["洪泽县人民政府", "淮安市洪泽区人民政府", "洪泽区政府", "江苏省淮安市洪泽区人民政府"]
    keys = {body_key(n, 0.9).key for n in names}  # type: ignore[union-attr]
    assert keys == {"淮安市洪泽区"}
    # a name two places share is left as it is (朝阳区: Beijing's and Changchun's), and so is an unknown one
    assert body_key("朝阳区人民政府", 0.9).key.startswith("朝阳区")  # type: ignore[union-attr]
    assert body_key("谢塘镇人民政府", 0.9, province="浙江省").key == "谢塘镇@浙江省"  # type: ignore[union-attr]
