"""A call log whose rows are written by a thread of their own, in batches, off the event loop.

A model shard's event loop must not wait on the run database: the main process holds its write lock while it
commits a report, and SQLite's busy handler would sleep in the loop's thread meanwhile, delaying every answer. Here
`record` only queues the row (with the time the call ended); a writer thread, over its own connection, writes
whatever is queued in one transaction. A call answered but not yet written still answers the cache (`cached` looks
at the queue first). `flushed` waits, without blocking the loop, until every row queued so far is committed: the
shard awaits it before it hands a report back, so a report the main process commits has its calls in the log.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from extractor.store.db import CallLog, CallRecord, connect


class LogWriter(CallLog):
    """The call log of one process over the run database at `path`: reads on the caller's thread, writes batched on
    a writer thread. `close` writes what is left and stops the thread."""

    def __init__(self, path: str) -> None:
        super().__init__(connect(path))
        self._path = path
        self._cond = threading.Condition()
        self._queue: list[tuple[float, CallRecord]] = []
        self._pending: dict[str, dict[str, Any]] = {}  # cache key -> answer, of ok rows not written yet
        self._queued = self._written = 0
        self._error: BaseException | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="extractor-call-log")
        self._thread.start()

    def cached(self, cache_key: str) -> dict[str, Any] | None:
        with self._cond:
            hit = self._pending.get(cache_key)
        return hit if hit is not None else super().cached(cache_key)

    def record(self, c: CallRecord) -> None:
        with self._cond:
            self._raise()
            self._queue.append((time.time(), c))
            self._queued += 1
            if c.status == "ok" and c.response is not None:
                self._pending[c.cache_key] = c.response
            self._cond.notify_all()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        log = CallLog(connect(self._path))  # this thread's own connection
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    batch, self._queue = self._queue, []
                    if not batch:
                        return
                try:
                    log.record_many(batch)
                except BaseException as exc:  # a full disk, a database that cannot be written: the next call says so
                    with self._cond:
                        self._error = exc
                        self._cond.notify_all()
                    return
                with self._cond:
                    self._written += len(batch)
                    for _, c in batch:
                        if c.status == "ok" and self._pending.get(c.cache_key) is c.response:
                            del self._pending[c.cache_key]
                    self._cond.notify_all()
        finally:
            log.con.close()

    def wait_written(self, upto: int | None = None) -> None:
        """Block until the rows queued so far (or the first `upto`) are committed."""
        with self._cond:
            target = self._queued if upto is None else upto
            while self._written < target and self._error is None:
                self._cond.wait()
            self._raise()

    async def flushed(self) -> None:
        """Wait, off the event loop, until every row queued so far is committed (at once if none is pending)."""
        with self._cond:
            target = self._queued
            if self._written >= target:
                self._raise()
                return
        await asyncio.get_running_loop().run_in_executor(None, self.wait_written, target)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        self.con.close()
        self._raise()
