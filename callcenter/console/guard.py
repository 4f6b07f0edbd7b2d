"""What stands in front of every console page and every cookie-borne request: the session
from its cookie, CSRF and origin checks on anything that changes state, and headers that
keep a page from running anything but our own scripts.

- The session cookie is HttpOnly and SameSite=Strict, and Secure unless the browser is on
  loopback (a sandbox without TLS).
- A state-changing request that carries the session cookie must come from our own origin
  (Origin / Sec-Fetch-Site) and carry the session's CSRF token (form field `_csrf` or header
  `X-CSRF-Token`). A bearer-token request (the API's own clients) has no cookie to ride on.
- Before sign-in, the sign-in form's token is a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from callcenter.api.http import SESSION_CHECK, SESSION_VIEWER, run
from callcenter.api.route import PREFIX as API
from callcenter.services.people import ConsoleSession, People

SESSION_COOKIE = "hotline_session"
PRE_COOKIE = "hotline_pre"       # the sign-in form's CSRF token before there is a session
LANG_COOKIE = "hotline_lang"
SESSION_KEY = web.RequestKey("console_session", ConsoleSession)
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATIC = "/static/"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def on_loopback(request: web.Request) -> bool:
    remote = request.remote or ""
    return remote.startswith("127.") or remote == "::1"


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="Strict", secure=not on_loopback(request))


def session_of(request: web.Request) -> ConsoleSession | None:
    found = request.get(SESSION_KEY)
    return found if isinstance(found, ConsoleSession) else None


def same_origin(request: web.Request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # old browsers; the CSRF token still has to match
    return origin == f"{request.scheme}://{request.host}"


def token_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(
        expected.encode(), given.encode())


async def csrf_given(request: web.Request) -> str | None:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded",
                                                  "multipart/form-data"):
        form = await request.post()  # read once; aiohttp keeps it for the handler
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given


def pre_token(request: web.Request) -> str:
    """The sign-in form's token: the browser's pre-session cookie, or a new one (the page
    that shows the form sets it)."""
    return request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)


def guard(people: People) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Static files and bearer-token requests need no session: no store read for them.
        needed = not request.path.startswith(STATIC) and "Authorization" not in request.headers
        token = request.cookies.get(SESSION_COOKIE, "") if needed else ""
        session = await run(people.session, token) if token else None
        if session is not None:
            request[SESSION_KEY] = session
            request[SESSION_VIEWER] = session.viewer
            request[SESSION_CHECK] = lambda: (s.viewer if (s := people.session(token))
                                              else None)
        if request.method in UNSAFE and "Authorization" not in request.headers:
            # A signed-in browser's request must carry its session's token; a console form
            # before sign-in (sign-in, the public check) the pre-session cookie's. An API
            # request with neither cookie nor token is the API's to refuse (401).
            expected = session.csrf if session is not None else (
                None if request.path.startswith(API) else request.cookies.get(PRE_COOKIE, ""))
            if expected is not None and not (same_origin(request) and token_matches(
                    expected, await csrf_given(request))):
                response: web.StreamResponse = web.Response(
                    status=403, text="refused: cross-site or without its CSRF token")
                _secure_headers(response)
                return response
        response = await handler(request)
        _secure_headers(response)
        return response

    return middleware


def _secure_headers(response: web.StreamResponse) -> None:
    # A route that set its own (a stored report's page: styles inline, nothing else) keeps it.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Frame-Options"] = "DENY"
    # Our own pages may name themselves to our own origin (the origin check needs it); no
    # page tells another site where a person came from.
    response.headers["Referrer-Policy"] = "same-origin"
