"""The `eval` commands: score against gold, save, compare, gate against the committed baseline, HTML."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from extractor.cli.common import Db, fail, open_db, os_error
from extractor.core.errors import ExtractorError

if TYPE_CHECKING:
    from extractor.evaluation.runs import Comparison, EvalRun

eval_app = typer.Typer(add_completion=False, help="Score the extraction against hand-labelled gold files.")

Gold = Annotated[list[str] | None, typer.Option("--gold", "-g", help="Gold directories (default: every one in the "
                                                                    "project root's gold/).")]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cases with this tag, e.g. format=standard_table, "
                                                                   "year=2021, level=county (repeatable: all must hold).")]
Tolerance = Annotated[float, typer.Option(help="A rate may fall by this much before it counts as a regression.")]
BackendOpt = Annotated[str, typer.Option("--backend", "-b", help="rules (default, offline) or openai.")]
BaselineOpt = Annotated[str | None, typer.Option(help="The baseline file (default: eval/baseline.json under the "
                                                      "project root, the directory holding eval/ and gold/).")]


def _gold_dirs(gold: list[str] | None) -> list[str]:
    """The directories given, else every directory under the project root's gold/."""
    if gold:
        return gold
    from extractor.evaluation.root import project_root

    try:
        top = os.path.join(project_root("the gold directories are looked for there; pass --gold DIR"), "gold")
    except ExtractorError as exc:
        fail(exc)
    return sorted(d for d in (os.path.join(top, x) for x in os.listdir(top)) if os.path.isdir(d))


def _evaluate(name: str, gold: list[str] | None, backend: str, tags: list[str] | None,
              db: str | None = None) -> EvalRun:
    from extractor.cli.settings import backend_for, build
    from extractor.evaluation.evaluate import run_eval
    from extractor.evaluation.root import find_root, to_root
    from extractor.evaluation.runs import EvalRun
    from extractor.store.results import engine_config

    dirs = _gold_dirs(gold)
    try:
        engine = backend_for(build(backend), db)  # a model backend's call log in the run database (--db)
        summary = run_eval(dirs, engine, tags).summary
    except ExtractorError as exc:
        fail(exc)
    root = find_root()
    cfg = {**engine_config(engine), "gold": [to_root(d, root) for d in dirs], "tags": tags or []}
    return EvalRun.make(name, summary, cfg)


def headline(o: dict[str, Any]) -> list[str]:
    """The overall figures in words. Accuracy gives partial credit (a list field scores its F1), so it is never put
    beside the exact count as if one were the other; every field not exact is a wrong value or a missed one."""
    missed = o.get("missed", o["n"] - o["correct"] - o["wrong_values"])
    pct = lambda v: "-" if v is None else format(v, ".1%")  # noqa: E731
    return [
        f"accuracy {pct(o['accuracy'])} (partial credit); exact {o['correct']}/{o['n']}; "
        f"wrong values {o['wrong_values']}, missed {missed}",
        f"precision {pct(o['precision'])}  recall {pct(o['recall'])}  silent errors: {o['silent_errors']}  "
        f"review yield: {'-' if o['review_yield'] is None else format(o['review_yield'], '.0%')} of "
        f"{o['wrong_values']} wrong values",
        f"evidence at its span: {pct(o['evidence_validity'])}  null/zero confusions: {o['null_zero_confusions']}  "
        f"queue: {o.get('queue_items', 0)} items ({(o.get('queue_share') or 0):.1%} of fields)",
    ]


def _print_summary(data: dict[str, Any], show_wrong: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    con = Console()
    o = data["overall"]
    for line in headline(o):
        con.print(line, soft_wrap=True, markup=False, highlight=False)
    con.print("calibration: " + "  ".join(f"{b['band']}: {b['n']} at {'-' if b['accuracy'] is None else format(b['accuracy'], '.0%')}"
                                          for b in data["calibration"]), soft_wrap=True)
    for title, key in (("per format", "per_format"), ("per report", "per_report"), ("per field", "per_field")):
        t = Table(title=title)
        for c in (key.split("_")[1], "n", "exact", "accuracy", "precision", "recall", "silent"):
            t.add_column(c)
        for k, v in data[key].items():
            t.add_row(k, str(v["n"]), str(v["correct"]), "-" if v["accuracy"] is None else f"{v['accuracy']:.1%}",
                      "-" if v["precision"] is None else f"{v['precision']:.1%}",
                      "-" if v["recall"] is None else f"{v['recall']:.1%}", str(v["silent_errors"]))
        con.print(t)
    if show_wrong:
        wrong = [w for w in data["wrong"] if w["pred"] is not None]
        missed = [w for w in data["wrong"] if w["pred"] is None]
        con.print(f"not exact: {len(data['wrong'])} (wrong values {len(wrong)}, missed {len(missed)})", soft_wrap=True)
        for w in wrong:
            partial = f"  (partial credit {w['score']:.2f})" if w.get("score") else ""
            con.print(f"[red]✗[/red] {escape(w['report'])} {escape(w['path'])}: gold {escape(repr(w['gold']))} "
                      f"pred {escape(repr(w['pred']))}{partial}{'' if w['flagged'] else '  (NOT flagged)'}", soft_wrap=True)
        for w in missed:
            con.print(f"[yellow]∅[/yellow] {escape(w['report'])} {escape(w['path'])}: gold {escape(repr(w['gold']))}, "
                      "no value given", soft_wrap=True)


@eval_app.callback(invoke_without_command=True)
def eval_cmd(
    ctx: typer.Context,
    gold: Gold = None,
    backend: BackendOpt = "rules",
    tags: Tags = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_wrong: Annotated[bool, typer.Option("--wrong", help="List every field not exact: wrong values (✗), then missed ones (∅).")] = False,
    save: Annotated[str | None, typer.Option("--save", help="Save the run under this name in the run database.")] = None,
    save_file: Annotated[bool, typer.Option("--save-file", help="With --save, also write eval/runs/NAME.json.")] = False,
    html_out: Annotated[str | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    db: Db = None,
) -> None:
    """Score the extraction against hand-labelled gold files: overall, per format, report, field and tag."""
    if ctx.invoked_subcommand is not None:
        return
    from extractor.evaluation.runs import run_file
    from extractor.evaluation.runs import save as save_run

    # a database it cannot use, or nowhere to write the file, is refused before the eval's minutes
    run_db = open_db(db) if save else None
    try:
        out_file = run_file(save) if save and save_file else None
    except ExtractorError as exc:
        fail(exc)
    run = _evaluate(save or "unsaved", gold, backend, tags, db)
    try:
        if run_db is not None:
            eid = save_run(run_db.con, run)
            typer.echo(f"saved eval run {save!r} (id {eid}) in {run_db.path}", err=True)
            if out_file is not None:
                typer.echo(f"wrote {run.write(out_file)}", err=True)
        if html_out:
            from extractor.evaluation.html import render

            if os.path.dirname(html_out):
                os.makedirs(os.path.dirname(html_out), exist_ok=True)
            with open(html_out, "w", encoding="utf-8") as fh:
                fh.write(render(run))
            typer.echo(f"wrote {html_out}", err=True)
    except OSError as exc:
        fail(os_error(exc))
    if as_json:
        typer.echo(json.dumps(run.summary, ensure_ascii=False, indent=1))
    else:
        _print_summary(run.summary, show_wrong)


def _show_comparison(c: Comparison, as_json: bool) -> None:
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
    from extractor.evaluation.runs import compare as cmp
    from extractor.evaluation.runs import in_files, load
    from extractor.store.db import db_path

    path = db_path(db)
    con = open_db(path).con if os.path.exists(path) and not (in_files(a) and in_files(b)) else None
    try:
        c = cmp(load(a, con), load(b, con), tolerance)
    except ExtractorError as exc:
        fail(exc)
    _show_comparison(c, as_json)
    if c.failed:
        raise typer.Exit(1)


@eval_app.command()
def gate(baseline: BaselineOpt = None, gold: Gold = None, tolerance: Tolerance = 0.005,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Run the offline eval on all gold and fail (exit 1) if it regressed against the committed baseline."""
    from extractor.evaluation.root import find_root, from_root
    from extractor.evaluation.runs import baseline_path, load
    from extractor.evaluation.runs import compare as cmp

    try:
        base = load(baseline or baseline_path())
    except ExtractorError as exc:
        fail(exc)
    stored = base.config.get("gold")  # relative to the project root, where the baseline was made
    root = find_root()
    now = _evaluate("current", gold or ([from_root(d, root) for d in stored] if stored else None), "rules", None)
    c = cmp(base, now, tolerance)
    _show_comparison(c, as_json)
    if c.failed:
        raise typer.Exit(1)


@eval_app.command("update-baseline")
def update_baseline(baseline: BaselineOpt = None, gold: Gold = None) -> None:
    """Deliberately replace the committed baseline with the current offline eval (commit the file)."""
    from extractor.evaluation.runs import baseline_path

    try:
        baseline = baseline or baseline_path()
    except ExtractorError as exc:
        fail(exc)
    run = _evaluate("baseline", gold, "rules", None)
    try:
        run.write(baseline)
    except OSError as exc:
        fail(os_error(exc))
    o = run.summary["overall"]
    typer.echo(f"wrote {baseline}: accuracy {o['accuracy']:.2%} (partial credit), exact {o['correct']}/{o['n']}, "
               f"silent errors {o['silent_errors']}")
