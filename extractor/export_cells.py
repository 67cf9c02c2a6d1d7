"""The cell-level export (`extractor export FILE --format cells`) and who-and-which-year marks for every export.

One row per (report, field), for analysts who pivot themselves: the final value (a reviewer's decision applied),
status, confidence, evidence, span, page (of a PDF or scan; null for input without pages), reasons,
and the decision (action, the value decided, the machine's value it replaced, who). Every row also names the
report's body key, year, and the report it repeats when it is a duplicate (one body, one year: the copy is
marked, the one kept has `duplicate_of` null, so counting rows where it is null counts each report once).
The file's extension chooses the container: `.parquet`, `.csv` (UTF-8 with BOM) or `.jsonl`.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extractor.core.catalogue import paths

if TYPE_CHECKING:
    from extractor.store.results import Store

CONTAINERS = ("parquet", "csv", "jsonl")
COLUMNS = ("report_id", "report_path", "body_key", "body_confidence", "report_year", "duplicate_of", "field",
           "value", "value_number", "status", "confidence", "evidence", "span_start", "span_end", "page", "reasons",
           "method", "decision", "decided_value", "machine_value", "reviewer", "decided_at")


@dataclass(frozen=True)
class Who:
    body_key: str | None
    body_confidence: float | None
    year: int | None
    duplicate_of: str | None


def report_identities(store: Store, cfg_hash: str | None = None) -> dict[str, Who]:
    """Per report: its body key, year, and the report it repeats (same body and year), from its meta fields."""
    from extractor.reconcile.bodies import duplicates, identity
    from extractor.store.across import AcrossRows

    metas = AcrossRows(store.con).metas(cfg_hash)
    ids = {m.report_id: identity(m.report_id, m.values, m.confidence, m.verified) for m in metas}
    dups = duplicates(ids.values())
    return {rid: Who(i.body.key if i.body else None, i.body.confidence if i.body else None, i.year, dups.get(rid))
            for rid, i in ids.items()}


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def cell_rows(store: Store, cfg_hash: str | None = None, include_cells: bool = True) -> Iterator[dict[str, Any]]:
    """One row per (report, field) of the latest results (or `cfg_hash`'s), decisions applied."""
    who = report_identities(store, cfg_hash)
    decisions = store.review.key_decisions()  # a decision follows its report to the report's other versions
    keys = store.keys()
    fields = paths(include_cells)
    for key in store.latest_results(cfg_hash):
        rid = key.report_id
        w = who.get(rid, Who(None, None, None, None))
        stored = store.fields(rid, key.config_hash)
        src = store.review.source_path(rid) or ""
        for p in fields:
            f = stored.get(p, {})
            d = decisions.get((keys.get(rid, rid), p))
            value = d.value if d is not None else f.get("value")
            span = f.get("span") or [None, None]
            yield {"report_id": rid, "report_path": src, "body_key": w.body_key, "body_confidence": w.body_confidence,
                   "report_year": w.year, "duplicate_of": w.duplicate_of, "field": p, "value": value,
                   "value_number": _number(value), "status": "decided" if d is not None else f.get("status", "unverified"),
                   "confidence": f.get("confidence", 0.0), "evidence": f.get("evidence"), "span_start": span[0],
                   "span_end": span[1], "page": f.get("page"), "reasons": list(f.get("reasons") or []),
                   "method": f.get("method"), "decision": d.action if d is not None else None,
                   "decided_value": d.value if d is not None else None,
                   "machine_value": (d.machine_value if d is not None else None),
                   "reviewer": d.reviewer if d is not None else None, "decided_at": d.ts if d is not None else None}


def _text(v: Any) -> str | None:
    """A value as one cell of text (JSON for anything but a string); None stays None."""
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for k in ("value", "decided_value", "machine_value"):
        out[k] = _text(row[k])
    return out


def export_cells(store: Store, out: str, cfg_hash: str | None = None, include_cells: bool = True) -> int:
    """Write the cell-level rows to OUT (container by extension); returns the number of reports written."""
    from extractor.core.errors import ConfigError

    container = os.path.splitext(out)[1].lstrip(".").lower() or "jsonl"
    if container not in CONTAINERS:
        raise ConfigError(f"--format cells writes .parquet, .csv or .jsonl, not {out!r}")
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    rows = cell_rows(store, cfg_hash, include_cells)
    reports: set[str] = set()
    if container == "jsonl":
        with open(out, "w", encoding="utf-8") as fh:
            for r in rows:
                reports.add(r["report_id"])
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif container == "csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for r in rows:
                reports.add(r["report_id"])
                flat = _flat(r)
                flat["reasons"] = "；".join(r["reasons"])
                w.writerow(["" if flat[c] is None else flat[c] for c in COLUMNS])
    else:
        _parquet(rows, out, reports)
    return len(reports)


def _parquet(rows: Iterator[dict[str, Any]], out: str, reports: set[str], batch: int = 5000) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from extractor.core.errors import ConfigError

        raise ConfigError("parquet export needs pyarrow: pip install 'extractor[parquet]'") from None
    s, f, i = pa.string(), pa.float64(), pa.int64()
    types = {"body_confidence": f, "report_year": i, "value_number": f, "confidence": f, "span_start": i, "span_end": i,
             "page": i, "reasons": pa.list_(s), "decided_at": f}
    schema = pa.schema([(c, types.get(c, s)) for c in COLUMNS])
    with pq.ParquetWriter(out, schema) as w:
        chunk: list[dict[str, Any]] = []
        for r in rows:
            reports.add(r["report_id"])
            chunk.append(_flat(r))
            if len(chunk) >= batch:
                w.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk = []
        w.write_table(pa.Table.from_pylist(chunk, schema=schema))
