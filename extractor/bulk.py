"""Bulk runs: inputs enumerated lazily, deterministic work across processes, model calls concurrently,
every result committed per report, a re-run skipping what is done.

The main process owns the run database and the output files; workers only compute. At most a small
window of reports is in flight at any time, so memory stays flat however long the input list is. A
kill at any moment loses nothing committed, and the re-run rewrites the output files whole with each
report exactly once (the ones done before come back from the database).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import ExtractorError
from .pipeline import ReportResult

if TYPE_CHECKING:
    from .export import Writer
    from .store import Run, Store

WINDOW_PER_WORKER = 4


@dataclass
class Outcome:
    path: str
    report_id: str | None = None
    result: ReportResult | None = None
    error: str | None = None
    skipped: bool = False


@dataclass
class Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    verified: int = 0
    review: int = 0
    errors: list[str] = field(default_factory=list)


def file_id(path: str) -> str:
    """The report id `ingest.load` would give the file (its content hash), without decoding it."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _message(exc: BaseException) -> str:
    if isinstance(exc, ExtractorError):
        return str(exc)
    return " ".join(f"internal error: {type(exc).__name__}: {exc}".split())  # one bad report never stops the batch


# the deterministic path: in this process or across worker processes -------------------------------

_worker_backend = None


def _init_worker(backend_name: str) -> None:
    global _worker_backend
    from . import backends

    _worker_backend = backends.create(backend_name)


def _work(path: str) -> Outcome:
    from .ingest import load
    from .pipeline import process

    try:
        return Outcome(path, result=process(load(path), _worker_backend))  # type: ignore[arg-type]
    except Exception as exc:
        return Outcome(path, error=_message(exc))


def _ids(paths: Iterable[str], is_done: Callable[[str], bool]) -> Iterator[Outcome]:
    """Each path with its id; the ones already done come out marked skipped."""
    for p in paths:
        try:
            rid = file_id(p)
        except OSError as exc:
            yield Outcome(p, error=f"cannot read file: {exc.strerror or exc}")
            continue
        yield Outcome(p, report_id=rid, skipped=is_done(rid))


def deterministic(paths: Iterable[str], backend_name: str, is_done: Callable[[str], bool],
                  workers: int = 1) -> Iterator[Outcome]:
    """Outcomes in input order; with workers > 1, a bounded window of reports across processes."""
    todo = _ids(paths, is_done)
    if workers <= 1:
        _init_worker(backend_name)
        for o in todo:
            yield o if o.skipped or o.error else _with_id(_work(o.path), o.report_id)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(backend_name,)) as pool:
        window: deque[tuple[Outcome, Future[Outcome] | None]] = deque()
        for o in todo:
            window.append((o, None if o.skipped or o.error else pool.submit(_work, o.path)))
            while len(window) > workers * WINDOW_PER_WORKER or (window and window[0][1] is None):
                yield _settle(window.popleft())
        while window:
            yield _settle(window.popleft())


def _settle(entry: tuple[Outcome, Future[Outcome] | None]) -> Outcome:
    o, fut = entry
    if fut is None:
        return o
    try:
        return _with_id(fut.result(), o.report_id)
    except Exception as exc:  # a worker that died (killed, out of memory): this report fails, the run goes on
        return Outcome(o.path, o.report_id, error=_message(exc))


def _with_id(o: Outcome, rid: str | None) -> Outcome:
    o.report_id = o.result.doc.id if o.result else rid
    return o


# the model path: concurrent reports in one event loop ----------------------------------------------

async def with_model(paths: Iterable[str], engine: object, is_done: Callable[[str], bool],
                     in_flight: int = 32) -> AsyncIterator[Outcome]:
    """Outcomes as they complete; at most `in_flight` reports at once (calls are bounded in the transport)."""
    from .ingest import load
    from .pipeline import aprocess

    async def one(o: Outcome) -> Outcome:
        try:
            return _with_id(Outcome(o.path, result=await aprocess(load(o.path), engine)), o.report_id)  # type: ignore[arg-type]
        except Exception as exc:
            return Outcome(o.path, o.report_id, error=_message(exc))

    pending: set[asyncio.Task[Outcome]] = set()
    for o in _ids(paths, is_done):
        if o.skipped or o.error:
            yield o
            continue
        pending.add(asyncio.create_task(one(o)))
        if len(pending) >= in_flight:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for t in finished:
                yield t.result()
    while pending:
        finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for t in finished:
            yield t.result()


# the consumer: commit, write, count ----------------------------------------------------------------

class Sink:
    """Takes outcomes in the main process: commits each result, writes the files, keeps the tally."""

    def __init__(self, store: Store, run: Run, writer: Writer, on_error: Callable[[str, str], None] | None = None,
                 on_each: Callable[[], None] | None = None) -> None:
        self.store, self.run, self.writer = store, run, writer
        self.tally = Tally()
        self.on_error = on_error
        self.on_each = on_each

    def take(self, o: Outcome) -> None:
        t = self.tally
        if o.error is not None:
            t.failed += 1
            self.store.save_failure(self.run, o.path, o.report_id, o.error)
            self.writer.error(o.path, o.error)
            if self.on_error:
                self.on_error(o.path, o.error)
        else:
            if o.skipped:
                t.skipped += 1
                assert o.report_id is not None
                record = self.store.record(o.report_id, self.run.config_hash)
            else:
                assert o.result is not None
                t.done += 1
                self.store.save(self.run, o.result)
                record = o.result.record()
            verified, review = self.writer.write(record)
            t.verified += verified
            t.review += review
        if self.on_each:
            self.on_each()


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
