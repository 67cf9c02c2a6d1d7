"""The `eval` commands: score against gold, save, compare, gate against the committed baseline, HTML."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from .cli_common import Db, fail
from .errors import ExtractorError

eval_app = typer.Typer(add_completion=False, help="Score the extraction against hand-labelled gold files.")

Gold = Annotated[list[str] | None, typer.Option("--gold", "-g", help="Gold directories (default: gold/*).")]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cases with this tag, e.g. format=standard_table, "
                                                                   "year=2021, level=county (repeatable: all must hold).")]
Tolerance = Annotated[float, typer.Option(help="A rate may fall by this much before it counts as a regression.")]
BackendOpt = Annotated[str, typer.Option("--backend", "-b", help="rules (default, offline) or openai.")]



def _gold_dirs(gold: list[str] | None) -> list[str]:
    if gold:
        return gold
    if os.path.isdir("gold"):
        return sorted(d for d in (os.path.join("gold", x) for x in os.listdir("gold")) if os.path.isdir(d))
    fail(ExtractorError("no gold directories; pass --gold DIR"))
    return []


def _evaluate(name: str, gold: list[str] | None, backend: str, tags: list[str] | None):  # noqa: ANN202
    from . import backends
    from .evalruns import EvalRun
    from .evaluate import run_eval
    from .store import engine_config

    dirs = _gold_dirs(gold)
    try:
        engine = backends.create(backend)
        summary, _ = run_eval(dirs, engine, tags)
    except ExtractorError as exc:
        fail(exc)
    cfg = {**engine_config(engine), "gold": dirs, "tags": tags or []}
    return EvalRun.make(name, summary, cfg)


def _print_summary(data: dict, show_wrong: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    o = data["overall"]
    con.print(f"overall accuracy {o['accuracy']:.1%} ({o['correct']}/{o['n']} fields exact)  precision "
              f"{o['precision']:.1%}  recall {o['recall']:.1%}  silent errors: {o['silent_errors']}  "
              f"review yield: {'-' if o['review_yield'] is None else format(o['review_yield'], '.0%')} of "
              f"{o['wrong_values']} wrong values  evidence at its span: {o['evidence_validity']:.1%}  "
              f"null/zero confusions: {o['null_zero_confusions']}  queue: {o.get('queue_items', 0)} items "
              f"({(o.get('queue_share') or 0):.1%} of fields)")
    con.print("calibration: " + "  ".join(f"{b['band']}: {b['n']} at {'-' if b['accuracy'] is None else format(b['accuracy'], '.0%')}"
                                          for b in data["calibration"]))
    for title, key in (("per format", "per_format"), ("per report", "per_report"), ("per field", "per_field")):
        t = Table(title=title)
        for c in (key.split("_")[1], "n", "correct", "accuracy", "precision", "recall", "silent"):
            t.add_column(c)
        for k, v in data[key].items():
            t.add_row(k, str(v["n"]), str(v["correct"]), f"{v['accuracy']:.1%}",
                      "-" if v["precision"] is None else f"{v['precision']:.1%}",
                      "-" if v["recall"] is None else f"{v['recall']:.1%}", str(v["silent_errors"]))
        con.print(t)
    if show_wrong:
        for w in data["wrong"]:
            con.print(f"[red]✗[/red] {w['report']} {w['path']}: gold {w['gold']!r} pred {w['pred']!r}"
                      f"{'' if w['flagged'] or w['pred'] is None else '  (NOT flagged)'}")


@eval_app.callback(invoke_without_command=True)
def eval_cmd(
    ctx: typer.Context,
    gold: Gold = None,
    backend: BackendOpt = "rules",
    tags: Tags = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_wrong: Annotated[bool, typer.Option("--wrong", help="List every wrong value.")] = False,
    save: Annotated[str | None, typer.Option("--save", help="Save the run under this name in the run database.")] = None,
    save_file: Annotated[bool, typer.Option("--save-file", help="With --save, also write eval/runs/NAME.json.")] = False,
    html_out: Annotated[str | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    db: Db = None,
) -> None:
    """Score the extraction against hand-labelled gold files: overall, per format, report, field and tag."""
    if ctx.invoked_subcommand is not None:
        return
    run = _evaluate(save or "unsaved", gold, backend, tags)
    if save:
        from .evalruns import RUNS_DIR
        from .evalruns import save as save_run
        from .rundb import connect, db_path

        eid = save_run(connect(db_path(db)), run)
        typer.echo(f"saved eval run {save!r} (id {eid}) in {db_path(db)}", err=True)
        if save_file:
            typer.echo(f"wrote {run.write(os.path.join(RUNS_DIR, f'{save}.json'))}", err=True)
    if html_out:
        from .eval_html import render

        with open(html_out, "w", encoding="utf-8") as fh:
            fh.write(render(run))
        typer.echo(f"wrote {html_out}", err=True)
    if as_json:
        typer.echo(json.dumps(run.summary, ensure_ascii=False, indent=1))
    else:
        _print_summary(run.summary, show_wrong)


def _show_comparison(c, as_json: bool) -> None:  # noqa: ANN001
    if as_json:
        typer.echo(json.dumps(c.as_dict(), ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{c.a} → {c.b} (tolerance {c.tolerance})")
    for col in ("scope", "metric", c.a, c.b, "delta", ""):
        t.add_column(col)
    for m in c.metrics:
        t.add_row(m["scope"], m["metric"], str(m["a"]), str(m["b"]), f"{m['delta']:+g}",
                  "[red]REGRESSED[/red]" if m["regressed"] else "")
    con.print(t)
    for title, d, style in (("regressed", c.regressed, "red"), ("improved", c.improved, "green"),
                            ("changed (same score)", c.changed, "yellow")):
        if d:
            f = Table(title=f"fields {title}", title_style=style)
            f.add_column("field")
            f.add_column("reports")
            for path, reports in sorted(d.items()):
                f.add_row(path, ", ".join(sorted(reports)))
            con.print(f)
    if c.only_a or c.only_b:
        con.print(f"scored only in {c.a}: {c.only_a}; only in {c.b}: {c.only_b} (not compared)")
    con.print("[red]regression beyond tolerance[/red]" if c.failed else "no regression beyond tolerance")


@eval_app.command()
def compare(a: Annotated[str, typer.Argument(help="Saved run name, JSON file, or `baseline`.")],
            b: Annotated[str, typer.Argument(help="Saved run name, JSON file, or `baseline`.")],
            tolerance: Tolerance = 0.005, db: Db = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Compare two saved eval runs field by field; exit 1 when a metric falls by more than the tolerance."""
    from .evalruns import compare as cmp
    from .evalruns import load
    from .rundb import connect, db_path

    path = db_path(db)
    con = connect(path) if os.path.exists(path) else None
    try:
        c = cmp(load(a, con), load(b, con), tolerance)
    except ExtractorError as exc:
        fail(exc)
    _show_comparison(c, as_json)
    if c.failed:
        raise typer.Exit(1)


@eval_app.command()
def gate(baseline: Annotated[str, typer.Option(help="The baseline file.")] = "eval/baseline.json",
         gold: Gold = None, tolerance: Tolerance = 0.005,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Run the offline eval on all gold and fail (exit 1) if it regressed against the committed baseline."""
    from .evalruns import compare as cmp
    from .evalruns import load

    try:
        base = load(baseline)
    except ExtractorError as exc:
        fail(exc)
    now = _evaluate("current", gold or base.config.get("gold"), "rules", None)
    c = cmp(base, now, tolerance)
    _show_comparison(c, as_json)
    if c.failed:
        raise typer.Exit(1)


@eval_app.command("update-baseline")
def update_baseline(baseline: Annotated[str, typer.Option(help="The baseline file.")] = "eval/baseline.json",
                    gold: Gold = None) -> None:
    """Deliberately replace the committed baseline with the current offline eval (commit the file)."""
    run = _evaluate("baseline", gold, "rules", None)
    run.write(baseline)
    o = run.summary["overall"]
    typer.echo(f"wrote {baseline}: accuracy {o['accuracy']:.2%} over {o['n']} fields, silent errors {o['silent_errors']}")
