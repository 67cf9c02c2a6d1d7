"""Write a synthetic corpus with its gold files, for scale tests and fuzzing (never a substitute for real gold).

    python eval/synth.py OUT [--n 300] [--seed 1]
    extractor eval --gold OUT          # score the rules against it
    extractor run OUT/reports --out …  # or convert it, at any size

Reports in every format (narrative, legacy table, standard table 2019/2021 in every layout) with random but
consistent numbers and the noise of real crawls (site chrome, crawler headers, a paragraph pasted twice,
traditional script). Streamed: memory does not grow with N.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from extractor.evaluation import corpus  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="directory: gold files here, reports in OUT/reports")
    ap.add_argument("--n", type=int, default=300, help="how many reports")
    ap.add_argument("--seed", type=int, default=1, help="the same seed writes the same corpus")
    ap.add_argument("--no-gold", action="store_true", help="reports only")
    a = ap.parse_args()
    n = corpus.write(a.out, a.n, seed=a.seed, with_gold=not a.no_gold)
    print(f"{n} reports in {os.path.join(a.out, 'reports')}" + ("" if a.no_gold else f", gold files in {a.out}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
