"""What a worker sends back is plain data (`bulk.prepare`): the main process writes from it exactly what it writes from
a whole result (the model path's shards send those), and a field's review bound says what `needs_review` says."""

from __future__ import annotations

import math
import os
import pickle
import sqlite3

import pytest

from extractor.bulk import Outcome, prepare, prepared
from extractor.bulk.sink import Sink
from extractor.core.result import EMPTY, FieldResult
from extractor.export import Writer
from extractor.ingest import load
from extractor.pipeline import process
from extractor.review.routing import routed_store
from extractor.store.db import connect
from extractor.store.rows import review_bound

from .conftest import bundled_reports


def _run(tmp_path, name: str, outcomes: list[Outcome]) -> tuple[dict[str, bytes], list[tuple]]:
    out = tmp_path / name
    store = routed_store(connect(str(tmp_path / f"{name}.db")), 0.8)
    run = store.start_run({"backend": "rules", "code_version": "test"})
    writer = Writer(str(out), threshold=0.8, per_report=True)
    sink = Sink(store, run, writer)
    for o in outcomes:
        sink.take(o)
    sink.finish()
    writer.close()
    files = {f: (out / f).read_bytes() for f in ("results.jsonl", "results.csv", "errors.txt")}
    files.update({f: (out / "reports" / f).read_bytes() for f in sorted(os.listdir(out / "reports"))})
    con = store.con
    rows = [tuple(r) for r in con.execute(
        "SELECT report_id, path, value, evidence, span_start, span_end, approximate, confidence, status, reasons,"
        " method, alternatives, page FROM field_values ORDER BY report_id, path")]
    rows += [tuple(r) for r in con.execute(
        "SELECT report_id, path, state, priority, value, status, confidence, reasons, evidence, span_start, span_end,"
        " alternatives, context, page FROM review_items ORDER BY report_id, path")]
    rows += [tuple(r) for r in con.execute("SELECT id, report_key, body_hash FROM reports ORDER BY id")]
    return files, rows


def test_a_prepared_outcome_writes_what_the_whole_result_writes(tmp_path, rules_backend):
    paths = bundled_reports()
    results = [process(load(p), rules_backend) for p in paths]
    whole = [Outcome(p, r.doc.id, result=r) for p, r in zip(paths, results, strict=True)]
    sent = [pickle.loads(pickle.dumps(prepared(p, r))) for p, r in zip(paths, results, strict=True)]
    assert all(o.result is not None and not o.result.fields for o in sent)  # the fields travel as rows
    files, rows = _run(tmp_path, "whole", whole)
    assert (files, rows) == _run(tmp_path, "sent", sent)
    assert any(r[2] == "open" for r in rows if len(r) == 14)  # the reports route items: the routing was compared


def test_what_a_worker_sends_holds_no_field_objects(rules_backend):
    o = prepared(bundled_reports()[0], process(load(bundled_reports()[0]), rules_backend))
    data = pickle.dumps(o)
    assert b"FieldResult" not in data and b"Candidate" not in data
    assert isinstance(o.prepared.line, bytes) and o.prepared.line.endswith(b"\n")


def test_a_result_that_does_not_validate_is_an_error_line_and_nothing_of_it_is_stored(tmp_path, rules_backend):
    path = bundled_reports()[0]
    bad = process(load(path), rules_backend)
    bad.fields["requests.received"] = FieldResult("requests.received", "three", status="verified", confidence=0.9)
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        prepare(bad)
    files, rows = _run(tmp_path, "bad", [Outcome(path, bad.doc.id, result=bad)])
    assert files["results.jsonl"] == b"" and b"ValidationError" in files["errors.txt"]
    con = sqlite3.connect(tmp_path / "bad.db")
    assert con.execute("SELECT status FROM results").fetchall() == [("failed",)]
    assert con.execute("SELECT COUNT(*) FROM field_data").fetchone()[0] == 0


_FIELDS = [FieldResult("x", 3, "3件", (0, 2), status=s, confidence=c, reasons=list(rs))
           for s in ("verified", "derived", "unverified", "conflict", "ambiguous", "unread")
           for c in (0.0, 0.3, 0.7, 0.69999, 0.95, 1.0, math.nan)
           for rs in ((), ("sum_ok",), ("sum_mismatch",), ("ocr",))]
_FIELDS += [FieldResult("x", None, status=s, confidence=c, reasons=list(rs))
            for s in ("unverified", "conflict", "ambiguous", "unread") for c in (0.0, 0.5, 0.9)
            for rs in ((), ("instruction_in_source",), ("pronoun_not_a_name",), ("table_not_read",))]


@pytest.mark.parametrize("r", _FIELDS, ids=lambda r: f"{r.value}-{r.status}-{r.confidence}-{'+'.join(r.reasons)}")
def test_a_fields_review_bound_is_what_needs_review_says_at_every_threshold(r):
    bound = review_bound(r)
    for t in (0.0, 0.1, 0.3, 0.5, 0.69999, 0.7, 0.70001, 0.8, 0.95, 1.0, 1.5):
        assert r.needs_review(t) == (t > bound), t


def test_an_empty_field_is_never_reviewed():
    assert review_bound(FieldResult("x")) == math.inf and FieldResult("x").as_dict() == EMPTY


def _items(con) -> list[tuple]:
    return [tuple(r) for r in con.execute(
        "SELECT report_id, path, state, priority, value, status, confidence, reasons, evidence, span_start, span_end,"
        " alternatives, context, page FROM review_items ORDER BY id")]


def test_decisions_route_the_same_from_prepared_rows_as_from_the_result(tmp_path, rules_backend):
    """Decided, reopened, decided again and closed: the rows a worker prepares (what the machine says of the fields
    reviewed at every threshold made there) route as the whole result does."""
    from extractor.review.queue import Queue

    path = next(p for p in bundled_reports() if os.path.basename(p).startswith("004_pingtan"))
    seen = []
    for how in ("result", "prepared"):
        store = routed_store(connect(str(tmp_path / f"{how}.db")), 0.8)
        result = process(load(path), rules_backend)

        def save(threshold: float = 0.8, store=store, how=how, result=result) -> None:
            s = routed_store(store.con, threshold)
            run = s.start_run({"backend": "rules", "code_version": "test"})
            if how == "result":
                s.save(run, result)
            else:
                s.save_rows(run, pickle.loads(pickle.dumps(prepare(result))).rows, result.doc.original)

        save()
        queue = Queue(store.con)
        items = queue.items()
        for it in items[:3]:  # decisions on the first items (the hardest: reviewed at any threshold)
            queue.decide(it.id, "null", reviewer="bob")
        steps = [_items(store.con)]
        save()  # the same values: decided again
        steps.append(_items(store.con))
        for it in items[:3]:  # other machine values: reopened
            old = result.fields[it.path].value
            result.fields[it.path].value = "changed" if isinstance(old, str) else ["x"] if isinstance(old, list) else 9
        save()
        steps.append(_items(store.con))
        save(0.0)  # a threshold of 0: what only the threshold put in review closes
        steps.append(_items(store.con))
        assert {s[2] for s in steps[2]} >= {"reopened", "open"} and "closed" in {s[2] for s in steps[3]}
        seen.append(steps)
    assert seen[0] == seen[1]
