"""The command line: run, show, schema, eval. Settings are built here, once, and passed down."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from . import __version__
from .errors import ExtractorError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn scraped government information-disclosure annual reports into verified rows.")

Backend = Annotated[str, typer.Option("--backend", "-b", help="auto (model if an endpoint is configured, else rules), rules or openai.")]


def _fail(exc: ExtractorError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


Model = Annotated[str | None, typer.Option("--model", help="Model name for the openai backend (default $OPENAI_MODEL).")]
Mode = Annotated[str, typer.Option("--mode", help="instructor mode: tools (default), json, json_schema, md_json.")]
Db = Annotated[str | None, typer.Option("--db", help="Run database (default $EXTRACTOR_DB or extractor.db).")]


def _engine(backend: str, model: str | None = None, mode: str = "tools", db: str | None = None, concurrency: int = 8,
            rpm: float | None = None, timeout: float = 60.0):  # noqa: ANN202
    from . import backends

    name, why = backends.choose(backend)
    typer.echo(f"backend: {name} ({why})", err=True)
    settings = {"model": model, "mode": mode, "db": db, "concurrency": concurrency, "rpm": rpm, "timeout": timeout}
    return backends.create(name, **settings) if name == "openai" else backends.create(name)


@app.command()
def run(
    inputs: Annotated[list[str], typer.Argument(help="Report files (.txt/.html), directories or globs.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Output directory.")] = "out",
    backend: Backend = "auto",
    model: Model = None,
    mode: Mode = "tools",
    db: Db = None,
    concurrency: Annotated[int, typer.Option(help="Model calls in flight at once.")] = 8,
    rpm: Annotated[float | None, typer.Option(help="At most this many model calls per minute.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds before a model call times out.")] = 60.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Extract every report: a JSON per report, results.jsonl, results.csv, errors.txt and a summary."""
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .export import Writer
    from .ingest import enumerate_inputs, load
    from .pipeline import aprocess

    try:
        engine = _engine(backend, model, mode, db, concurrency, rpm, timeout)
    except ExtractorError as exc:
        _fail(exc)
    files = list(enumerate_inputs(inputs))
    writer = Writer(out)
    counts = {"done": 0, "failed": 0, "verified": 0, "review": 0}
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*cols, transient=True, disable=not progress or not sys.stderr.isatty()) as bar:
        task = bar.add_task("reports", total=len(files))
        calls = bar.add_task("model calls", total=None, visible=hasattr(engine, "apropose"))

        async def one(path: str, gate: asyncio.Semaphore) -> None:
            async with gate:
                try:
                    result = await aprocess(load(path), engine)
                    writer.write(result)
                    counts["done"] += 1
                    counts["verified"] += sum(1 for r in result.fields.values() if r.status == "verified" and r.value is not None)
                    counts["review"] += len(result.review_items())
                except ExtractorError as exc:
                    counts["failed"] += 1
                    writer.error(path, str(exc))
                    typer.echo(f"error: {path}: {exc}", err=True)
                except Exception as exc:  # one bad report never stops the batch
                    counts["failed"] += 1
                    message = " ".join(f"internal error: {type(exc).__name__}: {exc}".split())
                    writer.error(path, message)
                    typer.echo(f"error: {path}: {message}", err=True)
                bar.advance(task)
                bar.update(calls, completed=getattr(engine, "calls_done", 0))

        async def all_reports() -> None:
            gate = asyncio.Semaphore(max(1, concurrency))  # reports in flight; calls are bounded in the transport
            await asyncio.gather(*(one(p, gate) for p in files))

        asyncio.run(all_reports())
    writer.close()
    typer.echo(f"reports done: {counts['done']}  failed: {counts['failed']}  fields verified: {counts['verified']}  "
               f"fields for review: {counts['review']}")
    typer.echo(f"results in {os.path.abspath(out)}")
    if counts["failed"]:
        raise typer.Exit(1)


@app.command()
def logs(
    db: Db = None,
    limit: Annotated[int, typer.Option(help="How many recent calls to list.")] = 20,
) -> None:
    """List model calls from the run database, with totals (calls, tokens, cache hits)."""
    from rich.console import Console
    from rich.table import Table

    from .rundb import CallLog, connect, db_path

    path = db_path(db)
    if not os.path.exists(path):
        _fail(ExtractorError(f"no run database at {path}"))
    log = CallLog(connect(path))
    t = log.totals()
    table = Table(title=f"model calls in {path}")
    for c in ("id", "report", "prompt", "model", "status", "attempts", "tokens in/out", "ms", "error"):
        table.add_column(c, overflow="fold")
    for r in log.recent(limit):
        table.add_row(str(r["id"]), r["report_id"] or "", f"{r['prompt_name']} v{r['prompt_version']}", r["model"],
                      r["status"], str(r["attempts"]), f"{r['tokens_in']}/{r['tokens_out']}", f"{r['latency_ms']:.0f}",
                      r["error"] or "")
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    typer.echo(f"calls: {t['calls']}  ok: {t['ok']}  cache hits: {t['cache_hits']}  failed: {t['failed']}  "
               f"http requests: {t['http_requests']}  tokens in: {t['tokens_in']}  tokens out: {t['tokens_out']}")


@app.command()
def show(
    file: Annotated[str, typer.Argument(help="A report file, or a per-report JSON written by `run`.")],
    backend: Backend = "rules",
    all_fields: Annotated[bool, typer.Option("--all", help="Also list fields with no value.")] = False,
) -> None:
    """Print one report's fields with their evidence."""
    from rich.console import Console
    from rich.table import Table

    from . import backends
    from .ingest import load
    from .pipeline import process
    from .schema import flatten

    try:
        if file.endswith(".json"):
            with open(file, encoding="utf-8") as fh:
                record = json.load(fh)
            flat = flatten(record["fields"])
            title = record["path"]
        else:
            result = process(load(file), backends.create(backend))
            flat = {p: r.as_dict() for p, r in result.fields.items()}
            title = file
    except ExtractorError as exc:
        _fail(exc)
    table = Table(title=title, show_lines=False)
    for col in ("field", "value", "status", "conf", "evidence", "reasons"):
        table.add_column(col, overflow="fold")
    for path, f in flat.items():
        if f.get("value") is None and not all_fields:
            continue
        ev = (f.get("evidence") or "").replace("\n", "⏎")
        table.add_row(path, json.dumps(f.get("value"), ensure_ascii=False), f.get("status", ""),
                      f"{f.get('confidence', 0):.2f}", ev[:80], ",".join(f.get("reasons") or []))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a per-report result."""
    from .schema import report_model

    typer.echo(json.dumps(report_model().model_json_schema(), ensure_ascii=False, indent=1))


@app.command("eval")
def eval_cmd(
    gold: Annotated[list[str] | None, typer.Option("--gold", "-g", help="Gold directories (default: gold/*).")] = None,
    backend: Backend = "rules",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_wrong: Annotated[bool, typer.Option("--wrong", help="List every wrong value.")] = False,
) -> None:
    """Score the extraction against hand-labelled gold files, field by field."""
    from . import backends
    from .evaluate import run_eval

    dirs = gold or sorted(d for d in (os.path.join("gold", x) for x in os.listdir("gold")) if os.path.isdir(d)) \
        if (gold or os.path.isdir("gold")) else []
    if not dirs:
        _fail(ExtractorError("no gold directories; pass --gold DIR"))
    try:
        summary, _ = run_eval(dirs, backends.create(backend))
    except ExtractorError as exc:
        _fail(exc)
    data = summary.as_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    o = data["overall"]
    con.print(f"overall accuracy {o['accuracy']:.1%} ({o['correct']}/{o['n']} fields exact)  "
              f"silent errors: {len(data['silent_errors'])}  null/zero confusions: {len(data['null_zero_confusions'])}")
    for title, key in (("per format", "per_format"), ("per report", "per_report"), ("per field", "per_field")):
        t = Table(title=title)
        for c in (key.split("_")[1], "n", "correct", "accuracy"):
            t.add_column(c)
        for k, v in data[key].items():
            t.add_row(k, str(v["n"]), str(v["correct"]), f"{v['accuracy']:.1%}")
        con.print(t)
    if show_wrong:
        for w in data["wrong"]:
            con.print(f"[red]✗[/red] {w['report']} {w['path']}: gold {w['gold']!r} pred {w['pred']!r}"
                      f"{'' if w['flagged'] else '  (NOT flagged)'}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:  # pragma: no cover
    app()
