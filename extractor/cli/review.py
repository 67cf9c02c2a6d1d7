"""The `review` and `export` commands (interactive queue, scripted decisions, stats, gold, dataset)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from extractor.cli.common import Db, existing_db, fail, os_error
from extractor.core.errors import ExtractorError

if TYPE_CHECKING:
    from rich.console import Console

    from extractor.review.queue import Queue

review_app = typer.Typer(add_completion=False, help="The review queue: values the checks cannot vouch for.")

Field = Annotated[str | None, typer.Option("--field", help="Only this field (or a prefix: requests, standard_table.appeals).")]
Report = Annotated[str | None, typer.Option("--report", help="Only this report (id prefix or part of its path).")]
Reason = Annotated[str | None, typer.Option("--reason", help="Only items with this reason (or status).")]
Reviewer = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: the OS user).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


RunOpt = Annotated[int | None, typer.Option("--run", help="The queue of this run's configuration (default: the "
                                                        "latest run's).")]


def _queue(db: str | None, run: int | None = None, say: bool = False) -> Queue:
    """The queue of run `run`'s configuration (default the latest run's); `say`: name it on stderr."""
    from extractor.review.queue import Queue, ReviewError

    try:
        queue = Queue(existing_db(db).con, run)
    except ReviewError as exc:
        fail(exc)
    if say and queue.run is not None:
        typer.echo(f"queue of run {queue.run[0]}'s configuration ({queue.run[1]})", err=True)
    return queue


def _console() -> Console:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160, highlight=False)


@review_app.callback(invoke_without_command=True)
def review(ctx: typer.Context, db: Db = None, reviewer: Reviewer = None, field: Field = None, report: Report = None,
           reason: Reason = None, run: RunOpt = None) -> None:
    """Review the queue interactively: accept, type a corrected value, set null, skip, go back, quit."""
    if ctx.invoked_subcommand is not None:
        return
    from extractor.review.tui import interactive

    interactive(_queue(db, run, say=True), {"field": field, "report": report, "reason": reason}, reviewer, _console())


@review_app.command("list")
def list_cmd(db: Db = None, field: Field = None, report: Report = None, reason: Reason = None,
             state: Annotated[str, typer.Option(help="open (open and reopened), reopened, decided, closed or all.")] = "open",
             limit: Annotated[int | None, typer.Option(help="At most this many items.")] = None,
             as_json: AsJson = False, run: RunOpt = None) -> None:
    """List queue items, most important first (conflicts and failed checks, then low confidence)."""
    from rich.table import Table

    from extractor.review.queue import ReviewError, states_for

    try:
        items = _queue(db, run, say=not as_json).items(states_for(state), field, report, reason, limit)
    except ReviewError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=1))
        return
    t = Table()
    for c in ("id", "state", "report", "field", "value", "status", "conf", "reasons"):
        t.add_column(c, overflow="fold")
    for i in items:
        t.add_row(str(i.id), i.state, os.path.basename(i.report_path) or i.report_id, i.path,
                  json.dumps(i.value, ensure_ascii=False), i.status, f"{i.confidence:.2f}", ",".join(i.reasons))
    _console().print(t)
    typer.echo(f"{len(items)} item(s)")


@review_app.command()
def show(item_id: Annotated[int, typer.Argument(help="Item id (from `review list`).")], db: Db = None,
         as_json: AsJson = False) -> None:
    """Show one item: value, reasons, decision, and the source around its evidence."""
    from extractor.review.queue import ReviewError
    from extractor.review.tui import render

    try:
        item = _queue(db).get(item_id)
    except ReviewError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(item.as_dict(), ensure_ascii=False, indent=1))
    else:
        render(_console(), item, 1, 1)


@review_app.command()
def decide(item_id: Annotated[int, typer.Argument(help="Item id.")],
           accept: Annotated[bool, typer.Option("--accept", help="The machine's value is right.")] = False,
           value: Annotated[str | None, typer.Option("--value", help="The right value.")] = None,
           null: Annotated[bool, typer.Option("--null", help="The report does not state it.")] = False,
           reviewer: Reviewer = None, note: Annotated[str | None, typer.Option(help="A note kept with it.")] = None,
           db: Db = None) -> None:
    """Decide one item without the interactive loop (exactly one of --accept, --value V, --null)."""
    from extractor.review.queue import ReviewError

    if accept + (value is not None) + null != 1:
        fail(ReviewError("give exactly one of --accept, --value V, --null"))
    action = "accept" if accept else "null" if null else "value"
    try:
        d = _queue(db).decide(item_id, action, value, reviewer, note)
    except ReviewError as exc:
        fail(exc)
    typer.echo(f"item {d['item']}: {d['path']} = {json.dumps(d['value'], ensure_ascii=False)} "
               f"({action} by {d['reviewer']}; the machine had {json.dumps(d['machine_value'], ensure_ascii=False)})")


@review_app.command()
def stats(db: Db = None, as_json: AsJson = False, run: RunOpt = None) -> None:
    """The queue's size by reason, by field, by report and by priority, and the decisions made."""
    s = _queue(db, run, say=not as_json).stats()
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False, indent=1))
        return
    typer.echo(f"open items: {s['open']}   decisions: {s['decisions']}   by state: "
               + ", ".join(f"{k} {v}" for k, v in s["by_state"].items()))
    for key in ("by_priority", "by_reason", "by_field", "by_report"):
        typer.echo(f"\n{key.replace('_', ' ')}:")
        for k, v in s[key].items():
            typer.echo(f"  {v:5d}  {k}")


@review_app.command("to-gold")
def to_gold(out_dir: Annotated[str, typer.Argument(help="Directory for the gold files.")], db: Db = None) -> None:
    """Write every report's decided values as gold files (FIELDS.md format) with the report beside them; a report
    whose source is gone is an error line (its gold file is written without it) and exit code 1."""
    missing: list[str] = []

    def gone(src: str) -> None:
        missing.append(src)
        typer.echo(f"error: {src}: report not found; its gold file was written without it", err=True)

    queue = _queue(db)
    try:
        files = queue.to_gold(out_dir, on_missing=gone)
    except OSError as exc:
        fail(os_error(exc))
    typer.echo(f"{len(files)} gold file(s) in {os.path.abspath(out_dir)}")
    if missing:
        raise typer.Exit(1)


def export(
    out: Annotated[str, typer.Argument(help="Output file (.jsonl, .csv or .parquet).")],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="jsonl, csv or parquet (default: by extension); "
                                                                  "cells: one row per (report, field), in the "
                                                                  "extension's container.")] = None,
    db: Db = None,
    run: Annotated[int | None, typer.Option("--run", help="The results of this run's configuration (default: the "
                                                          "latest run's).")] = None,
    cells: Annotated[bool, typer.Option(help="Include the standard-table cells.")] = True,
) -> None:
    """Write the dataset from the run database with reviewers' decisions applied."""
    from extractor.export import export_dataset
    from extractor.store.results import Store

    run_db = existing_db(db)
    store = Store(run_db.con)
    fmt = fmt or os.path.splitext(out)[1].lstrip(".") or "jsonl"
    chosen = store.run_info(run)  # the latest run, or --run's
    if chosen is None and run is not None:
        fail(ExtractorError(f"no run {run} in {run_db.path}"))
    cfg = None
    if chosen is not None:
        cfg = chosen.config_hash  # one configuration's results, never a mix of whichever was computed last
        typer.echo(f"results of run {chosen.id}'s configuration (backend {chosen.backend}"
                   f"{', model ' + chosen.model if chosen.model else ''}, configuration {cfg})", err=True)
    try:
        n = export_dataset(store, out, fmt, cfg, cells)
    except ExtractorError as exc:
        fail(exc)
    except OSError as exc:
        fail(os_error(exc))
    typer.echo(f"{n} report(s) written to {out}")


def check(db: Db = None,
          run: Annotated[int | None, typer.Option("--run", help="The results of this run's configuration (default: the "
                                                                "latest run's).")] = None,
          as_json: AsJson = False) -> None:
    """Check one body's reports across consecutive years (table 三's carry-over, table 二's documents in force and
    items, the old 统计表's 历年累计): a failure is a review item naming both reports, a pass raises both values'
    confidence, an ambiguous cut the neighbouring year settles is settled; duplicates (one body, one year) are left
    out and listed."""
    from extractor.review.across import run_checks
    from extractor.store.results import Store

    run_db = existing_db(db)
    chosen = Store(run_db.con).run_info(run)
    if chosen is None and run is not None:
        fail(ExtractorError(f"no run {run} in {run_db.path}"))
    s = run_checks(run_db.con, chosen.config_hash if chosen else None)
    if as_json:
        typer.echo(json.dumps(s.as_dict(), ensure_ascii=False, indent=1))
        return
    for f in s.findings:
        if f.outcome != "agree":
            typer.echo(f"{f.outcome}: {f.body} {f.sides[0].year}->{f.sides[-1].year} {f.message()}")
    for dup, kept in sorted(s.duplicates.items()):
        typer.echo(f"duplicate: {dup} repeats {kept} (same body and year; left out of the checks, marked in the export)")
    typer.echo(s.line())
