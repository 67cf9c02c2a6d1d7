#!/usr/bin/env python3
"""Storage per report: what `extractor run` leaves on disk for N synthetic reports, per report and by part (the run
database, results.jsonl, results.csv, per-report JSON with `--per-report-json`), beside the reports' own size.

Figures, not assertions (`make bench` runs it; `--n` sets the corpus size, 10,000 by default).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from extractor.evaluation import corpus  # noqa: E402


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def _tables(db: str) -> dict[str, int]:
    """Bytes per table and index (SQLite's dbstat, where this SQLite has it)."""
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


def measure(n: int, per_report_json: bool, work: str) -> dict[str, float]:
    src, out, db = os.path.join(work, "corpus"), os.path.join(work, "out"), os.path.join(work, "run.db")
    if not os.path.isdir(src):
        corpus.write(src, n, seed=1, with_gold=False)
    for p in (out, db):
        subprocess.run(["rm", "-rf", p, p + "-wal", p + "-shm"], check=True)
    cmd = [sys.executable, "-m", "extractor", "run", os.path.join(src, "reports"), "--out", out, "--db", db,
           "--backend", "rules", "--no-progress"] + (["--per-report-json"] if per_report_json else [])
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    parts = {"reports (input)": _size(os.path.join(src, "reports")), "run database": _size(db),
             "results.jsonl": _size(os.path.join(out, "results.jsonl")),
             "results.csv": _size(os.path.join(out, "results.csv")),
             "per-report JSON": _size(os.path.join(out, "reports")) if per_report_json else 0}
    print(f"\n{n} synthetic reports, --per-report-json {'on' if per_report_json else 'off'} (KB per report)")
    for name, size in parts.items():
        print(f"  {name:<24} {size / n / 1024:8.1f}")
    stored = sum(v for k, v in parts.items() if k != "reports (input)")
    print(f"  {'all output':<24} {stored / n / 1024:8.1f}")
    for name, size in list(_tables(db).items())[:6]:
        print(f"    db {name:<28} {size / n / 1024:8.1f}")
    return {k: v / n for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        measure(args.n, False, work)
        measure(args.n, True, work)


if __name__ == "__main__":
    main()
