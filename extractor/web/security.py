"""What keeps the web app safe by default: the Host check (DNS rebinding), the access token off loopback, the CSRF
token on every state-changing request, and the headers that stop a page from loading or running anything it did not
ship (a report is untrusted text: escaped by the templates, and a CSP refuses inline script even if one got through).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
TOKEN_COOKIE = "extractor_token"
CSRF_COOKIE = "extractor_csrf"
CSRF_FIELD = "csrf"
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Guard:
    """The server's policy: which Host names it answers to and the token it asks for (None on loopback)."""

    token: str | None
    hosts: frozenset[str] | None  # None: any Host (off loopback, where the token is what keeps others out)
    secure_cookies: bool = False
    csrf_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @classmethod
    def for_bind(cls, host: str, token: str | None) -> Guard:
        """Loopback: only loopback Host names (a rebound DNS name is refused), no token unless one is given.
        Any other address: every request must carry the token."""
        if is_loopback(host):
            return cls(token, LOOPBACK | {host})
        if not token:
            raise ValueError("a token is required off loopback")
        return cls(token, None if host in ("0.0.0.0", "::", "") else LOOPBACK | {host})

    def host_ok(self, request: Request) -> bool:
        if self.hosts is None:
            return True
        raw = request.headers.get("host", "")
        name = raw.rsplit(":", 1)[0] if not raw.endswith("]") else raw
        if raw.startswith("["):
            name = raw.split("]")[0] + "]"
        return name in self.hosts

    def token_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        auth = request.headers.get("authorization", "")
        given = [auth[7:] if auth.lower().startswith("bearer ") else "", request.headers.get("x-extractor-token", ""),
                 request.cookies.get(TOKEN_COOKIE, "")]
        return any(g and hmac.compare_digest(g.encode(), self.token.encode()) for g in given)

    def origin_ok(self, request: Request) -> bool:
        """A state-changing request from another site's page is refused (its Origin or Referer names another
        host); a request with neither (a script, an old browser) must still carry the CSRF token."""
        for h in ("origin", "referer"):
            v = request.headers.get(h)
            if v and v != "null":
                return urlsplit(v).netloc == request.headers.get("host", "")
        return True


def csrf_of(request: Request) -> str:
    """The CSRF token of this browser (the cookie, or a new one the response sets)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return str(token)


def csrf_ok(request: Request, form_value: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and isinstance(form_value, str) and hmac.compare_digest(cookie.encode(), form_value.encode())


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers=HEADERS)


def middleware(guard: Guard) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """The checks every request passes, in order: Host, token (a `?token=` login sets the cookie), Origin on POST;
    then the security headers and the CSRF cookie on the response."""

    async def check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not guard.host_ok(request):
            return _refuse(400, "refused: this server answers only to its own host name (DNS rebinding guard)")
        query = request.query_params.get("token")
        if guard.token is not None and query is not None and request.method == "GET":
            if not hmac.compare_digest(query.encode(), guard.token.encode()):
                return _refuse(401, "refused: wrong token")
            rest = urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "token"])
            resp: Response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
            resp.set_cookie(TOKEN_COOKIE, guard.token, httponly=True, samesite="strict", secure=guard.secure_cookies)
            return resp
        if not guard.token_ok(request):
            return _refuse(401, "refused: this server needs its token: open the URL `extractor serve` printed "
                                "(…/?token=…), or send the header Authorization: Bearer TOKEN")
        if request.method not in ("GET", "HEAD") and not guard.origin_ok(request):
            return _refuse(403, "refused: a request from another site")
        resp = await call_next(request)
        for k, v in HEADERS.items():
            resp.headers.setdefault(k, v)
        new = getattr(request.state, "new_csrf", None)
        if new:
            resp.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", secure=guard.secure_cookies)
        return resp

    return check
