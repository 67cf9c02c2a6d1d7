"""CPU-milliseconds per report, stage by stage, of the rules path (`make bench` prints them; also runnable alone).

Each stage is timed with `time.process_time` (CPU of this process, not the wall clock: stable on a shared machine)
over the same reports, and the median of `repeats` passes is kept. The stages are the ones a report goes through in
`extractor run`: decode (`ingest.load`), clean, sections, the rules (their own share: sections and cleaning excluded),
reconcile (`pipeline._result`: verify, decide, the unread marks, pages, the body digest), the record (`bulk.prepare`, in the worker: the compact record built, each
field validated against the schema, encoded, with its CSV cells and database rows), pickling back to the main process
(and unpickling there), and the main process's commit and file writes (`bulk.sink.Sink.take`).

    python benchmarks/stages.py [PATHS...]     # default: the bundled reports and 300 synthetic ones
"""

from __future__ import annotations

import glob
import os
import pickle
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

STAGES = ("decode", "clean", "sections", "rules", "reconcile", "record", "pickle", "commit+write")


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    c0 = time.process_time()
    out = fn()
    return time.process_time() - c0, out


def one_pass(paths: list[str], work: str) -> dict[str, float]:
    """CPU seconds per stage over `paths` (one pass)."""
    from extractor import backends
    from extractor.bulk import prepared
    from extractor.bulk.sink import Sink
    from extractor.export import Writer
    from extractor.ingest import load
    from extractor.pipeline import _result
    from extractor.review.routing import routed_store
    from extractor.rules.common import Context
    from extractor.store.db import connect
    from extractor.store.results import engine_config
    from extractor.text.clean import clean
    from extractor.text.sections import find_sections

    rules = backends.create("rules")
    for f in glob.glob(os.path.join(work, "stages.db*")):
        os.remove(f)
    store = routed_store(connect(os.path.join(work, "stages.db")), 0.8)
    run = store.start_run(engine_config(rules))
    writer = Writer(os.path.join(work, "stages_out"), threshold=0.8)
    sink = Sink(store, run, writer)
    cpu = dict.fromkeys(STAGES, 0.0)
    orig_sections = Context.__dict__["sections"]
    for p in paths:
        t, doc = _timed(lambda: load(p))  # noqa: B023
        cpu["decode"] += t
        t, cleaned = _timed(lambda: clean(doc.original))  # noqa: B023
        cpu["clean"] += t
        t, secs = _timed(lambda: find_sections(cleaned.body.text))  # noqa: B023
        cpu["sections"] += t
        # the rules, with the sections already found (their own share only)
        Context.sections = property(lambda self, s=secs: s)  # type: ignore[method-assign,assignment]
        try:
            t, proposal = _timed(lambda: rules.propose(doc, cleaned))  # noqa: B023
        finally:
            Context.sections = orig_sections  # type: ignore[method-assign]
        cpu["rules"] += t

        # what a run does after the backend: verify, decide, the unread marks, pages, the body's digest
        t, result = _timed(lambda: _result(doc, rules, proposal, cleaned))  # noqa: B023
        cpu["reconcile"] += t
        t, out = _timed(lambda: prepared(p, result))  # noqa: B023  (what the worker sends: record, rows, lines)
        cpu["record"] += t
        t, back = _timed(lambda: pickle.loads(pickle.dumps(out)))  # noqa: B023
        cpu["pickle"] += t
        t, _ = _timed(lambda: sink.take(back))  # noqa: B023
        cpu["commit+write"] += t
    writer.close(complete=True)
    store.con.close()
    return cpu


# the yardstick: a plain pass that reads each file and runs a dozen regexes over it (issue 21 measured it at 0.31 ms a
# report when the rules path cost 37 times as much); the rules path's total is also quoted as a multiple of it, a
# ratio that stays put across machines where CPU-ms do not
_PLAIN = [re.compile(p) for p in (r"\d+", r"[一二三四五六七八九十]+、", r"(\d{4})年", r"申请", r"公开", r"复议|诉讼",
                                      r"[（(][一二三四五六七八九十][）)]", r"\n\s*\n", r"政府信息", r"第[一二三四五六七八九十]+",
                                      r"[，。；]", r"万元|元")]


def plain_pass(paths: list[str]) -> float:
    """CPU seconds of the yardstick over `paths`."""
    c0 = time.process_time()
    for p in paths:
        with open(p, "rb") as fh:
            text = fh.read().decode("utf-8", errors="replace")
        for rx in _PLAIN:
            rx.findall(text)
    return time.process_time() - c0


def per_report_ms(paths: list[str], repeats: int = 3) -> dict[str, float]:
    """Median over `repeats` passes of each stage's CPU-ms per report (a warm-up pass first), and their total."""
    work = tempfile.mkdtemp(prefix="extractor-stages-")
    one_pass(paths[:20], work)  # imports, compiled patterns, the schema
    passes = [one_pass(paths, work) for _ in range(repeats)]
    out = {s: statistics.median(p[s] for p in passes) * 1000 / len(paths) for s in STAGES}
    out["total"] = statistics.median(sum(p.values()) for p in passes) * 1000 / len(paths)
    out["plain"] = statistics.median(plain_pass(paths) for _ in range(repeats)) * 1000 / len(paths)
    return out


def print_table(label: str, ms: dict[str, float]) -> None:
    print(f"  {label}: " + "  ".join(f"{s} {ms[s]:.2f}" for s in (*STAGES, "total")) + "  (CPU-ms per report)"
          f"; {ms['total'] / ms['plain']:.1f}x a plain pass ({ms['plain']:.2f} ms)")


def main() -> int:
    from extractor.evaluation import corpus

    paths = sys.argv[1:]
    if paths:
        print_table(f"{len(paths)} reports", per_report_ms(paths))
        return 0
    bundled = sorted(glob.glob(os.path.join(ROOT, "gold", "*", "reports", "*.txt")))
    print_table(f"bundled ({len(bundled)})", per_report_ms(bundled))
    src = tempfile.mkdtemp(prefix="extractor-stages-corpus-")
    corpus.write(src, 300, seed=1, with_gold=False)
    print_table("synthetic (300)", per_report_ms(sorted(glob.glob(os.path.join(src, "reports", "*")))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
