"""The model path: reports sharded over processes, each an event loop with its share of the concurrency.

One event loop spends a few milliseconds of CPU per call (instructor's request building and validation,
the SDK's request transform, the rules and the merge of each report); at 32 calls in flight that is
enough to delay every response's callbacks and leave call slots idle. Shards split the calls and the CPU
over processes, the way the deterministic path splits reports. The main process hands each shard at most
twice its share of reports at a time and commits what comes back, so memory stays flat and a kill loses
nothing. Each shard builds its backend from the run's settings (its share of them) through the registry,
with a call log over its own connection to the run database.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from extractor import backends
from extractor.backends import Backend, Settings
from extractor.bulk import POLL, Outcome, ids, message, with_id
from extractor.llm.settings import ModelSettings

if TYPE_CHECKING:
    from extractor.llm.logwriter import LogWriter


def shard_settings(settings: ModelSettings, shards: int) -> list[ModelSettings]:
    """The run's concurrency and rate limit divided over the shards (never below one call each)."""
    n = max(1, min(shards, settings.concurrency))
    return [replace(settings, concurrency=settings.concurrency // n + (i < settings.concurrency % n),
                    rpm=settings.rpm / n if settings.rpm else None) for i in range(n)]


def sharded(paths: Iterable[object], settings: Settings, db: str, is_done: Callable[[str], bool], shards: int,
            warm: Callable[[], None] | None = None) -> Iterator[Outcome]:
    """Outcomes of the model path as they complete, from `shards` processes. `warm` builds, before they are forked,
    what every shard needs (forked shards inherit it; spawned ones start afresh)."""
    if settings.model is None:
        raise ValueError("the model path needs model settings")
    parts = [replace(settings, model=m) for m in shard_settings(settings.model, shards)]
    if warm is not None and mp.get_start_method() == "fork":
        warm()
    group = _Shards(parts, db)
    try:
        yield from group.run(ids(paths, is_done))
    finally:  # done, or the consumer stopped (Ctrl-C): no shard outlives the run
        group.stop()


class _Shards:
    """The shard processes, their inboxes, one result pipe each, and the reports each one holds."""

    def __init__(self, parts: list[Settings], db: str) -> None:
        self.procs: list[Any] = []
        self.inboxes: list[Any] = []
        self.readers: list[Connection] = []
        self.busy: list[dict[str, Outcome]] = []  # per shard, the reports it holds (path -> outcome so far)
        for i, part in enumerate(parts):
            inbox: Any = mp.Queue()
            reader, writer = mp.Pipe(duplex=False)  # one pipe per shard: a shard that dies mid-message hurts no other
            # the reading ends stay in the parent only: a shard holding one would keep a dead parent's pipe open
            p = mp.Process(target=_shard_main, args=(part, db, inbox, writer, os.getpid(), [*self.readers, reader]),
                           daemon=True, name=f"extractor-shard-{i}")
            p.start()
            writer.close()  # the shard holds the only writing end: its death is an end of file here
            self.procs.append(p)
            self.inboxes.append(inbox)
            self.readers.append(reader)
            self.busy.append({})
        assert all(part.model is not None for part in parts)
        self.cap = [2 * part.model.concurrency for part in parts if part.model]  # enough to keep its calls busy
        self.alive = set(range(len(parts)))

    def run(self, todo: Iterable[Outcome]) -> Iterator[Outcome]:
        for o in todo:
            if o.skipped or o.error:
                yield o
                continue
            while self.alive and not (free := [k for k in self.alive if len(self.busy[k]) < self.cap[k]]):
                yield from self.receive()
            if not self.alive:
                yield Outcome(o.path, o.report_id, error="no model worker process is alive")
                continue
            k = min(free, key=lambda k: len(self.busy[k]) / self.cap[k])
            self.busy[k][o.path] = o
            self.inboxes[k].put((o.path, o.report_id))
        for inbox in self.inboxes:
            inbox.put(None)
        while self.alive and any(self.busy):
            yield from self.receive()

    def receive(self) -> Iterator[Outcome]:
        ready = wait([self.readers[k] for k in self.alive], timeout=POLL)
        for k in [k for k in self.alive if self.readers[k] in ready]:
            try:
                o = self.readers[k].recv()
            except (EOFError, OSError):  # the shard died (killed, out of memory): the reports it held fail
                self.procs[k].join(timeout=5)
                self.alive.discard(k)
                for held in self.busy[k].values():
                    yield Outcome(held.path, held.report_id,
                                  error=f"model worker process died (exit code {self.procs[k].exitcode})")
                self.busy[k].clear()
                continue
            self.busy[k].pop(o.path, None)
            yield o

    def stop(self) -> None:
        for p in self.procs:
            p.join(timeout=0 if any(self.busy) else 5)
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)


def _shard_main(settings: Settings, db: str, inbox: Any, out: Connection, parent: int,
                inherited: list[Connection]) -> None:
    import signal
    import threading
    from queue import SimpleQueue

    from extractor.llm.logwriter import LogWriter

    for conn in inherited:  # the parent's reading ends, copied by fork
        conn.close()

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork: just end
    log = LogWriter(db)  # the call rows written off the loop, in batches
    backend = backends.create(settings, log)
    outbox: SimpleQueue[Outcome | None] = SimpleQueue()

    def send() -> None:  # the loop never blocks on a full pipe: a thread sends, in order, until told to stop
        while (o := outbox.get()) is not None:
            try:
                out.send(o)
            except OSError:  # the parent is gone
                return

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        asyncio.run(_shard_loop(backend, inbox, outbox.put, parent, log))
    finally:
        outbox.put(None)
        sender.join()
        log.close()


async def _shard_loop(backend: Backend, inbox: Any, put: Callable[[Outcome], None], parent: int,
                      log: LogWriter | None = None) -> None:
    from extractor.ingest import load
    from extractor.pipeline import aprocess

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def one(path: str, rid: str) -> None:
        try:
            # the record is built in the main process: here its CPU would delay this loop's answers (-2% calls/s); the
            # file is read and decoded off the loop too (an HTML report's text takes 3 ms to extract)
            result = await aprocess(await backend.offload(load, path), backend)
            if log is not None:  # a report handed back has its calls in the log
                await log.flushed()
            put(with_id(Outcome(path, result=result), rid))
        except Exception as exc:
            put(Outcome(path, rid, error=message(exc)))

    while True:
        item = await loop.run_in_executor(None, _next_item, inbox, parent)
        if item is None:
            break
        if item == "orphaned":  # the parent was killed: nobody would commit these results
            for t in tasks:
                t.cancel()
            return
        t = asyncio.create_task(one(*item))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    await backend.aclose()


def _next_item(inbox: Any, parent: int) -> Any:
    import queue

    while True:
        try:
            return inbox.get(timeout=POLL)
        except queue.Empty:
            if os.getppid() != parent:
                return "orphaned"
