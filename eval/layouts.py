"""Per-layout figures for the table readers on random consistent tables (issues: standard tables, legacy tables).

    python eval/layouts.py [--n 100] [--seed 1] [--subtotal] [--tables all|national|legacy]

For each layout of `extractor.template.synth`, renders N random tables (both template versions, sparse to dense),
runs the whole pipeline on each and prints the share of cells read back exactly, left null as ambiguous
(sent to review) and wrong. Wrong must be 0; the test suite asserts it on a smaller sample. With `--subtotal`,
table 三 has the 小计 column some reports add (every layout but pdf_columns).

Then the same for the old 统计表 (`extractor.template.legacy_synth`): N random tables per layout, one or two number
columns, label variants, blank cells, a fifth in traditional script and, in half the reports, the prose stating
the year's totals (witnesses); the cells are each table's fields (the cell of the year), `witness` counts those a
prose number settled.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from extractor.backends import create  # noqa: E402
from extractor.evaluation.corpus import to_traditional  # noqa: E402
from extractor.ingest.read import load  # noqa: E402
from extractor.pipeline import process  # noqa: E402
from extractor.template import legacy_synth  # noqa: E402
from extractor.template.synth import LAYOUTS, random_tables, render_report  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="tables per layout")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--subtotal", action="store_true", help="table 三 with a 小计 column")
    ap.add_argument("--tables", choices=("all", "national", "legacy"), default="all")
    args = ap.parse_args()
    backend = create("rules")
    wrong_total = 0
    if args.tables != "legacy":
        wrong_total += national(args, backend)
    if args.tables != "national":
        wrong_total += legacy(args, backend)
    return 1 if wrong_total else 0


def national(args: argparse.Namespace, backend: object) -> int:
    wrong_total = 0
    print(f"{'layout':<14} {'tables':>6} {'cells':>7} {'exact':>8} {'ambiguous':>10} {'wrong':>6} {'tables with any ambiguous cell':>31}")
    with tempfile.TemporaryDirectory() as tmp:
        for layout in [x for x in LAYOUTS if not (args.subtotal and x == "pdf_columns")]:
            rng = random.Random(args.seed)
            cells = exact = amb = wrong = amb_tables = 0
            for i in range(args.n):
                t = random_tables(rng, rng.choice(["2019", "2021"]), density=rng.choice([0.05, 0.3, 0.8]))
                text, suffix = render_report(t, layout, subtotal=args.subtotal)
                path = os.path.join(tmp, f"{layout}_{i}{suffix}")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
                r = process(load(path), backend)
                any_amb = False
                for p, v in t.cells().items():
                    f = r.fields.get(p)
                    cells += 1
                    if f is not None and f.value is None and f.status == "ambiguous":
                        amb += 1
                        any_amb = True
                    elif f is not None and f.value == v:
                        exact += 1
                    else:
                        wrong += 1
                amb_tables += any_amb
            wrong_total += wrong
            print(f"{layout:<14} {args.n:>6} {cells:>7} {exact / cells:>8.2%} {amb / cells:>10.2%} {wrong:>6} "
                  f"{amb_tables / args.n:>31.1%}")
    return wrong_total


def legacy(args: argparse.Namespace, backend: object) -> int:
    """The old 统计表, layout by layout: the same figures, and how many cells a prose witness settled."""
    wrong_total = 0
    if args.tables == "all":
        print()
    print("legacy 统计表")
    print(f"{'layout':<14} {'tables':>6} {'cells':>7} {'exact':>8} {'ambiguous':>10} {'wrong':>6} {'witness':>8} "
          f"{'tables with any ambiguous cell':>31}")
    with tempfile.TemporaryDirectory() as tmp:
        for layout in legacy_synth.LAYOUTS:
            rng = random.Random(args.seed)
            counts = {"exact": 0, "ambiguous": 0, "wrong": 0}
            witness = amb_tables = 0
            for i in range(args.n):
                t = legacy_synth.random_table(rng)
                text, suffix, gold = legacy_synth.render_report(t, layout, witnesses=rng.random() < 0.5)
                text = to_traditional(text) if rng.random() < 0.2 else text
                gold.pop("meta.format")
                path = os.path.join(tmp, f"legacy_{layout}_{i}{suffix}")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
                r = process(load(path), backend)
                verdicts = legacy_synth.judge(gold, r.fields)
                for v in verdicts.values():
                    counts[v] += 1
                witness += sum(1 for p in verdicts if p in r.fields and "settled_by_witness" in r.fields[p].reasons)
                amb_tables += "ambiguous" in verdicts.values()
            cells = sum(counts.values())
            wrong_total += counts["wrong"]
            print(f"{layout:<14} {args.n:>6} {cells:>7} {counts['exact'] / cells:>8.2%} "
                  f"{counts['ambiguous'] / cells:>10.2%} {counts['wrong']:>6} {witness:>8} {amb_tables / args.n:>31.1%}")
    return wrong_total


if __name__ == "__main__":
    raise SystemExit(main())
