"""Bulk runs: inputs enumerated lazily, deterministic work across a process pool, the model path across
shards (processes each with an event loop and a share of the concurrency), every result committed per
report, a re-run skipping what is done.

The main process owns the run database and the output files; workers and shards only compute (a shard
also logs its calls, the cache). At most a small
window of reports is in flight at any time, so memory stays flat however long the input list is. A
kill at any moment loses nothing committed, and the re-run rewrites the output files whole with each
report exactly once (the ones done before come back from the database).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from extractor.core.errors import ExtractorError
from extractor.pipeline import ReportResult
from extractor.redact import scrub

if TYPE_CHECKING:
    from extractor.export import Writer
    from extractor.llm.transport import ModelSettings
    from extractor.store.results import Run, Store

WINDOW_PER_WORKER = 4
SHARD_POLL = 1.0  # seconds between checks that the shards and workers (and, in them, the parent) are alive


@dataclass
class Outcome:
    path: str
    report_id: str | None = None
    result: ReportResult | None = None
    error: str | None = None
    skipped: bool = False
    record: dict | None = None  # the validated per-report record, built where the report was (off the main process)


@dataclass
class Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    model_failed: int = 0  # done with the rules' values only: a model call failed (redone by the next run)
    not_report: int = 0  # read, and not a disclosure report (meta.doc_type other, not_a_report)
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


class EndpointError(ExtractorError):
    """The model endpoint refuses the key or cannot be reached: no report could get its calls answered."""

    exit_code = 2


def _message(exc: BaseException) -> str:
    if isinstance(exc, ExtractorError):
        return scrub(str(exc))
    return scrub(" ".join(f"internal error: {type(exc).__name__}: {exc}".split()))  # one bad report never stops a batch


# the deterministic path: in this process or across worker processes -------------------------------

_worker_backend = None


def _init_worker(backend_name: str, parent: int | None = None) -> None:
    global _worker_backend
    import signal

    from extractor import backends

    if parent is not None:  # a pool worker (not the main process, which runs one worker's part itself with --workers 1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process's handler, inherited by fork: just end
        _watch_parent(parent)
    _worker_backend = backends.create(backend_name)


def _watch_parent(parent: int) -> None:
    """Exit when the main process is gone (killed outright, nothing would take this worker's results): a thread, so it
    also works while the worker is blocked writing to a pipe nobody reads."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(SHARD_POLL)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="extractor-parent-watch").start()


def _work(path: str) -> Outcome:
    from extractor.ingest.read import load
    from extractor.pipeline import process

    try:
        return _finished(path, process(load(path), _worker_backend))  # type: ignore[arg-type]
    except Exception as exc:
        return Outcome(path, error=_message(exc))


def _finished(path: str, result: ReportResult) -> Outcome:
    return Outcome(path, result=result, record=result.record())


def _ids(paths: Iterable[object], is_done: Callable[[str], bool]) -> Iterator[Outcome]:
    """Each path (`str`) with its id, the ones already done marked skipped; each `ingest.Rejected` (unreadable,
    unsupported format) a failure with its reason."""
    from extractor.ingest import Rejected

    for p in paths:
        if isinstance(p, Rejected):
            yield Outcome(p.path, error=p.reason)
            continue
        try:
            rid = file_id(p)
        except OSError as exc:
            yield Outcome(p, error=f"cannot read file: {exc.strerror or exc}")
            continue
        yield Outcome(p, report_id=rid, skipped=is_done(rid))


WORKER_DIED = "worker process died (killed, or out of memory); the same command again redoes this report"


def deterministic(paths: Iterable[object], backend_name: str, is_done: Callable[[str], bool],
                  workers: int = 1) -> Iterator[Outcome]:
    """Outcomes in input order; with workers > 1, a bounded window of reports across processes. A worker that dies
    fails the reports in the window (each an error line) and a new pool takes the rest."""
    todo = _ids(paths, is_done)
    if workers <= 1:
        _init_worker(backend_name)
        for o in todo:
            yield o if o.skipped or o.error else _with_id(_work(o.path), o.report_id)
        return

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(backend_name, os.getpid()))

    pool = new_pool()
    window: deque[tuple[Outcome, Future[Outcome] | None]] = deque()
    try:
        for o in todo:
            fut = None
            if not (o.skipped or o.error):
                try:
                    fut = pool.submit(_work, o.path)
                except BrokenProcessPool:  # broken since the last result: the reports still in it fail below
                    _stop(pool)
                    pool = new_pool()
                    fut = pool.submit(_work, o.path)
            window.append((o, fut))
            while len(window) > workers * WINDOW_PER_WORKER or (window and window[0][1] is None):
                yield _settle(window.popleft())
        while window:
            yield _settle(window.popleft())
    finally:  # done, or stopped (Ctrl-C, SIGTERM, the consumer gone): no worker outlives the run
        _stop(pool)


def _stop(pool: ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Stop the pool: queued reports cancelled, each worker let finish the report it holds and exit. A worker killed
    mid-write would leave half a message in the result pipe and the pool's reader thread (joined at exit) stuck on
    it, so a worker is terminated only when it has not finished within `grace` seconds."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)


def _settle(entry: tuple[Outcome, Future[Outcome] | None]) -> Outcome:
    o, fut = entry
    if fut is None:
        return o
    try:
        return _with_id(fut.result(), o.report_id)
    except BrokenProcessPool:  # a worker died (killed, out of memory): this report fails, the run goes on
        return Outcome(o.path, o.report_id, error=WORKER_DIED)
    except Exception as exc:
        return Outcome(o.path, o.report_id, error=_message(exc))


def _with_id(o: Outcome, rid: str | None) -> Outcome:
    o.report_id = o.result.doc.id if o.result else rid
    return o


# the model path: reports sharded over processes, each an event loop with its share of the concurrency ------
#
# One event loop spends a few milliseconds of CPU per call (instructor's request building and validation,
# the SDK's request transform, the rules and the merge of each report); at 32 calls in flight that is
# enough to delay every response's callbacks and leave call slots idle. Shards split the calls and the CPU
# over processes, the way the deterministic path splits reports. The main process hands each shard at most
# `in_flight` reports at a time and commits what comes back, so memory stays flat and a kill loses nothing.


def shard_settings(settings: ModelSettings, shards: int) -> list[ModelSettings]:
    """The run's concurrency and rate limit divided over the shards (never below one call each)."""
    n = max(1, min(shards, settings.concurrency))
    return [replace(settings, concurrency=settings.concurrency // n + (i < settings.concurrency % n),
                    rpm=settings.rpm / n if settings.rpm else None) for i in range(n)]


def warm() -> None:
    """Import and build once in this process what every shard needs (the SDK's lazily imported resources, the rules'
    patterns and dictionaries), so that forked shards start answering at once."""
    from extractor.backends import RulesBackend
    from extractor.evaluation.corpus import FORMATS, report, to_traditional
    from extractor.ingest.read import from_text
    from extractor.llm.transport import ModelSettings, Transport
    from extractor.pipeline import process

    Transport(ModelSettings(model="warm", base_url="http://127.0.0.1:9/v1"), None)._instructor()
    rules = RulesBackend()
    for fmt in FORMATS:
        text = report(0, fmt=fmt).text
        process(from_text(text), rules)
    process(from_text(to_traditional(text)), rules)


def sharded(paths: Iterable[str], settings: ModelSettings, db: str, is_done: Callable[[str], bool],
            shards: int) -> Iterator[Outcome]:
    """Outcomes of the model path as they complete, from `shards` processes."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    parts = shard_settings(settings, shards)
    if mp.get_start_method() == "fork":  # forked shards inherit what this process built; spawned ones start afresh
        warm()
    procs, inboxes, readers, busy = [], [], [], []  # busy: per shard, the reports it holds (path -> outcome so far)
    for i, part in enumerate(parts):
        inbox: mp.Queue = mp.Queue()
        reader, writer = mp.Pipe(duplex=False)  # one pipe per shard: a shard that dies mid-message hurts no other
        # the reading ends stay in the parent only: a shard holding one would keep a dead parent's pipe open
        p = mp.Process(target=_shard_main, args=(part, db, inbox, writer, os.getpid(), [*readers, reader]),
                       daemon=True, name=f"extractor-shard-{i}")
        p.start()
        writer.close()  # the shard holds the only writing end: its death is an end of file here
        procs.append(p)
        inboxes.append(inbox)
        readers.append(reader)
        busy.append({})
    cap = [2 * part.concurrency for part in parts]  # reports per shard: enough to keep its calls busy
    alive = set(range(len(parts)))

    def receive() -> Iterator[Outcome]:
        ready = wait([readers[k] for k in alive], timeout=SHARD_POLL)
        for k in [k for k in alive if readers[k] in ready]:
            try:
                o = readers[k].recv()
            except (EOFError, OSError):  # the shard died (killed, out of memory): the reports it held fail
                procs[k].join(timeout=5)
                alive.discard(k)
                for held in busy[k].values():
                    yield Outcome(held.path, held.report_id,
                                  error=f"model worker process died (exit code {procs[k].exitcode})")
                busy[k].clear()
                continue
            busy[k].pop(o.path, None)
            yield o

    try:
        for o in _ids(paths, is_done):
            if o.skipped or o.error:
                yield o
                continue
            while alive and not (free := [k for k in alive if len(busy[k]) < cap[k]]):
                yield from receive()
            if not alive:
                yield Outcome(o.path, o.report_id, error="no model worker process is alive")
                continue
            k = min(free, key=lambda k: len(busy[k]) / cap[k])
            busy[k][o.path] = o
            inboxes[k].put((o.path, o.report_id))
        for inbox in inboxes:
            inbox.put(None)
        while alive and any(busy):
            yield from receive()
    finally:  # done, or the consumer stopped (Ctrl-C): no shard outlives the run
        for p in procs:
            p.join(timeout=0 if any(busy) else 5)
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)


def _shard_main(settings: ModelSettings, db: str, inbox: object, out: object, parent: int,
                inherited: list[object]) -> None:
    import signal
    import threading
    from queue import SimpleQueue

    from extractor.llm.backend import OpenAIBackend
    from extractor.store.db import CallLog, connect

    for conn in inherited:  # the parent's reading ends, copied by fork
        conn.close()  # type: ignore[attr-defined]

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork: just end
    engine = OpenAIBackend(settings, CallLog(connect(db)))
    outbox: SimpleQueue = SimpleQueue()

    def send() -> None:  # the loop never blocks on a full pipe: a thread sends, in order, until told to stop
        while (o := outbox.get()) is not None:
            try:
                out.send(o)  # type: ignore[attr-defined]
            except OSError:  # the parent is gone
                return

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        asyncio.run(_shard_loop(engine, inbox, outbox.put, parent))
    finally:
        outbox.put(None)
        sender.join()


async def _shard_loop(engine: object, inbox: object, put: Callable[[Outcome], None], parent: int) -> None:
    from extractor.ingest.read import load
    from extractor.pipeline import aprocess

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def one(path: str, rid: str) -> None:
        try:
            # the record is built in the main process: here its CPU would delay this loop's answers (-2% calls/s)
            put(_with_id(Outcome(path, result=await aprocess(load(path), engine)), rid))  # type: ignore[arg-type]
        except Exception as exc:
            put(Outcome(path, rid, error=_message(exc)))

    while True:
        item = await loop.run_in_executor(None, _next_item, inbox, parent)
        if item is None:
            break
        if item == "orphaned":  # the parent was killed: nobody would commit these results
            for t in tasks:
                t.cancel()
            return
        t = asyncio.create_task(one(*item))  # type: ignore[misc]
        tasks.add(t)
        t.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    await engine.transport.aclose()  # type: ignore[attr-defined]


def _next_item(inbox: object, parent: int) -> object:
    import queue

    while True:
        try:
            return inbox.get(timeout=SHARD_POLL)  # type: ignore[attr-defined]
        except queue.Empty:
            if os.getppid() != parent:
                return "orphaned"


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
        """One outcome, one line of the run: a result validated, committed and written, or an error line, never half
        of one. A full disk or a database that cannot be written stops the run (raised); a result whose model
        endpoint refuses every call is committed, then `EndpointError` is raised."""
        t = self.tally
        record = None
        if o.error is None:
            try:
                record = self._record(o)
                if not o.skipped:
                    assert o.result is not None
                    self.store.save(self.run, o.result)  # one transaction: nothing of it if anything fails
            except (OSError, sqlite3.OperationalError):
                raise
            except Exception as exc:  # this report is an error line; the run goes on
                o, record = Outcome(o.path, o.report_id, error=_message(exc)), None
        if record is None:
            self._fail(o)
        else:
            if o.skipped:
                t.skipped += 1
            else:
                assert o.result is not None
                t.done += 1
                t.model_failed += o.result.status == "model_failed"
            doc_type = record["fields"]["meta"]["doc_type"]
            t.not_report += "not_a_report" in doc_type["reasons"]
            fields = None if o.result is None else o.result.catalogued().values()
            verified, review = self.writer.write(record, fields)
            t.verified += verified
            t.review += review
        if self.on_each:
            self.on_each()
        if o.result is not None and o.result.fatal:
            raise EndpointError(o.result.fatal)

    def _record(self, o: Outcome) -> dict:
        """The validated record of an outcome that is not an error (a skipped one read back from the store)."""
        if o.skipped:
            assert o.report_id is not None
            with self.store.con:
                self.store.seen_at(o.report_id, o.path)
            record = self.store.record(o.report_id, self.run.config_hash, o.path)
            if self.store.routed_with(o.report_id, self.run.config_hash) != self.store.threshold:
                self.store.reroute(self.run, record, o.path)  # a new --review-threshold: the queue follows it
            return record
        assert o.result is not None
        return o.record if o.record is not None else o.result.record()

    def _fail(self, o: Outcome) -> None:
        assert o.error is not None
        self.tally.failed += 1
        self.store.save_failure(self.run, o.path, o.report_id, o.error)
        self.writer.error(o.path, o.error)
        if self.on_error:
            self.on_error(o.path, o.error)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
