"""The store as the bottom layer: it imports nothing above core, its configuration hash covers the whole package,
and a store without the review routing reads but does not save."""

from __future__ import annotations

import ast
import os
import pathlib

import pytest

import extractor
from extractor.store import results
from extractor.store.db import connect

STORE = pathlib.Path(extractor.__file__).parent / "store"


def _imported(path: pathlib.Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m == "extractor" or m.startswith("extractor.")}


@pytest.mark.parametrize("path", sorted(STORE.glob("*.py")), ids=lambda p: p.name)
def test_the_store_imports_nothing_above_core(path):
    above = sorted(m for m in _imported(path) if m != "extractor" and not m.startswith(("extractor.core.",
                                                                                         "extractor.store.")))
    assert above == [], f"{path.name} imports {above}"


def test_the_code_version_hashes_every_module_of_the_package(tmp_path, monkeypatch):
    assert os.path.samefile(results.PACKAGE, os.path.dirname(extractor.__file__))
    names = {os.path.relpath(p, results.PACKAGE) for p in results._sources()}
    assert {"store/results.py", "rules/narrative.py", "reconcile/pick.py", "template/read.py"} <= names
    # a pattern changed outside the store is a changed configuration (a resumed run redoes its reports)
    pkg = tmp_path / "pkg"
    (pkg / "store").mkdir(parents=True)
    (pkg / "rules").mkdir()
    (pkg / "store" / "results.py").write_text("x = 1\n")
    (pkg / "rules" / "narrative.py").write_text("PATTERN = 'a'\n")
    monkeypatch.setattr(results, "PACKAGE", str(pkg))
    before = results.code_version.__wrapped__()
    (pkg / "rules" / "narrative.py").write_text("PATTERN = 'b'\n")
    assert results.code_version.__wrapped__() != before


def test_a_store_without_routing_reads_and_refuses_to_save(tmp_path, rules_backend):
    from extractor.ingest import load
    from extractor.pipeline import process
    from extractor.review.routing import routed_store

    from .conftest import bundled_reports

    con = connect(str(tmp_path / "r.db"))
    result = process(load(bundled_reports()[0]), rules_backend)
    plain = results.Store(con, 0.7)
    run = plain.start_run({"backend": "rules", "code_version": "test"})
    with pytest.raises(TypeError, match="routed_store"):
        plain.save(run, result)
    assert con.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0  # nothing half-saved
    routed_store(con, 0.7).save(run, result)
    assert [k.report_id for k in plain.latest_results()] == [result.doc.id]
    assert plain.record(result.doc.id, run.config_hash) == result.record()
    assert plain.run_info() == results.RunInfo(run.id, "rules", None, run.config_hash)
    assert plain.run_info(run.id + 1) is None


def _master(con) -> tuple[int, list[tuple[str, str, str, str | None]]]:
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    return con.execute("PRAGMA user_version").fetchone()[0], [tuple(r) for r in rows]


def test_a_new_database_from_the_final_schema_is_the_migrated_one(tmp_path):
    """A new database is created from `store/schema.py` in one step: the same tables, indexes, view and triggers
    (each `sqlite_master` entry's sql text) and the same version as every migration in turn makes, and the script is
    what `python -m extractor.store.db` generates from the migrated one (regenerate it after adding a migration)."""
    import sqlite3

    from extractor.store import schema
    from extractor.store.db import MIGRATIONS, migrate, schema_module

    stepwise = sqlite3.connect(tmp_path / "stepwise.db")
    migrate(stepwise, from_schema=False)
    fresh = connect(str(tmp_path / "fresh.db"))
    version, entries = _master(fresh)
    assert (version, entries) == _master(stepwise)
    assert version == schema.VERSION == len(MIGRATIONS)
    assert {t for t, *_ in entries} == {"table", "index", "view", "trigger"}
    assert schema_module(stepwise) == pathlib.Path(schema.__file__).read_text(encoding="utf-8")


def test_a_schema_behind_the_migrations_is_completed_by_the_rest(tmp_path, monkeypatch):
    """A schema script left behind (a migration added, the script not regenerated) still gives the latest schema:
    the migrations after its version run on top of it."""
    import sqlite3

    from extractor.store import db

    stepwise = sqlite3.connect(tmp_path / "stepwise.db")
    db.migrate(stepwise, from_schema=False)
    monkeypatch.setattr(db.final, "VERSION", len(db.MIGRATIONS) - 1)
    monkeypatch.setattr(db.final, "SCHEMA", "".join(db.MIGRATIONS[:-1]))
    behind = sqlite3.connect(tmp_path / "behind.db")
    assert db.migrate(behind) == len(db.MIGRATIONS)
    assert _master(behind) == _master(stepwise)
