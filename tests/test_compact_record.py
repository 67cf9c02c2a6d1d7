"""The record a run writes is compact (its empty fields left out) and stands for the full record exactly; the run
database keys field values by small integers behind a view with the old columns; a resumed run reads the reports
done before back in bulk, and writes the same lines."""

from __future__ import annotations

import json
import math
import os
import sqlite3

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from extractor.bulk.sink import RESUME_BATCH
from extractor.cli import app as cli_app
from extractor.cli.app import app
from extractor.core.catalogue import catalogue
from extractor.core.record import GROUPS, compact, expand
from extractor.core.result import EMPTY
from extractor.core.schema import flatten
from extractor.evaluation import corpus
from extractor.ingest import load
from extractor.pipeline import process
from extractor.store import db as store_db
from extractor.store.db import MIGRATIONS, _statements, connect

from .conftest import report_files


@pytest.mark.parametrize("path", report_files("seed", "dev"), ids=os.path.basename)
def test_the_compact_record_stands_for_the_full_record(path, rules_backend):
    result = process(load(path), rules_backend)
    full, small = result.record(), result.compact()
    assert expand(small) == full
    assert set(small["fields"]) == set(GROUPS)
    kept = flatten(small["fields"])
    every = flatten(full["fields"])
    assert set(every) == set(catalogue())
    assert all(d != EMPTY for d in kept.values())  # only fields that say something are written
    assert {p for p, d in every.items() if d != EMPTY} == set(kept)  # and every one of them is
    assert list(kept) == [p for p in every if p in kept]  # in the full record's order, whatever order they came in
    assert len(json.dumps(small, ensure_ascii=False)) < len(json.dumps(full, ensure_ascii=False))


def test_a_compact_record_is_validated_field_by_field():
    head = {"id": "x", "path": "p", "sha256": "s", "encoding": "utf-8", "backend": "rules", "extractor_version": "0",
            "status": "done", "notes": []}
    ok = {**EMPTY, "value": 3, "status": "verified", "confidence": 0.9}
    assert compact(head, {"requests.received": ok})["fields"]["requests"]["received"]["value"] == 3
    with pytest.raises(ValidationError):
        compact(head, {"requests.received": {**ok, "value": "three"}})
    with pytest.raises(ValidationError):
        compact(head, {"requests.received": {**ok, "colour": "red"}})  # the strict schema: no unknown key
    with pytest.raises(ValueError, match="not fields of the catalogue"):
        compact(head, {"requests.invented": ok})


def _v9_database(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:9]:
        for stmt in _statements(script):
            con.execute(stmt)
    con.execute("PRAGMA user_version = 9")
    con.execute("INSERT INTO results VALUES ('r1', 'c1', 1, 1.0, 'done', NULL, 'rules', '[]', 0.7)")
    con.execute("INSERT INTO results VALUES ('r2', 'c1', 1, 2.0, 'failed', 'bad', 'rules', '[]', NULL)")
    con.executemany("INSERT INTO field_values VALUES ('r1', 'c1', 1, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, NULL)", [
        ("requests.received", "12", "收到申请12件", 3, 9, 0.9, "verified", "[]", "sentence", "[]"),
        ("proactive.total", "null", None, None, None, 0.0, "unread", '["table_not_read"]', None, "[]")])
    con.commit()
    return con


def test_migration_10_keeps_every_value_and_the_old_view_reads_and_writes(tmp_path):
    path = str(tmp_path / "old.db")
    before = _v9_database(path).execute("SELECT * FROM field_values ORDER BY path").fetchall()
    con = connect(path)  # migrates
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert [tuple(r) for r in con.execute("SELECT * FROM field_values ORDER BY path")] == before
    assert con.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 2
    assert tuple(con.execute("SELECT reasons, alternatives FROM field_data d JOIN field_names n ON n.id = d.field"
                             " WHERE n.path = 'requests.received'").fetchone()) == (None, None)  # [] kept as NULL
    with con:  # written through the view, as tools and older code write it
        con.execute("UPDATE field_values SET value = '13', reasons = '[\"x\"]' WHERE report_id = 'r1' AND"
                    " path = 'requests.received'")
        con.execute("INSERT OR IGNORE INTO field_values (report_id, config_hash, run_id, path, value, status)"
                    " VALUES ('r1', 'c1', 1, 'fees.charged_yuan', '0', 'verified')")
        con.execute("INSERT OR IGNORE INTO field_values (report_id, config_hash, run_id, path, value, status)"
                    " VALUES ('r1', 'c1', 1, 'fees.charged_yuan', '5', 'verified')")  # ignored: the row is there
        con.execute("DELETE FROM field_values WHERE report_id = 'r1' AND path = 'proactive.total'")
    rows = {r["path"]: (r["value"], r["reasons"]) for r in con.execute("SELECT * FROM field_values")}
    assert rows == {"requests.received": ("13", '["x"]'), "fees.charged_yuan": ("0", "[]")}


def _traced(monkeypatch) -> list[str]:
    """Every statement the run database's connections execute."""
    seen: list[str] = []
    real = store_db.connect

    def connect_traced(*a, **k):
        con = real(*a, **k)
        con.set_trace_callback(seen.append)
        return con

    monkeypatch.setattr(store_db, "connect", connect_traced)
    return seen


def test_a_resumed_run_reads_the_reports_done_before_in_bulk_and_writes_the_same_lines(tmp_path, monkeypatch):
    n = RESUME_BATCH + 44
    src = tmp_path / "corpus"
    corpus.write(str(src), n, seed=3, with_gold=False)
    out, db = tmp_path / "out", tmp_path / "run.db"
    args = ["run", str(src / "reports"), "--out", str(out), "--db", str(db), "--no-progress", "--workers", "2"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    lines = (out / "results.jsonl").read_text(encoding="utf-8")
    csv_text = (out / "results.csv").read_text(encoding="utf-8-sig")
    seen = _traced(monkeypatch)
    monkeypatch.setattr(cli_app, "_check_across", lambda store, run: None)  # its reads are its own, not the resume's
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and f"reports done: 0  skipped (done before): {n}" in again.output, again.output
    assert (out / "results.jsonl").read_text(encoding="utf-8") == lines  # byte for byte, in input order
    assert (out / "results.csv").read_text(encoding="utf-8-sig") == csv_text
    reads = [s for s in seen if "JOIN field_data" in s and "report_id IN" in s]
    assert len(reads) == math.ceil(n / RESUME_BATCH)  # the field values of 256 reports per query, not one each
    assert sum("status = 'done'" in s and "FROM results" in s for s in seen) == 1  # what is done: one query


def _by_model(path, d):
    from extractor.core.schema import field_model

    try:
        return field_model(path).model_validate(d).model_dump(mode="json")
    except ValidationError:
        return ValidationError


_ODD = [  # what the direct check must leave to the model (coerced or refused), and what it takes itself
    ("requests.received", {"value": 3}), ("requests.received", {"value": True}), ("requests.received", {"value": 2.0}),
    ("requests.received", {"value": "3"}), ("requests.received", {"value": 2.5}), ("requests.received", {"value": 7}),
    ("requests.received", {"confidence": 1}), ("requests.received", {"confidence": 1.5}),
    ("requests.received", {"confidence": math.nan}), ("requests.received", {"confidence": 0.42}),
    ("requests.received", {"span": (3, 9)}), ("requests.received", {"span": [3, 9]}),
    ("requests.received", {"span": [3.0, 9]}), ("requests.received", {"span": [1, 2, 3]}),
    ("requests.received", {"approximate": 1}), ("requests.received", {"page": 0}), ("requests.received", {"page": 2}),
    ("requests.received", {"status": "invented"}), ("requests.received", {"reasons": ["sum_ok", 3]}),
    ("requests.received", {"reasons": ("sum_ok",)}), ("requests.received", {"method": 5}),
    ("requests.received", {"alternatives": [{"value": 4, "span": (1, 2)}]}),
    ("requests.received", {"alternatives": [{"value": 4, "colour": "red"}]}),
    ("requests.received", {"alternatives": [{"evidence": "x"}]}),
    ("requests.received", {"alternatives": [{"value": [1, "a"], "status": "verified", "reasons": ["x"]}]}),
    ("requests.received", {"alternatives": [{"value": math.inf}]}),
    ("requests.received", {"alternatives": [{"value": {"a": 1}, "status": "nope"}]}),
    ("fees.charged_yuan", {"value": 1.5}), ("fees.charged_yuan", {"value": math.inf}),
    ("fees.charged_yuan", {"value": False}), ("meta.title", {"value": 3}), ("meta.title", {"value": "标题"}),
    ("meta.published_on", {"value": "2020-01-02"}), ("meta.published_on", {"value": "2020-1-2"}),
    ("meta.published_on", {"value": "２０２０-01-02"}), ("meta.published_on", {"value": "2020-01-02\n"}),
    ("meta.doc_type", {"value": "other"}), ("meta.doc_type", {"value": "invented"}),
    ("assessment.problems", {"value": ["a", "b"]}), ("assessment.problems", {"value": ["a", 1]}),
    ("assessment.problems", {"value": "a"}),
]


@pytest.mark.parametrize(("path", "change"), _ODD)
def test_each_field_is_written_as_its_model_would_write_it_or_refused_as_it_would(path, change):
    from extractor.core.record import validated

    assert path in catalogue()
    d = {**EMPTY, "status": "verified", "confidence": 0.9, **change}
    want = _by_model(path, d)
    if want is ValidationError:
        with pytest.raises(ValidationError):
            validated(path, d)
    else:
        got = validated(path, d)
        assert got == want and list(got) == list(want)
        assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
