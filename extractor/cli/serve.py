"""The `serve` command: the review queue and the dataset in a browser (`extractor.web`, the `web` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from extractor.cli.common import Db, existing_db, fail
from extractor.core.errors import ConfigError


def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="Address to bind: 127.0.0.1 (the default) is this machine only; any other "
                                           "needs a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    token: Annotated[str | None, typer.Option(help="Token every request must carry (off loopback a random one is made "
                                                   "and printed when none is given).")] = None,
) -> None:
    """Serve the review queue, the reports and the dataset (with charts) as web pages over the run database."""
    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        from extractor.web import MISSING

        fail(ConfigError(MISSING))
    from extractor.web.app import create_app
    from extractor.web.security import is_loopback, new_token

    if not 0 < port < 65536:
        fail(ConfigError(f"--port is from 1 to 65535, not {port}"))
    run_db = existing_db(db)
    run_db.con.close()
    if not is_loopback(host) and not token:
        token = new_token()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    typer.echo(f"serving {run_db.path} at {url}{'?token=' + token if token else ''}  (Ctrl-C stops)", err=True)
    if token and not is_loopback(host):
        typer.echo(f"every request needs the token: open the URL above once (a cookie keeps it), or send "
                   f"Authorization: Bearer {token}", err=True)
    uvicorn.run(create_app(run_db.path, host=host, token=token), host=host, port=port, log_level="warning",
                server_header=False, proxy_headers=False)
