"""The consumer, in the main process: each outcome committed (result, field values, review routing, in one
transaction), its files written, the run's tally kept. A result comes prepared (`bulk.prepare`: rows and encoded
lines, made in the worker) or is prepared here (the model path's shards send the result)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extractor.bulk import EndpointError, Outcome, message, prepare
from extractor.core.record import not_a_report

RESUME_BATCH = 256  # reports done before read back per query on a resumed run

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
        self._resumed: list[Outcome] = []  # reports done before, held to be read back together

    def take(self, o: Outcome) -> None:
        """One outcome, one line of the run: a result validated, committed and written, or an error line, never half
        of one. A full disk or a database that cannot be written stops the run (raised); a result whose model
        endpoint refuses every call is committed, then `EndpointError` is raised. A report done before is held and
        read back with the next ones in bulk (`RESUME_BATCH`), in input order: `finish` writes the last of them."""
        if o.skipped:
            self._resumed.append(o)
            if len(self._resumed) >= RESUME_BATCH:
                self._resume()
            return
        self._resume()
        t = self.tally
        p = None
        if o.error is None:
            try:
                assert o.result is not None
                p = o.prepared if o.prepared is not None else prepare(o.result)
                self.store.save_rows(self.run, p.rows, o.result.doc.original)  # one transaction: all of it or nothing
            except (OSError, sqlite3.OperationalError):
                raise
            except Exception as exc:  # this report is an error line; the run goes on
                o, p = Outcome(o.path, o.report_id, error=message(exc)), None
        if p is None:
            self._fail(o)
        else:
            assert o.result is not None
            t.done += 1
            t.model_failed += o.result.status == "model_failed"
            t.not_report += p.not_report
            rid, _, path = p.rows.report[:3]
            counts = self.writer.write_line(rid, path, p.rows.backend, p.rows.status, p.line, p.cells,
                                            p.table_cells, p.verified, p.rows.review_paths(self.writer.threshold))
            t.verified += counts.verified
            t.review += counts.review
        if self.on_each:
            self.on_each()
        if o.result is not None and o.result.fatal:
            raise EndpointError(o.result.fatal)

    def finish(self) -> None:
        """Write the reports done before that are still held (the end of the inputs)."""
        self._resume()

    def _write(self, record: dict[str, Any]) -> None:
        t = self.tally
        t.not_report += not_a_report(record["fields"]["meta"].get("doc_type"))
        verified, review = self.writer.write(record)
        t.verified += verified
        t.review += review

    def _resume(self) -> None:
        """The held reports done before: their input paths noted (one transaction), their records read back in
        bulk, each written in input order (a report whose stored result no longer validates is an error line)."""
        held, self._resumed = self._resumed, []
        if not held:
            return
        with self.store.con:
            for o in held:
                self.store.seen_at(o.report_id or "", o.path)
        try:
            records = self.store.records([(o.report_id or "", o.path) for o in held], self.run.config_hash)
            failed = [""] * len(held)
        except (OSError, sqlite3.OperationalError):
            raise
        except Exception:  # one stored result does not validate: read one by one, to fail only that one
            records, failed = self._one_by_one(held)
        for o, record, why in zip(held, records, failed, strict=True):
            if record is None:
                self._fail(Outcome(o.path, o.report_id, error=why or "no stored result under this configuration"))
            else:
                if self.store.routed_with(o.report_id or "", self.run.config_hash) != self.store.threshold:
                    self.store.reroute(self.run, record, o.path)  # a new --review-threshold: the queue follows it
                self.tally.skipped += 1
                self._write(record)
            if self.on_each:
                self.on_each()

    def _one_by_one(self, held: list[Outcome]) -> tuple[list[dict[str, Any] | None], list[str]]:
        records: list[dict[str, Any] | None] = []
        failed = []
        for o in held:
            try:
                records += self.store.records([(o.report_id or "", o.path)], self.run.config_hash)
                failed.append("")
            except (OSError, sqlite3.OperationalError):
                raise
            except Exception as exc:
                records.append(None)
                failed.append(message(exc))
        return records, failed

    def _fail(self, o: Outcome) -> None:
        assert o.error is not None
        self.tally.failed += 1
        self.store.save_failure(self.run, o.path, o.report_id, o.error)
        self.writer.error(o.path, o.error)
        if self.on_error:
            self.on_error(o.path, o.error)
