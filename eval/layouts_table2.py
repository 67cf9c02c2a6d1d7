"""Per-layout figures for table 二 (主动公开政府信息情况) on random tables, with and without prose witnesses.

    python eval/layouts_table2.py [--n 100] [--seed 1]
    python eval/layouts_table2.py --settled gold/dev /other/gold/dir   # how each row's reading was settled

For each layout of `extractor.template.synth_table2`, renders N random tables 二 (both template versions) in a
minimal report, once without prose and once with sentences stating some of the values (and distractors that are
no witness), runs the whole pipeline on each and prints the share of table 二 fields read back exactly, left null
as ambiguous (sent to review) and wrong. Wrong must be 0; `tests/test_table2.py` asserts it on a smaller sample.

With `--settled`, it reads the reports of the gold directories instead and counts, per table 二 row with a field,
what settled its reading: one number per cell (`cells`), the template's rules alone (`template`: no leading zero,
`-` only in 本年增/减), prose witnesses (`witness: <rule>`), nothing (`ambiguous`), or witnesses that contradict
every reading (`contradicted`).
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import random
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from extractor.backends import create  # noqa: E402
from extractor.ingest.read import load  # noqa: E402
from extractor.pipeline import process  # noqa: E402
from extractor.rules import legacy_table  # noqa: E402
from extractor.rules.common import Context  # noqa: E402
from extractor.template import read as standard_table  # noqa: E402
from extractor.template.synth_table2 import LAYOUTS, report  # noqa: E402
from extractor.text.clean import clean  # noqa: E402
from extractor.text.numbers import values_equal  # noqa: E402

_SETTLED = re.compile(r"^table 二 (\S+) \(([^;]+); settled by ([^)]*)\)")


def figures(n: int, seed: int) -> int:
    backend = create("rules")
    wrong_total = 0
    print(f"{'layout':<14} {'prose':>5} {'tables':>6} {'cells':>6} {'exact':>8} {'ambiguous':>10} {'wrong':>6} "
          f"{'tables with any ambiguous cell':>31}")
    with tempfile.TemporaryDirectory() as tmp:
        for layout in LAYOUTS:
            for with_prose in (False, True):
                cells = exact = amb = wrong = amb_tables = 0
                for i in range(n):
                    rng = random.Random(seed * 1_000_003 + i)  # the same tables with and without prose
                    text, suffix, t, _stated = report(rng, rng.choice(["2019", "2021"]), layout, with_prose)
                    path = os.path.join(tmp, f"{layout}_{with_prose}_{i}{suffix}")
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text)
                    r = process(load(path), backend)
                    any_amb = False
                    for p, v in t.fields().items():
                        f = r.fields.get(p)
                        cells += 1
                        if f is not None and f.value is None and f.status == "ambiguous" and f.needs_review():
                            amb += 1
                            any_amb = True
                        elif f is not None and f.value is not None and values_equal(f.value, v):
                            exact += 1
                        else:
                            wrong += 1
                    amb_tables += any_amb
                wrong_total += wrong
                print(f"{layout:<14} {'yes' if with_prose else 'no':>5} {n:>6} {cells:>6} {exact / cells:>8.2%} "
                      f"{amb / cells:>10.2%} {wrong:>6} {amb_tables / n:>31.1%}")
    return 1 if wrong_total else 0


def settled(dirs: list[str]) -> int:
    """How each table 二 row's reading was settled, over the reports of the gold directories."""
    counts: collections.Counter[str] = collections.Counter()
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "reports", "*"))):
            if not path.endswith((".txt", ".html")):
                continue
            ctx = Context(clean(load(path).original))
            legacy_table.extract(ctx)
            rows = {}
            for c in standard_table.extract(ctx):
                m = _SETTLED.match(c.note)
                if m:
                    rows[m.group(1)] = (m.group(2), m.group(3))
            for row, (how, by) in rows.items():
                counts[by] += 1
                print(f"{os.path.basename(path):<60} {row:<12} {how:<18} {by}")
    print()
    for by, k in counts.most_common():
        print(f"{k:>4}  {by}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="tables per layout")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--settled", nargs="+", metavar="GOLD_DIR", help="count how the dev reports' rows were settled")
    args = ap.parse_args()
    return settled(args.settled) if args.settled else figures(args.n, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
