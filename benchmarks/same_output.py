"""The records the rules path makes, written down or compared byte for byte: the check that a change made for speed
changed nothing of the output (issue 21's "output identical").

    python benchmarks/same_output.py save BASE.jsonl [--n 300]    # the bundled reports and n synthetic ones
    python benchmarks/same_output.py check BASE.jsonl [--n 300]   # exit 1, with the first differences, if any differ

Each line is one report's compact record (`ReportResult.compact()`, keys sorted) with its path made relative to its
corpus, so two checkouts compare equal.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def records(n: int) -> list[str]:
    from extractor import backends
    from extractor.evaluation import corpus
    from extractor.ingest import load
    from extractor.pipeline import process

    rules = backends.create("rules")
    src = tempfile.mkdtemp(prefix="extractor-same-")
    corpus.write(src, n, seed=1, with_gold=False)
    paths = sorted(glob.glob(os.path.join(ROOT, "gold", "*", "reports", "*")))
    paths += sorted(glob.glob(os.path.join(src, "reports", "*")))
    out = []
    for p in paths:
        rec = process(load(p), rules).compact()
        rec["path"] = os.path.relpath(p, ROOT if p.startswith(ROOT) else src)
        out.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("save", "check"))
    ap.add_argument("base")
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    lines = records(a.n)
    if a.mode == "save":
        with open(a.base, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        print(f"{len(lines)} records saved to {a.base}")
        return 0
    with open(a.base, encoding="utf-8") as fh:
        base = fh.read().splitlines()
    if len(base) != len(lines):
        print(f"{len(lines)} records, {len(base)} in {a.base}")
        return 1
    differ = [(b, n) for b, n in zip(base, lines, strict=True) if b != n]
    for b, n in differ[:3]:
        bd, nd = json.loads(b), json.loads(n)
        print(f"differs: {nd['path']}")
        for g, fields in nd["fields"].items():
            for k in sorted(set(fields) | set(bd["fields"].get(g, {}))):
                if fields.get(k) != bd["fields"].get(g, {}).get(k):
                    print(f"  {g}.{k}: {bd['fields'].get(g, {}).get(k)} -> {fields.get(k)}")
    print(f"{len(lines) - len(differ)} of {len(lines)} records identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
