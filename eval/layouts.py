"""Per-layout figures for the standard-table parser on random consistent tables (issue: standard tables).

    python eval/layouts.py [--n 100] [--seed 1] [--subtotal]

For each layout of `extractor.template.synth`, renders N random tables (both template versions, sparse to dense),
runs the whole pipeline on each and prints the share of cells read back exactly, left null as ambiguous
(sent to review) and wrong. Wrong must be 0; the test suite asserts it on a smaller sample. With `--subtotal`,
table 三 has the 小计 column some reports add (every layout but pdf_columns).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from extractor.backends import create  # noqa: E402
from extractor.ingest.read import load  # noqa: E402
from extractor.pipeline import process  # noqa: E402
from extractor.template.synth import LAYOUTS, random_tables, render_report  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="tables per layout")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--subtotal", action="store_true", help="table 三 with a 小计 column")
    args = ap.parse_args()
    backend = create("rules")
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
    return 1 if wrong_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
