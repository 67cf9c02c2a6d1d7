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
from dataclasses import dataclass
from typing import Any

from extractor.core.errors import ExtractorError
from extractor.pipeline import ReportResult
from extractor.redact import scrub

POLL = 1.0  # seconds between checks that the shards and workers (and, in them, the parent) are alive
WORKER_DIED = "worker process died (killed, or out of memory); the same command again redoes this report"


@dataclass
class Outcome:
    path: str
    report_id: str | None = None
    result: ReportResult | None = None
    error: str | None = None
    skipped: bool = False
    record: dict[str, Any] | None = None  # the validated per-report record, built where the report was (off the main process)


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
