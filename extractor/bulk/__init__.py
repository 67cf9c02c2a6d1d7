"""Bulk runs: inputs enumerated lazily, deterministic work across a process pool (`pool`), the model path across
shards, processes each with an event loop and a share of the concurrency (`shards`), every result committed per
report (`sink`), a re-run skipping what is done. `run.outcomes` picks the route the backend needs.

The main process owns the run database and the output files; workers and shards only compute (a shard
also logs its calls, the cache). At most a small window of reports is in flight at any time, so memory
stays flat however long the input list is. A kill at any moment loses nothing committed, and the re-run
rewrites the output files whole with each report exactly once (the ones done before come back from the
database).

This module holds what every route shares: an outcome, the inputs with their ids, the one-line error.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from extractor.core.errors import ExtractorError
from extractor.pipeline import ReportResult
from extractor.redact import scrub

if TYPE_CHECKING:
    from extractor.store.rows import ResultRows

POLL = 1.0  # seconds between checks that the shards and workers (and, in them, the parent) are alive
WORKER_DIED = "worker process died (killed, or out of memory); the same command again redoes this report"


class Prepared(NamedTuple):
    """A result as the main process writes it, made where the report was (`prepare`): plain rows and encoded lines,
    cheap to send, nothing left to build or validate; the main process runs the inserts and writes the bytes."""

    rows: ResultRows  # what the store writes (`store.rows.result_rows`)
    line: bytes  # the validated compact record's line in results.jsonl (`export.record_line`)
    cells: bytes  # its CSV cells after the base columns, outside the template's table and in it (`export.csv_cells`)
    table_cells: bytes
    verified: int  # fields verified with a value
    not_report: bool  # meta.doc_type says the text is no disclosure report


def prepare(result: ReportResult) -> Prepared:
    """Everything the main process writes of a result, built and validated (a bad result raises here): its compact
    record is `result.compact()`'s, each field's dict made once for the record and the rows."""
    from extractor.core.record import nested_fields, not_a_report, validated_fields
    from extractor.export import count_verified, csv_cells, record_line
    from extractor.review.routing import said_always
    from extractor.store.rows import result_rows

    fields = result.catalogued()
    flat = {p: r.as_dict() for p, r in fields.items()}
    kept = validated_fields(flat)
    record = {**result.head(), "fields": nested_fields(kept)}  # `result.compact()`, its validated fields kept
    cells, table = csv_cells(kept)
    rows = said_always(result_rows(result, fields, flat), result.doc.original)
    return Prepared(rows, record_line(record), cells, table, count_verified(fields.values()),
                    not_a_report(kept.get("meta.doc_type")))


@dataclass
class Outcome:
    """One input's outcome. A result prepared where it was made (`prepared`) comes without its fields (`result`
    keeps the report, its status and notes: the fields travel as rows)."""

    path: str
    report_id: str | None = None
    result: ReportResult | None = None
    error: str | None = None
    skipped: bool = False
    prepared: Prepared | None = None


def prepared(path: str, result: ReportResult) -> Outcome:
    """The outcome of a report done off the main process: prepared there, sent without its fields."""
    return Outcome(path, result=replace(result, fields={}), prepared=prepare(result))


class EndpointError(ExtractorError):
    """The model endpoint refuses the key or cannot be reached: no report could get its calls answered."""

    exit_code = 2


def file_id(path: str) -> str:
    """The report id `ingest.load` would give the file (its content hash), without decoding it."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def message(exc: BaseException) -> str:
    if isinstance(exc, ExtractorError):
        return scrub(str(exc))
    return scrub(" ".join(f"internal error: {type(exc).__name__}: {exc}".split()))  # one bad report never stops a batch


def ids(paths: Iterable[object], is_done: Callable[[str], bool]) -> Iterator[Outcome]:
    """Each path (`str`) with its id, the ones already done marked skipped; each `ingest.Rejected` (unreadable,
    unsupported format) a failure with its reason."""
    from extractor.ingest import Rejected

    for p in paths:
        if isinstance(p, Rejected):
            yield Outcome(p.path, error=p.reason)
            continue
        assert isinstance(p, str)
        try:
            rid = file_id(p)
        except OSError as exc:
            yield Outcome(p, error=f"cannot read file: {exc.strerror or exc}")
            continue
        yield Outcome(p, report_id=rid, skipped=is_done(rid))


_ids = ids  # the name tests/test_faults_input.py knows it by


def todo(paths: Iterable[object], is_done: Callable[[str], bool]) -> Iterator[str]:
    """The paths of the reports still to do (readable, not done): what a batch collects calls for."""
    return (o.path for o in ids(paths, is_done) if not (o.skipped or o.error))


def with_id(o: Outcome, rid: str | None) -> Outcome:
    o.report_id = o.result.doc.id if o.result else rid
    return o


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
