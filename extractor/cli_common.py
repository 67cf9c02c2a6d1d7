"""What every command module shares: the one-line failure, the `--db` option, opening an existing database."""

from __future__ import annotations

import os
import sqlite3
from typing import Annotated, NoReturn

import typer

from .errors import ExtractorError

Db = Annotated[str | None, typer.Option("--db", help="Run database (default $EXTRACTOR_DB or extractor.db).")]


def fail(exc: ExtractorError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def existing_db(db: str | None) -> tuple[str, sqlite3.Connection]:
    """(path, connection) of a run database that must already exist (reading commands)."""
    from .rundb import connect, db_path

    path = db_path(db)
    if not os.path.exists(path):
        fail(ExtractorError(f"no run database at {path}; run `extractor run` first"))
    return path, connect(path)
