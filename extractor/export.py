"""Writing results: the run's files (a JSON per report, results.jsonl, results.csv, errors.txt) and the
dataset export from the run database with reviewers' decisions applied (JSONL, CSV, Parquet)."""

from __future__ import annotations

import csv
import functools
import glob
import io
import json
import os
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from extractor.core.catalogue import catalogue, paths
from extractor.core.result import REVIEW_THRESHOLD, FieldResult
from extractor.core.schema import flatten

if TYPE_CHECKING:
    from extractor.store.results import Store
    from extractor.store.review import Decision

BASE_COLUMNS = ["id", "path", "backend", "status", "fields_verified", "fields_for_review", "needs_review"]
LOCK = ".extractor.lock"
RUN_FILES = ("results.jsonl", "results.csv", "errors.txt")
FORMATS = ("jsonl", "csv", "parquet", "cells")  # cells: one row per (report, field), `export_cells`
SHOWN_NULL_STATUSES = ("conflict", "ambiguous")  # a null with one of these is a finding, not an empty field


def status_columns(cols: list[str]) -> list[str]:
    """Each field's column followed by its `<path>.status` column, in catalogue order."""
    return [c for p in cols for c in (p, f"{p}.status")]


def shown_status(field: dict[str, Any] | None) -> str:
    """The status a CSV cell shows: the field's, or empty for an empty field (null, nothing to say about it)."""
    if field is None or (field.get("value") is None and field.get("status") not in SHOWN_NULL_STATUSES):
        return ""
    return str(field.get("status") or "")


def catalogue_order(fields: Iterable[str]) -> list[str]:
    order = {p: i for i, p in enumerate(catalogue())}
    return sorted(fields, key=lambda p: (order.get(p, len(order)), p))


def csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "；".join(str(x) for x in v)
    return str(v)


def field_results(record: dict[str, Any]) -> dict[str, FieldResult]:
    """The FieldResults of a per-report record (as written by a run or read back from the store)."""
    out = {}
    for path, d in flatten(record["fields"]).items():
        span = tuple(d["span"]) if d.get("span") else None
        out[path] = FieldResult(path, d["value"], d["evidence"], span, d["approximate"], d["confidence"], d["status"],
                                list(d["reasons"]), d["method"], list(d["alternatives"]), d.get("page"))
    return out


class Counts(NamedTuple):
    verified: int  # fields verified with a value
    review: int  # fields for review


def counts(record: dict[str, Any], threshold: float = REVIEW_THRESHOLD) -> Counts:
    """(fields verified with a value, fields for review) of a record."""
    return count(field_results(record).values(), threshold)


def count_verified(fields: Iterable[FieldResult]) -> int:
    """The fields verified with a value."""
    return sum(r.status == "verified" and r.value is not None for r in fields)


def count(fields: Iterable[FieldResult], threshold: float = REVIEW_THRESHOLD) -> Counts:
    fields = list(fields)
    return Counts(count_verified(fields), sum(r.needs_review(threshold) for r in fields))


def _atomic_write(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def record_line(record: dict[str, Any]) -> bytes:
    """A record's line in results.jsonl, encoded (compact: an indented dump takes json's pure-Python path)."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def csv_line(row: list[Any]) -> bytes:
    """One CSV row (the csv module's quoting, `\\r\\n` at its end), encoded."""
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    return buf.getvalue().encode("utf-8")


def csv_cells(flat: dict[str, dict[str, Any]]) -> tuple[bytes, bytes]:
    """A record's CSV cells after the base columns (each field's value and shown status), encoded, each cell preceded
    by its comma: those of the fields outside the template's table, and those of its cells (`paths(False)` and the
    rest of `paths(True)`, which follow them)."""
    out = []
    for cols in _column_parts():
        row: list[str] = []
        for p in cols:
            f = flat.get(p)
            row += [csv_value(f["value"]) if f is not None else "", shown_status(f)]
        out.append(b"," + csv_line(row)[:-2] if row else b"")
    return out[0], out[1]


@functools.cache
def _column_parts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    every, outside = paths(True), paths(False)
    assert every[:len(outside)] == outside  # the table's cells come last in the catalogue
    return tuple(outside), tuple(every[len(outside):])


def lock_out(out_dir: str) -> IO[str]:
    """Own OUT for this process: an exclusive lock on OUT/.extractor.lock (released when the process ends, however it
    ends). A directory another run holds is refused with one line naming its process."""
    import fcntl

    from extractor.core.errors import ExtractorError, OutputBusy

    try:
        os.makedirs(out_dir, exist_ok=True)
        fh = open(os.path.join(out_dir, LOCK), "a+", encoding="utf-8")
    except OSError as exc:
        raise ExtractorError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise OutputBusy(f"{out_dir} is being written by another extractor run (pid {holder}); wait for it to "
                         "finish or use another --out") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


class Writer:
    """Streams a run's results to OUT as they come, into `.part` files renamed over results.jsonl, results.csv and
    errors.txt when the run completes (interrupted, stopped or killed, the last complete files stay). A re-run
    rewrites them whole (reports already done come back from the run database), so each report appears once.
    The caller owns OUT (`lock_out`)."""

    def __init__(self, out_dir: str, include_cells: bool = True, threshold: float = REVIEW_THRESHOLD,
                 per_report: bool = False) -> None:
        os.makedirs(out_dir, exist_ok=True)
        if per_report:
            os.makedirs(os.path.join(out_dir, "reports"), exist_ok=True)
        for stale in glob.glob(os.path.join(out_dir, "reports", "*.json.tmp*")):
            os.remove(stale)  # a per-report file a killed run was writing: its report is redone or re-emitted
        self.out_dir = out_dir
        self.per_report = per_report  # a JSON file per report beside results.jsonl (a second copy of each record)
        self.threshold = threshold
        self.columns = paths(include_cells)
        self._full = self.columns == paths(True)
        part = {f: os.path.join(out_dir, f + ".part") for f in RUN_FILES}
        self._jsonl: IO[bytes] = open(part["results.jsonl"], "wb")  # lines come encoded (`record_line`)
        self._csv_fh: IO[bytes] = open(part["results.csv"], "wb")
        self._csv_fh.write(b"\xef\xbb\xbf")  # utf-8-sig: the byte order mark spreadsheets read the encoding from
        self._csv_fh.write(csv_line(BASE_COLUMNS + status_columns(self.columns)))
        self._csv_fh.flush()
        self._errors: IO[str] = open(part["errors.txt"], "w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> Counts:
        """Write one report's record (one read back from the store); returns (fields verified, fields for review).
        A run's own results come encoded (`write_line`)."""
        results = list(field_results(record).values())
        need = catalogue_order(r.path for r in results if r.needs_review(self.threshold))
        cells, table = csv_cells(flatten(record["fields"]))
        return self.write_line(record["id"], record["path"], record["backend"], record.get("status", "done"),
                               record_line(record), cells, table, count_verified(results), need)

    def write_line(self, report_id: str, path: str, backend: str, status: str, line: bytes, cells: bytes,
                   table_cells: bytes, verified: int, need: list[str]) -> Counts:
        """Write one report already encoded where it was made (`record_line`, `csv_cells`): `need` are its fields
        for review under this writer's threshold, in catalogue order."""
        if self.per_report:
            name = f"{os.path.splitext(os.path.basename(path))[0]}.{report_id}.json"
            _atomic_write(os.path.join(self.out_dir, "reports", name), line)
        self._jsonl.write(line)
        self._jsonl.flush()
        head = csv_line([report_id, path, backend, status, verified, len(need), csv_value(need)])
        self._csv_fh.write(head[:-2] + (cells + table_cells if self._full else cells) + b"\r\n")
        self._csv_fh.flush()
        return Counts(verified, len(need))

    def error(self, path: str, message: str) -> None:
        one_line = " ".join(message.split())  # one line per failed file, whatever the exception says
        self._errors.write(f"{path}\t{one_line}\n")
        self._errors.flush()

    def close(self, complete: bool = True) -> None:
        """Close every file, even when one fails (a full disk fails the last flush): the first failure is raised.
        `complete`: the run went through, and its files replace the last run's; otherwise the last complete files
        stay and this run's partial ones are left as `.part` beside them."""
        first: BaseException | None = None
        for fh in (self._jsonl, self._csv_fh, self._errors):
            try:
                fh.close()
            except Exception as exc:  # noqa: BLE001 - kept and raised once the others are closed
                first = first or exc
        if first is not None:
            raise first
        if not complete:
            return
        for f in RUN_FILES:  # complete: each replaces the last run's file at once
            os.replace(os.path.join(self.out_dir, f + ".part"), os.path.join(self.out_dir, f))


# the dataset, decisions applied ---------------------------------------------------------------------

def dataset_rows(store: Store, cfg_hash: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per report: the latest result's values with every reviewer's decision applied.

    A report is its stable key (`Store.identity`): copies of it scraped again and its versions are one row, the
    latest version's, with `report_key` and `versions` (every version's id with a result, oldest first).
    `values` maps each field to its final value; `status` to its status (`decided` where a person decided,
    empty for an empty field); `decided` maps each field a person decided (on any version) to who, when, and the
    machine value the decision replaced; `needs_review` lists the fields still open in the review queue; `pages` maps
    each field read from a paged input (PDF, scan) to the page of its evidence; `body_key` is who issued it
    (`reconcile.bodies`) and `duplicate_of` the report it repeats (same body and year: a mirror, a re-post, a 工作总结
    beside its 年报), null for the one kept, so the dataset counts each report once; `fields` is the full per-report
    record (machine values, evidence, status) for traceability."""
    from extractor.export_cells import Who, report_identities
    from extractor.review.queue import OPEN_STATES

    by_key: dict[str, dict[str, Decision]] = {}
    for (key, path), d in store.review.key_decisions().items():
        by_key.setdefault(key, {})[path] = d
    open_items = store.review.open_paths(OPEN_STATES, cfg_hash)
    keys = store.keys()
    who = report_identities(store, cfg_hash)
    grouped: dict[str, list[Any]] = {}
    for res in store.latest_results(cfg_hash):
        grouped.setdefault(keys.get(res.report_id, res.report_id), []).append(res)
    for key in sorted(grouped):
        order = {rid: i for i, rid in enumerate(store.review.versions(key))}
        results = sorted(grouped[key], key=lambda r: order.get(r.report_id, len(order)))
        latest = results[-1]
        row = _dataset_row(store.record(latest.report_id, latest.config_hash), key,
                           [r.report_id for r in results], by_key.get(key, {}), open_items)
        w = who.get(latest.report_id, Who(None, None, None, None))
        yield {**row, "body_key": w.body_key, "duplicate_of": w.duplicate_of}


def _dataset_row(record: dict[str, Any], key: str, versions: list[str], decisions: dict[str, Decision],
                 open_items: dict[str, list[str]]) -> dict[str, Any]:
    flat = flatten(record["fields"])
    values = {p: d["value"] for p, d in flat.items()}
    status = {p: shown_status(d) for p, d in flat.items()}
    decided = {}
    for path, d in decisions.items():
        values[path] = d.value
        status[path] = "decided"
        decided[path] = {"value": d.value, "machine_value": d.machine_value, "reviewer": d.reviewer,
                         "decided_at": d.ts, "action": d.action, "report_id": d.report_id}
    return {"id": record["id"], "report_key": key, "versions": versions, "path": record["path"],
            "backend": record["backend"], "values": {p: values.get(p) for p in catalogue()},
            "status": {p: status.get(p, "") for p in catalogue()}, "decided": decided,
            "needs_review": catalogue_order(open_items.get(record["id"], [])),
            "pages": {p: d["page"] for p, d in flat.items() if d.get("page")}, "fields": record["fields"]}


def export_dataset(store: Store, out: str, fmt: str, cfg_hash: str | None = None, include_cells: bool = True) -> int:
    """Write the dataset to OUT as jsonl, csv (a column per field and its `<path>.status`, `decided_fields` naming
    what a person decided, `needs_review` what is still open in the queue, `pages` the JSON map of each field to its
    page for a PDF or scan) or parquet (the same, typed columns).
    Returns the number of reports written."""
    from extractor.core.errors import ConfigError

    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "cells":
        from extractor.export_cells import export_cells

        return export_cells(store, out, cfg_hash, include_cells)
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    cols = paths(include_cells)
    n = 0
    if fmt == "jsonl":
        with open(out, "w", encoding="utf-8") as fh:
            for row in dataset_rows(store, cfg_hash):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        return n
    flat_rows = ({"id": r["id"], "report_key": r["report_key"], "versions": r["versions"], "path": r["path"],
                  "backend": r["backend"], "decided_fields": sorted(r["decided"]), "needs_review": r["needs_review"],
                  "pages": json.dumps(r["pages"], ensure_ascii=False) if r["pages"] else None,
                  "body_key": r["body_key"], "duplicate_of": r["duplicate_of"],
                  **{k: v for p in cols for k, v in ((p, r["values"][p]), (f"{p}.status", r["status"][p]))}}
                 for r in dataset_rows(store, cfg_hash))
    header = ["id", "report_key", "versions", "path", "backend", "decided_fields", "needs_review", "pages",
              "body_key", "duplicate_of",
              *status_columns(cols)]
    if fmt == "csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for r in flat_rows:
                w.writerow([csv_value(r[c]) for c in header])
                n += 1
        return n
    return _parquet(flat_rows, out, cols)


def _parquet(rows: Iterator[dict[str, Any]], out: str, cols: list[str], batch: int = 1000) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from extractor.core.errors import ConfigError

        raise ConfigError("parquet export needs pyarrow: pip install 'extractor[parquet]'") from None
    types = {"int": pa.int64(), "yuan": pa.float64(), "list": pa.list_(pa.string())}
    schema = pa.schema([("id", pa.string()), ("report_key", pa.string()), ("versions", pa.list_(pa.string())),
                        ("path", pa.string()), ("backend", pa.string()),
                        ("decided_fields", pa.list_(pa.string())), ("needs_review", pa.list_(pa.string())),
                        ("pages", pa.string()), ("body_key", pa.string()), ("duplicate_of", pa.string())]
                       + [f for c in cols for f in ((c, types.get(catalogue()[c].kind, pa.string())),
                                                      (f"{c}.status", pa.string()))])
    n = 0
    with pq.ParquetWriter(out, schema) as w:
        chunk: list[dict[str, Any]] = []
        for r in rows:
            chunk.append(r)
            if len(chunk) >= batch:
                w.write_table(pa.Table.from_pylist(chunk, schema=schema))
                n += len(chunk)
                chunk = []
        if chunk or n == 0:
            w.write_table(pa.Table.from_pylist(chunk, schema=schema))
            n += len(chunk)
    return n
