"""`extractor review` in the terminal: one item at a time, the evidence highlighted in its source.

Every decision is committed to the run database the moment it is typed, so quitting, a closed
terminal or a killed process loses nothing already confirmed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from extractor.review.queue import PRIORITY_NAMES, Item, Queue, ReviewError, seen

KEYS = "[a]ccept  [v]alue  [n]ull  [s]kip  [b]ack  [q]uit"  # printed as plain text: rich would take [a] for markup
PROMPT = "decision> "


def _v(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render(con: Console, item: Item, pos: int, total: int) -> None:
    con.rule(f"[{pos}/{total}]  item {item.id}  ·  {PRIORITY_NAMES.get(item.priority, '')}")
    con.print(Text.assemble(("field   ", "dim"), (item.path, "bold")))
    con.print(Text.assemble(("report  ", "dim"), item.report_path or item.report_id,
                            f"   page {item.page}" if item.page else ""))
    con.print(Text.assemble(("value   ", "dim"), (_v(item.value), "bold cyan"),
                            f"   status {item.status}   confidence {item.confidence:.2f}"))
    con.print(Text.assemble(("reasons ", "dim"), ", ".join(item.reasons) or "-"))
    d = item.decision
    if d is not None:
        when = datetime.fromtimestamp(d["ts"]).strftime("%Y-%m-%d %H:%M")
        con.print(Text.assemble(("decided ", "dim"), (_v(d["value"]), "bold green"),
                                f" by {d['reviewer']} at {when} (the machine had {_v(d['machine_value'])})"))
        if item.state == "reopened":
            con.print(Text(f"reopened: a re-run now gives {_v(item.value)}, not the {_v(d['machine_value'])} "
                           "the decision replaced", style="bold yellow"))
    shown = {tuple(c["span"]) for c in item.context}
    for a in item.alternatives:
        if not a.get("span") or tuple(a["span"]) not in shown:
            con.print(Text.assemble(("reading ", "dim"), _v(a.get("value")), f"  ({a.get('method') or a.get('backend') or ''})"))
    if not item.context:
        con.print(Text("no evidence in the source for this value", style="dim"))
    for c in item.context:
        con.print(Text(c["label"], style="dim underline"))
        con.print(Text.assemble("…", c["before"].replace("\n", "⏎ "), (c["text"], "bold black on yellow"),
                                c["after"].replace("\n", "⏎ "), "…"))


def interactive(queue: Queue, filters: dict[str, Any], reviewer: str | None, con: Console,
                ask: Callable[[str], str] = input) -> dict[str, int]:
    """Walk the queue; returns how many decisions of each kind were made."""
    ids = [it.id for it in queue.items(**filters)]
    made = {"accept": 0, "value": 0, "null": 0, "skip": 0}
    if not ids:
        con.print("the review queue is empty")
        return made
    i = 0
    while 0 <= i < len(ids):
        item = queue.get(ids[i])
        render(con, item, i + 1, len(ids))
        con.print(KEYS, style="dim", markup=False, highlight=False)
        try:
            key = ask(PROMPT).strip().lower()
        except EOFError:
            break
        try:
            if key == "a" and item.ambiguous:  # no machine value to accept: the reviewer picks the reading
                readings = ", ".join(_v(v) for v in item.readings()) or "none listed"
                con.print(f"{item.path} is ambiguous: nothing to accept; type the right value (readings {readings})",
                          style="yellow", markup=False)
                d = queue.decide(item.id, "value", ask(f"value for {item.path} (readings {readings})> "),
                                 reviewer=reviewer, expect=seen(item))
                con.print(f"saved: {item.path} = {_v(d['value'])}", style="green", markup=False)
                action = "value"
            elif key in ("a", "n"):
                action = "accept" if key == "a" else "null"
                d = queue.decide(item.id, action, reviewer=reviewer, expect=seen(item))
                con.print(f"saved: {item.path} = {_v(d['value'])}", style="green", markup=False)
            elif key == "v":
                d = queue.decide(item.id, "value", ask(f"value for {item.path}> "), reviewer=reviewer,
                                expect=seen(item))
                con.print(f"saved: {item.path} = {_v(d['value'])}", style="green", markup=False)
                action = "value"
            elif key == "s":
                action = "skip"
            elif key == "b":
                i = max(0, i - 1)
                continue
            elif key == "q":
                break
            else:
                con.print(f"unknown key {key!r}; {KEYS}", style="yellow", markup=False)
                continue
        except ReviewError as exc:
            con.print(f"not saved: {exc}", style="red", markup=False)
            continue
        except EOFError:
            break
        made[action] += 1
        i += 1
    con.print(f"decisions saved: {made['accept'] + made['value'] + made['null']} "
              f"(accepted {made['accept']}, corrected {made['value']}, set null {made['null']}); skipped {made['skip']}")
    return made
