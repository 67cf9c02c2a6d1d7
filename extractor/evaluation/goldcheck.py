"""Gold files checked against the field catalogue and the template's identities (`template.spec`).

A gold file is `{"report": str, "fields": {path: value}}`; a value is null, a value of its field's kind, or
`{"any_of": [values]}`. Every path must be a field gold has (`core.catalogue`); every value must be of its
field's kind; the template cells must satisfy every identity that can be checked on the cells labelled
(`Grid.instances`, the rule the checks on final values follow). An identity reports themselves break
(`REPORTS_BREAK`) is printed but not counted: the gold keeps what the report prints.

`docs/spec/check_gold.py` is the command-line wrapper: one line per problem, exit 1 if any is counted.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from extractor.core.catalogue import ENUMS, catalogue
from extractor.template.grid import Grid, Instance, RowSum
from extractor.template.spec import APPEALS, REQUESTS

GRIDS = (REQUESTS, APPEALS)
# the template states it (本列数据的勾稽关系为…), and reports still print figures that break it
REPORTS_BREAK = {(REQUESTS.key, "new_plus_carried_in")}


def kind(path: str) -> str | None:
    """The kind of a gold path as the messages name it (`enum:a,b,c` for an enum); None: not a gold field."""
    spec = catalogue().get(path)
    if spec is None or not spec.in_gold:
        return None
    return f"enum:{','.join(ENUMS[path])}" if spec.kind == "enum" else spec.kind


def check_value(k: str, v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, dict) and set(v) == {"any_of"}:
        alts = v["any_of"]
        return isinstance(alts, list) and bool(alts) and all(check_value(k, x) for x in alts)
    if k == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if k == "yuan":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if k == "text":
        return isinstance(v, str) and v.strip() != ""
    if k == "date":
        return isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None
    if k == "list":
        return isinstance(v, list) and all(isinstance(x, str) and x for x in v)
    if k.startswith("enum:"):
        return v in k[5:].split(",")
    return False


def identity_problems(fields: dict[str, Any], grid: Grid) -> list[tuple[Instance, float, float]]:
    """(instance, lhs sum, rhs sum) of every identity the labelled cells of `grid` break."""
    def value(key: tuple[str, str]) -> float | None:
        v = fields.get(grid.path(*key))
        return v if isinstance(v, int) else None

    rows = [r for r in grid.row_keys() if any(grid.path(r, c) in fields for c in grid.field_columns())]
    out = []
    for inst in grid.instances(rows, grid.field_columns()):
        sums = inst.sums(value)
        if sums is not None and not inst.holds(sums):
            out.append((inst, *sums))
    return out


def problems(name: str, gold: Any) -> list[tuple[str, bool]]:
    """(message, counted) for each problem of one gold file."""
    f = gold.get("fields") if isinstance(gold, dict) else None
    if not isinstance(gold, dict) or not isinstance(gold.get("report"), str) or not isinstance(f, dict):
        return [(f"{name}: needs 'report' (str) and 'fields' (object)", True)]
    out = []
    for p, v in f.items():
        k = kind(p)
        if k is None:
            out.append((f"{name}: unknown path {p}", True))
        elif not check_value(k, v):
            out.append((f"{name}: {p} = {v!r} is not a valid {k}", True))
    for grid in GRIDS:
        for inst, lhs, rhs in identity_problems(f, grid):
            ident = inst.identity
            where = "row" if isinstance(ident, RowSum) else "column"
            counted = (grid.key, ident.name) not in REPORTS_BREAK
            msg = f"{name}: {grid.key} {where} {inst.at}: {ident.says[0]} {lhs} != {ident.says[1]} {rhs}"
            out.append((msg if counted else msg + " (template identity; flag only)", counted))
    return out


def main(paths: list[str]) -> int:
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            gold = json.load(fh)
        for msg, counted in problems(path, gold):
            print(msg)
            bad += counted
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
