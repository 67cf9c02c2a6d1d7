"""The command line: run, show, logs, schema, eval, review, export, serve. Settings are built here, once, and
passed down."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from extractor import __version__
from extractor.cli.common import Db, disk_full_guard, existing_db, fail
from extractor.core.errors import ConfigError, ExtractorError

if TYPE_CHECKING:
    from types import FrameType

    from extractor.backends import Backend as BackendType
    from extractor.backends import Settings
    from extractor.llm.settings import BatchSettings
    from extractor.store.results import Run, Store

    Handler = Callable[[int, FrameType | None], object] | int | None  # a signal's handler, as `signal.signal` takes it

HELP = "Turn scraped government information-disclosure annual reports into verified rows."


class _App(typer.Typer):
    """The command line. Called (the `extractor` script, `python -m extractor`), it builds only the command its first
    word names, with that command's options and their types (12 ms of every start for all 16 otherwise); anything
    else (no word, an option, an unknown name) gets the whole group, its help and its errors."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        words = kwargs.get("args", args[0] if args else None)
        words = sys.argv[1:] if words is None else list(words)
        one = self.only(words[0]) if words else None
        if one is None:
            return super().__call__(*args, **kwargs)
        return one(*args, **kwargs)

    def only(self, name: str) -> typer.Typer | None:
        """The group with the one command or sub-group called `name`, or None when none is."""
        from typer.main import get_command_name

        commands = [c for c in self.registered_commands
                    if (c.name or get_command_name(getattr(c.callback, "__name__", ""))) == name]
        groups = [g for g in self.registered_groups if g.name == name]
        if len(commands) + len(groups) != 1:
            return None
        one = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False, help=HELP)
        one.registered_commands, one.registered_groups = commands, groups
        if commands:  # a group of one command (typer would make a lone command the program itself)
            one.callback()(_no_options)
        return one


def _no_options() -> None:
    """The group's callback when it holds one command: nothing to do."""


app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,  # locals hold keys
           help=HELP)

Backend = Annotated[str, typer.Option("--backend", "-b", help="auto (model if an endpoint is configured, else rules), rules, openai, or another registered backend.")]



Model = Annotated[str | None, typer.Option("--model", help="Model name for the openai backend (default $OPENAI_MODEL).")]
Mode = Annotated[str, typer.Option("--mode", help="instructor mode: tools (default), json, json_schema, md_json.")]


@app.command()
@disk_full_guard
def run(
    inputs: Annotated[list[str], typer.Argument(help="Report files (.txt/.html), directories or globs.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Output directory.")] = "out",
    backend: Backend = "auto",
    model: Model = None,
    mode: Mode = "tools",
    db: Db = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: the cores); with a model, the concurrency is shared among them.")] = None,
    concurrency: Annotated[int, typer.Option(help="Model calls in flight at once.")] = 8,
    rpm: Annotated[float | None, typer.Option(help="At most this many model calls per minute.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds before a model call times out.")] = 60.0,
    ask: Annotated[str, typer.Option(help="What the model is asked: open (fields the rules did not settle) or all.")] = "open",
    review_threshold: Annotated[float, typer.Option(help="Fields under this confidence go to review.")] = 0.7,
    force: Annotated[bool, typer.Option(help="Redo reports already done under the same configuration.")] = False,
    batch: Annotated[bool, typer.Option(help="Send the model calls as OpenAI Batch API files (cheaper, up to 24 h): "
                                             "submit, poll, cache the answers, then finish the run. Resumable.")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between batch status checks.")] = 30.0,
    wait: Annotated[bool, typer.Option(help="With --batch: wait for the answers, or submit (and check) once and stop; "
                                            "the same command later collects them.")] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    per_report_json: Annotated[bool, typer.Option(help="Also write a JSON file per report in OUT/reports (each "
                                                       "result is in the run database and results.jsonl already).")] = False,
) -> None:
    """Extract every report into the run database and OUT: results.jsonl, results.csv, errors.txt (and with
    --per-report-json a JSON per report). Resumable: reports already done under the same configuration are not
    redone."""
    from extractor.cli.settings import build as build_settings
    from extractor.export import lock_out
    from extractor.llm.settings import BatchSettings

    for bad, why in ((not 0.0 <= review_threshold <= 1.0, f"--review-threshold is a confidence from 0 to 1, not {review_threshold}"),
                     (concurrency < 1, f"--concurrency is at least 1, not {concurrency}"),
                     (workers is not None and workers < 1, f"--workers is at least 1, not {workers}"),
                     (rpm is not None and rpm <= 0, f"--rpm is a positive number, not {rpm}"),
                     (timeout <= 0, f"--timeout is a positive number of seconds, not {timeout}")):
        if bad:
            fail(ConfigError(why))
    try:
        owner = lock_out(out)  # first: a second run on OUT is refused before it writes anything anywhere
    except ExtractorError as exc:
        fail(exc)
    try:  # OUT is ours until the command ends, however it ends
        try:
            settings = build_settings(backend, model=model, mode=mode, ask=ask, concurrency=concurrency, rpm=rpm,
                                      timeout=timeout, batch=BatchSettings(poll, wait) if batch else None,
                                      echo=lambda m: typer.echo(m, err=True))
        except ExtractorError as exc:
            fail(exc)
        _run_locked(out, inputs, settings, db, workers, review_threshold, force, progress, per_report_json)
    finally:
        owner.close()


def _run_locked(out: str, inputs: list[str], settings: Settings, db: str | None, workers: int | None,
                review_threshold: float, force: bool, progress: bool, per_report_json: bool = False) -> None:
    from extractor import backends, bulk
    from extractor.bulk.run import outcomes as route
    from extractor.bulk.sink import Sink
    from extractor.export import Writer
    from extractor.ingest import enumerate_inputs
    from extractor.review.routing import routed_store
    from extractor.store.db import CallLog, connect, db_path
    from extractor.store.results import engine_config

    try:
        workers = workers or bulk.default_workers()
        store = routed_store(connect(db_path(db)), review_threshold)
        backend = backends.create(settings, CallLog(store.con))  # the run database's call log: its cache and record
        cfg = engine_config(backend)  # the run's configuration (and hash): from the backend the settings built
    except ExtractorError as exc:
        fail(exc)
    for gone in store.mark_abandoned():
        typer.echo(f"run {gone} was left running by a process that is gone: marked interrupted", err=True)
    run_ = store.start_run(cfg)
    stop = _Stop()

    done_before = set() if force else store.done_ids(run_.config_hash)  # one query, not one per input

    def is_done(rid: str) -> bool:
        return rid in done_before

    if settings.batch is not None:
        _prefetch(backend, settings.batch, store, run_, out, inputs, is_done)
    writer = Writer(out, threshold=review_threshold, per_report=per_report_json)

    def on_error(path: str, message: str) -> None:
        typer.echo(f"error: {path}: {message}", err=True)

    status, fatal, interrupted = "interrupted", None, False
    sink = Sink(store, run_, writer, on_error)
    try:
        with stop, _progress(progress and sys.stderr.isatty()) as advance:
            sink.on_each = advance
            for o in route(enumerate_inputs(inputs), backend, settings, db_path(db), is_done, workers):
                sink.take(o)
                if not force and o.result is not None and o.result.status == "done":
                    done_before.add(o.result.doc.id)  # the same content again later in the inputs is skipped
                stop.check()
            sink.finish()
        status = "done"
    except bulk.EndpointError as exc:  # no model call can succeed: stop at once, say so, keep what was committed
        status, fatal = "failed", exc
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: what was committed is kept, the same command resumes
        interrupted = True
    finally:
        store.finish_run(run_, status)
        writer.close(complete=status == "done")
    t = sink.tally
    model_failed = f"  model failed: {t.model_failed}" if t.model_failed else ""
    not_report = f"not a report: {t.not_report}  " if t.not_report else ""
    typer.echo(f"reports done: {t.done}  skipped (done before): {t.skipped}  failed: {t.failed}{model_failed}  "
               f"{not_report}fields verified: {t.verified}  fields for review: {t.review}")
    typer.echo(f"results in {os.path.abspath(out)}; run {run_.id} in {db_path(db)}")
    if status == "done":
        _check_across(store, run_)
    if interrupted:
        typer.echo(f"interrupted after {t.done + t.skipped + t.failed} reports; run the same command again to resume",
                   err=True)
        raise typer.Exit(stop.exit_code)
    if t.model_failed:
        typer.echo(f"{t.model_failed} report(s) kept the rules' values because a model call failed; "
                   "the same command again retries their calls", err=True)
    if fatal is not None:
        fail(bulk.EndpointError(f"run stopped: {fatal}; what was done is kept, the same command resumes"))
    if t.failed or t.model_failed:
        raise typer.Exit(1)


def _check_across(store: Store, run_: Run) -> None:
    """The checks across reports over the run's configuration, and their summary line (`extractor check`)."""
    from extractor.review.across import run_checks

    try:
        typer.echo(run_checks(store.con, run_.config_hash).line())
    except ExtractorError as exc:
        typer.echo(f"error: checks across reports: {exc}", err=True)


@contextlib.contextmanager
def _progress(shown: bool) -> Iterator[Callable[[], None] | None]:
    """A progress bar's advance, while it is shown (rich imported only then: 70 ms of every start otherwise)."""
    if not shown:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    cols = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} reports"), TimeElapsedColumn())
    with Progress(*cols, transient=True) as bar:
        task = bar.add_task("reports", total=None)
        yield lambda: bar.advance(task)


class _Stop:
    """While active, Ctrl-C and SIGTERM stop the run. With `deferred`, the first signal only asks (`check()` raises
    KeyboardInterrupt between two reports, where no lock of the pool or the database is held); a second one raises
    at once. `exit_code` is 143 after a SIGTERM, 130 after Ctrl-C, as shells report them."""

    def __init__(self, deferred: bool = True) -> None:
        self.exit_code = 130
        self.deferred = deferred
        self.asked = False
        self._old: dict[int, Handler] = {}

    def _handle(self, signum: int, _frame: object) -> None:
        import signal

        self.exit_code = 143 if signum == signal.SIGTERM else 130
        if self.asked or not self.deferred:
            raise KeyboardInterrupt
        self.asked = True

    def check(self) -> None:
        if self.asked:
            raise KeyboardInterrupt

    def __enter__(self) -> _Stop:
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)


def _prefetch(backend: BackendType, batch: BatchSettings, store: Store, run_: Run, out: str, inputs: list[str],
              is_done: Callable[[str], bool]) -> None:
    """--batch: the backend answers the run's calls ahead of the run proper (batches an interrupted run left first);
    the run proper then finds the answers in the cache. Stops the command when batches are still pending (only
    without waiting), when interrupted, or when the backend makes no model calls."""
    from extractor import bulk
    from extractor.ingest import enumerate_inputs

    def reports() -> Iterable[str]:
        return bulk.todo(enumerate_inputs(inputs), is_done)

    try:
        with _Stop(deferred=False) as batch_stop:  # it sleeps between polls: stop at once
            pending = backend.prefetch(reports, batch, os.path.join(out, "batches"), run_.config_hash,
                                       echo=lambda m: typer.echo(m, err=True))
    except ConfigError as exc:  # the backend makes no model calls
        store.finish_run(run_, "failed")
        fail(exc)
    except KeyboardInterrupt:  # interrupted while waiting on the batch: the same command resumes it
        store.finish_run(run_, "interrupted")
        typer.echo("interrupted while the batch was pending; run the same command again to resume", err=True)
        raise typer.Exit(batch_stop.exit_code) from None
    except BaseException:
        store.finish_run(run_, "interrupted")
        raise
    if pending:
        store.finish_run(run_, "waiting")
        typer.echo(f"{pending} batch(es) still running; the same command again collects their answers")
        raise typer.Exit(0)


@app.command()
def logs(
    db: Db = None,
    limit: Annotated[int, typer.Option(help="How many recent calls to list.")] = 20,
) -> None:
    """List model calls from the run database, with totals (calls, tokens, cache hits)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from extractor.store.db import CallLog

    run_db = existing_db(db)
    log = CallLog(run_db.con)
    t = log.totals()
    table = Table(title=f"model calls in {run_db.path}")
    for c in ("id", "report", "prompt", "model", "status", "attempts", "tokens in/out", "ms", "error"):
        table.add_column(c, overflow="fold")
    for r in log.recent(limit):
        table.add_row(str(r.id), r.report_id or "", f"{r.prompt_name} v{r.prompt_version}", r.model, r.status,
                      str(r.attempts), f"{r.tokens_in}/{r.tokens_out}", f"{r.latency_ms:.0f}", escape(r.error or ""))
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    typer.echo(f"calls: {t.calls}  ok: {t.ok}  cache hits: {t.cache_hits}  failed: {t.failed}  "
               f"http requests: {t.http_requests}  tokens in: {t.tokens_in}  tokens out: {t.tokens_out}")


@app.command()
def show(
    file: Annotated[str, typer.Argument(help="A report file, or a per-report JSON written by `run`.")],
    backend: Backend = "rules",
    all_fields: Annotated[bool, typer.Option("--all", help="Also list fields with no value.")] = False,
) -> None:
    """Print one report's fields with their evidence."""
    from rich.console import Console
    from rich.table import Table

    from extractor.cli.settings import backend_for, build
    from extractor.core.schema import flatten
    from extractor.ingest import load
    from extractor.pipeline import process

    try:
        if file.endswith(".json"):
            from extractor.core.record import expand

            with open(file, encoding="utf-8") as fh:
                record = expand(json.load(fh))  # a run writes compact records: --all lists the empty fields too
            flat = flatten(record["fields"])
            title = record["path"]
        else:
            result = process(load(file), backend_for(build(backend)))
            flat = {p: r.as_dict() for p, r in result.fields.items()}
            title = file
    except ExtractorError as exc:
        fail(exc)
    table = Table(title=title, show_lines=False)
    paged = any(f.get("page") for f in flat.values())  # a PDF or a scan: the page of each value
    for col in ("field", "value", "status", "conf", *(("page",) if paged else ()), "evidence", "reasons"):
        table.add_column(col, overflow="fold")
    for path, f in flat.items():
        if f.get("value") is None and not all_fields:
            continue
        ev = (f.get("evidence") or "").replace("\n", "⏎")
        page = (str(f.get("page") or ""),) if paged else ()
        table.add_row(path, json.dumps(f.get("value"), ensure_ascii=False), f.get("status", ""),
                      f"{f.get('confidence', 0):.2f}", *page, ev[:80], ",".join(f.get("reasons") or []))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a per-report result."""
    from extractor.core.schema import report_model

    typer.echo(json.dumps(report_model().model_json_schema(), ensure_ascii=False, indent=1))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


from extractor.cli.eval import eval_app  # noqa: E402
from extractor.cli.review import check, export, review_app  # noqa: E402
from extractor.cli.serve import serve  # noqa: E402

app.add_typer(eval_app, name="eval")
app.add_typer(review_app, name="review")
app.command()(export)
app.command()(serve)
app.command()(check)


def main() -> None:  # pragma: no cover
    app()
