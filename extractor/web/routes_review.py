"""The review pages: the queue, one item with its source lit up, a decision (committed at once, with the reviewer
and the time; refused with who decided what when someone else decided the item meanwhile), the reviewer's name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from extractor.review.queue import ReviewError, Stale, seen
from extractor.web.data import FILTERS, item_view, queue_view
from extractor.web.pages import REVIEWER_COOKIE, reviewer_of, safe_back
from extractor.web.security import CSRF_FIELD, csrf_ok

if TYPE_CHECKING:
    from extractor.web.pages import Web

ACTIONS = ("accept", "value", "null")


def filters_of(params: Mapping[str, str]) -> dict[str, str]:
    """The queue filters a request's query string gives (each cut to 200 characters)."""
    return {k: str(params.get(k) or "").strip()[:200] for k in FILTERS if params.get(k)}


def _filters_query(filters: dict[str, str]) -> str:
    return ("?" + urlencode(filters)) if filters else ""


def routes(web: Web) -> list[Route]:
    def queue(request: Request) -> Response:
        filters = filters_of(request.query_params)
        try:
            with web.con() as con:
                view = queue_view(con, filters)
        except ReviewError as exc:
            return web.page(request, "error.html", 400, message=str(exc))
        return web.page(request, "queue.html", view=view, fq=_filters_query(filters), nav="queue")

    def item(request: Request, error: str | None = None, status: int = 200, typed: str = "") -> Response:
        filters = filters_of(request.query_params)
        try:
            with web.con() as con:
                back = request.query_params.get("prev", "")
                view = item_view(con, int(request.path_params["item_id"]), filters, int(back) if back.isdigit() else None)
        except ReviewError as exc:
            return web.page(request, "error.html", 404, message=str(exc))
        return web.page(request, "item.html", status, view=view, fq=_filters_query(filters), error=error,
                        expect=seen(view.item), typed=typed, nav="queue")

    async def decide(request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return web.page(request, "error.html", 403, message="refused: the form's CSRF token is missing or wrong; "
                                                                "reload the page and try again")
        who = reviewer_of(request)
        if not who:
            return web.page(request, "error.html", 400, message="give your name first (it is kept with every decision)")
        action, typed = str(form.get("action") or ""), str(form.get("value") or "")
        item_id = int(request.path_params["item_id"])
        try:
            expect = int(str(form.get("expect")))
        except ValueError:
            return web.page(request, "error.html", 400, message="the form does not say which decision you saw")
        if action not in ACTIONS:
            return web.page(request, "error.html", 400, message=f"unknown action {action!r}")
        try:
            with web.con() as con:
                from extractor.review.queue import Queue

                Queue(con).decide(item_id, action, typed if action == "value" else None, reviewer=who,
                                  note="web", expect=expect)
        except Stale as exc:
            return item(request, error=str(exc), status=409, typed=typed)
        except ReviewError as exc:
            return item(request, error=f"not saved: {exc}", status=400, typed=typed)
        nxt = str(form.get("next") or "")
        fq = _filters_query(filters_of(request.query_params))
        target = f"/item/{int(nxt)}{fq}{'&' if fq else '?'}prev={item_id}" if nxt.isdigit() else f"/{fq}"
        return RedirectResponse(target, status_code=303)

    async def set_reviewer(request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return web.page(request, "error.html", 403, message="refused: the form's CSRF token is missing or wrong")
        name = " ".join(str(form.get("reviewer") or "").split())[:80]
        resp = RedirectResponse(safe_back(str(form.get("back") or "")), status_code=303)
        if name:
            resp.set_cookie(REVIEWER_COOKIE, name, max_age=365 * 86400, httponly=True, samesite="strict",
                            secure=web.guard.secure_cookies)
        else:
            resp.delete_cookie(REVIEWER_COOKIE)
        return resp

    return [Route("/", queue), Route("/item/{item_id:int}", item),
            Route("/item/{item_id:int}/decide", decide, methods=["POST"]),
            Route("/reviewer", set_reviewer, methods=["POST"])]
