"""The deterministic path: reports in input order, in this process or across a pool of worker processes.

Each worker builds its backend once, from the run's settings, through the registry (`backends.create`); all that the
main process writes of each report (its record validated and encoded, its CSV cells, its database rows) is made in
the worker that made it (`bulk.prepare`), and sent back as plain data.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess

from extractor import backends
from extractor.backends import Backend, Settings
from extractor.bulk import POLL, WORKER_DIED, Outcome, ids, message, prepared, with_id

WINDOW_PER_WORKER = 4
STUCK = 5.0  # seconds a pool may leave a dead worker unnoticed before it is taken as stuck (see `_outcome`)
PEEK = 64  # inputs looked at before choosing between this process and a pool

_worker_backend: Backend | None = None


def _init_worker(settings: Settings, parent: int | None = None, backend: Backend | None = None) -> None:
    global _worker_backend

    if parent is not None:  # a pool worker (not the main process, which runs one worker's part itself with --workers 1)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process's handler, inherited by fork: just end
        watch_parent(parent)
    _worker_backend = backend if backend is not None else backends.create(settings)


def watch_parent(parent: int) -> None:
    """Exit when the main process is gone (killed outright, nothing would take this worker's results): a thread, so it
    also works while the worker is blocked writing to a pipe nobody reads."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="extractor-parent-watch").start()


def _work(path: str) -> Outcome:
    from extractor.ingest import load
    from extractor.pipeline import process

    assert _worker_backend is not None
    try:
        return prepared(path, process(load(path), _worker_backend))
    except Exception as exc:
        return Outcome(path, error=message(exc))


def deterministic(paths: Iterable[object], settings: Settings, is_done: Callable[[str], bool], workers: int = 1,
                  backend: Backend | None = None) -> Iterator[Outcome]:
    """Outcomes in input order; with workers > 1, a bounded window of reports across processes (each building its
    backend from `settings`; with one, `backend` if given). A worker that dies fails the reports in the window (each
    an error line) and a new pool takes the rest."""
    todo: Iterator[Outcome] = ids(paths, is_done)
    if workers > 1:  # one report to do (or none) is done here: a pool costs more to start than the report
        head, few = _peek(todo)
        todo = itertools.chain(head, todo)
        if few:
            workers = 1
    if workers <= 1:
        _init_worker(settings, backend=backend)
        for o in todo:
            yield o if o.skipped or o.error else with_id(_work(o.path), o.report_id)
        return

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(settings, os.getpid()))

    import multiprocessing

    if multiprocessing.get_start_method() == "fork":  # the fields' models built once, inherited by each worker
        from extractor.core.catalogue import catalogue
        from extractor.core.schema import field_model

        for p in catalogue():
            field_model(p)

    pool = new_pool()
    window: deque[tuple[Outcome, Future[Outcome] | None, ProcessPoolExecutor]] = deque()
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
            window.append((o, fut, pool))
            while len(window) > workers * WINDOW_PER_WORKER or (window and window[0][1] is None):
                yield _settle(window.popleft())
        while window:
            yield _settle(window.popleft())
    finally:  # done, or stopped (Ctrl-C, SIGTERM, the consumer gone): no worker outlives the run
        _stop(pool)


def _peek(todo: Iterator[Outcome]) -> tuple[list[Outcome], bool]:
    """The first inputs, up to the second report to do (at most PEEK), and whether they are all there are (then
    at most one of them is to do)."""
    head: list[Outcome] = []
    work = 0
    for o in todo:
        head.append(o)
        work += not (o.skipped or o.error)
        if work > 1 or len(head) >= PEEK:
            return head, False
    return head, True


def _stop(pool: ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Stop the pool: queued reports cancelled, each worker let finish the report it holds and exit. A worker killed
    mid-write would leave half a message in the result pipe and the pool's reader thread (joined at exit) stuck on
    it, so a worker is terminated only when it has not finished within `grace` seconds."""
    procs = _procs(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)


def _procs(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    return list((getattr(pool, "_processes", None) or {}).values())


def _outcome(fut: Future[Outcome], pool: ProcessPoolExecutor) -> Outcome:
    """The future's outcome. A worker killed while writing a result leaves half a message in the pool's one result
    pipe, and the pool's reader thread waits for the rest forever (the other workers hold the pipe open): no future of
    that pool would ever end. So while waiting, a pool with a worker dead for STUCK seconds and still not broken is
    broken by hand (`_unstick`): its futures then fail as a dead worker's do."""
    dead_since: float | None = None
    while True:
        try:
            return fut.result(timeout=POLL)
        except TimeoutError:
            if not any(p.exitcode is not None for p in _procs(pool)):
                dead_since = None
            elif dead_since is None:
                dead_since = time.monotonic()
            elif time.monotonic() - dead_since >= STUCK:
                _unstick(pool)
                dead_since = None


def _unstick(pool: ProcessPoolExecutor) -> None:
    """Its workers ended, then this process's copy of the result pipe's writing end closed: the reader thread's wait
    for the rest of a message ends (end of file), and it marks the pool broken, failing every future still pending."""
    for p in _procs(pool):
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)
    queue = getattr(pool, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()


def _settle(entry: tuple[Outcome, Future[Outcome] | None, ProcessPoolExecutor]) -> Outcome:
    o, fut, pool = entry
    if fut is None:
        return o
    try:
        return with_id(_outcome(fut, pool), o.report_id)
    except BrokenProcessPool:  # a worker died (killed, out of memory): this report fails, the run goes on
        return Outcome(o.path, o.report_id, error=WORKER_DIED)
    except Exception as exc:
        return Outcome(o.path, o.report_id, error=message(exc))
