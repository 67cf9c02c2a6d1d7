"""The web app's factory: a Starlette application over one run database, its pages rendered by Jinja2 templates
shipped in the package (autoescaped), its one stylesheet and few lines of script served from the package too.

`create_app(db_path, host=..., token=...)` builds it; `extractor serve` runs it under uvicorn. Each request opens its
own connection to the run database (a decision commits at once, as in the terminal review)."""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from extractor.web import routes_data, routes_review
from extractor.web.pages import Web
from extractor.web.security import Guard, middleware

STATIC = {"style.css": "text/css; charset=utf-8", "keys.js": "text/javascript; charset=utf-8"}


def static(request: Request) -> Response:
    """The stylesheet and the script, from the package; any other name is a 404 (no URL reaches the filesystem)."""
    name = request.path_params["name"]
    if name not in STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    body = resources.files("extractor.web").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})


def create_app(db_path: str, host: str = "127.0.0.1", token: str | None = None, guard: Guard | None = None) -> Starlette:
    """The app over the run database at `db_path`, safe for a server bound to `host` (off loopback, `token` is
    required: `Guard.for_bind`)."""
    env = Environment(loader=PackageLoader("extractor.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    web = Web(db_path, env, guard or Guard.for_bind(host, token))
    routes = [*routes_review.routes(web), *routes_data.routes(web), Route("/static/{name}", static)]
    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=middleware(web.guard))])
