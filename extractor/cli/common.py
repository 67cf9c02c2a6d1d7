"""What every command module shares: the one-line failure, the `--db` option, opening a database, a full disk."""

from __future__ import annotations

import errno
import functools
import inspect
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer

from extractor.core.errors import ExtractorError, disk_full

Db = Annotated[str | None, typer.Option("--db", help="Run database (default $EXTRACTOR_DB or extractor.db).")]

P = ParamSpec("P")
R = TypeVar("R")


def fail(exc: ExtractorError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


@dataclass(frozen=True)
class RunDb:
    """A run database a command opened: where it is (for its messages) and the connection."""

    path: str
    con: sqlite3.Connection


def open_db(db: str | None) -> RunDb:
    """The run database, created if missing; a file it cannot use is one line and exit 2."""
    from extractor.store.db import connect, db_path

    path = db_path(db)
    try:
        return RunDb(path, connect(path))
    except ExtractorError as exc:
        fail(exc)


def existing_db(db: str | None) -> RunDb:
    """A run database that must already exist (reading commands)."""
    from extractor.store.db import db_path

    path = db_path(db)
    if not os.path.exists(path):
        fail(ExtractorError(f"no run database at {path}; run `extractor run` first"))
    return open_db(path)


def os_error(exc: OSError, doing: str = "cannot write") -> ExtractorError:
    """An OSError as one line naming its file (`cannot write out/x.csv: Not a directory`)."""
    if _is_full(exc):
        return disk_full(exc.filename or "the output")
    where = exc.filename if exc.filename is not None else "the output"
    return ExtractorError(f"{doing} {where}: {exc.strerror or exc}")


# ---- a full disk --------------------------------------------------------------------------------------------

def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "database or disk is full" in str(exc)


def disk_full_message(exc: BaseException, db: str | None = None, out: str | None = None) -> str | None:
    """The one line for a full disk (OSError ENOSPC/EDQUOT, SQLite's `database or disk is full`), or None for any
    other fault. The first such failure in the exception's chain is named: a clean-up in a `finally` that failed the
    same way afterwards (the run row, a last flush) does not hide where it began."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__context__
    full = [x for x in chain if _is_full(x)]
    if not full:
        return None
    first = full[-1]
    if isinstance(first, OSError) and first.filename:
        what = str(first.filename)
    elif isinstance(first, sqlite3.Error):
        what = db or "the run database"
    else:
        what = f"the results in {out}" if out else "the results"
    return str(disk_full(what))


def disk_full_guard(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command (under `@app.command()`): a full disk anywhere in it is one line and exit code 1, not a
    traceback. Reads the command's `db` and `out` arguments to name what was being written; any other fault is
    re-raised untouched."""
    sig = inspect.signature(command)

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (OSError, sqlite3.Error) as exc:
            bound = sig.bind_partial(*args, **kwargs)
            bound.apply_defaults()
            from extractor.store.db import db_path

            db = bound.arguments.get("db")
            message = disk_full_message(exc, db=db_path(db if isinstance(db, str) else None),
                                        out=bound.arguments.get("out"))
            if message is None:
                raise
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(1) from None

    return wrapper
