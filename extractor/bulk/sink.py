"""The consumer, in the main process: each outcome committed (result, field values, review routing, in one
transaction), its files written, the run's tally kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extractor.bulk import EndpointError, Outcome, message
from extractor.core.result import NOT_A_REPORT

if TYPE_CHECKING:
    from extractor.export import Writer
    from extractor.store.results import Run, Store


@dataclass
class Tally:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    model_failed: int = 0  # done with the rules' values only: a model call failed (redone by the next run)
    not_report: int = 0  # read, and not a disclosure report (meta.doc_type other, not_a_report)
    verified: int = 0
    review: int = 0


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
                o, record = Outcome(o.path, o.report_id, error=message(exc)), None
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
            t.not_report += NOT_A_REPORT in doc_type["reasons"]
            fields = None if o.result is None else o.result.catalogued().values()
            verified, review = self.writer.write(record, fields)
            t.verified += verified
            t.review += review
        if self.on_each:
            self.on_each()
        if o.result is not None and o.result.fatal:
            raise EndpointError(o.result.fatal)

    def _record(self, o: Outcome) -> dict[str, Any]:
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
