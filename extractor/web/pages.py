"""What every page shares: the database connection (one per request), rendering a template with the CSRF token and
the reviewer's name, the query string that keeps the filters, a redirect target that stays on this server."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

from extractor.web.security import Guard, csrf_of

REVIEWER_COOKIE = "extractor_reviewer"


def show(v: Any) -> str:
    """A value as the terminal review prints it (JSON, Chinese kept)."""
    return json.dumps(v, ensure_ascii=False)


def when(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


@dataclass
class Web:
    """What every route needs: the database path, the templates, the guard."""

    db_path: str
    env: Environment
    guard: Guard

    cache: dict[str, tuple[tuple[float, int, int], Any]] = field(default_factory=dict)

    def cached(self, key: str, con: sqlite3.Connection, make: Callable[[], Any]) -> Any:
        """`make()`, computed again only after a result or a decision was written (`Store.version`): the dataset's
        rows, every report's record rebuilt, are the slow part of a page."""
        from extractor.store.results import Store

        now = Store(con).version()
        hit = self.cache.get(key)
        if hit is None or hit[0] != now:
            self.cache[key] = hit = (now, make())
        return hit[1]

    @contextmanager
    def con(self) -> Iterator[sqlite3.Connection]:
        from extractor.store.db import connect

        con = connect(self.db_path)
        try:
            yield con
        finally:
            con.close()

    def page(self, request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            request=request, csrf=csrf_of(request), reviewer=reviewer_of(request), show=show, when=when,
            query=lambda **kw: query(request, **kw), path=request.url.path, **ctx)
        return HTMLResponse(html, status_code=status)


def reviewer_of(request: Request) -> str:
    return request.cookies.get(REVIEWER_COOKIE, "").strip()[:80]


def query(request: Request, **changes: Any) -> str:
    """The request's query string with some parameters changed (None drops one): the links keep the filters."""
    params = {k: v for k, v in request.query_params.items() if k != "token"}
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return ("?" + urlencode(params)) if params else ""


def safe_back(target: str | None, default: str = "/") -> str:
    """A redirect target from a form: a path on this server only (never `//host` or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


