"""Writing results: a JSON per report, results.jsonl, a flat results.csv (UTF-8 with BOM), errors."""

from __future__ import annotations

import csv
import json
import os
from typing import IO, Any

from .catalogue import paths
from .pipeline import ReportResult

BASE_COLUMNS = ["id", "path", "backend", "fields_verified", "fields_for_review"]


def csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "；".join(str(x) for x in v)
    return str(v)


class Writer:
    """Streams results to OUT as they come; every write is flushed so an interrupted run keeps them."""

    def __init__(self, out_dir: str, include_cells: bool = True) -> None:
        os.makedirs(os.path.join(out_dir, "reports"), exist_ok=True)
        self.out_dir = out_dir
        self.columns = paths(include_cells)
        self._jsonl: IO[str] = open(os.path.join(out_dir, "results.jsonl"), "w", encoding="utf-8")
        self._csv_fh: IO[str] = open(os.path.join(out_dir, "results.csv"), "w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_fh)
        self._csv.writerow(BASE_COLUMNS + self.columns)
        self._errors: IO[str] = open(os.path.join(out_dir, "errors.txt"), "w", encoding="utf-8")

    def write(self, result: ReportResult) -> dict[str, Any]:
        record = result.record()
        name = f"{os.path.splitext(result.doc.name)[0]}.{result.doc.id}.json"
        with open(os.path.join(self.out_dir, "reports", name), "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False, indent=1)
        self._jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._jsonl.flush()
        verified = sum(1 for r in result.fields.values() if r.status == "verified" and r.value is not None)
        review = len(result.review_items())
        row = [result.doc.id, result.doc.path, result.backend, verified, review]
        row += [csv_value(result.value(p)) for p in self.columns]
        self._csv.writerow(row)
        self._csv_fh.flush()
        return record

    def error(self, path: str, message: str) -> None:
        one_line = " ".join(message.split())  # one line per failed file, whatever the exception says
        self._errors.write(f"{path}\t{one_line}\n")
        self._errors.flush()

    def close(self) -> None:
        for fh in (self._jsonl, self._csv_fh, self._errors):
            fh.close()
