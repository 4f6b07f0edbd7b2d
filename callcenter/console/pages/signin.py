"""Signing in and out, the one-time link, one's own password and language, and the home page
that sends each person to their work."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.guard import LANG_COOKIE, SESSION_COOKIE, session_of, set_cookie
from callcenter.console.i18n import LANGUAGES
from callcenter.console.page import Pages, home_of, render, see_other, signed_in
from callcenter.services.errors import ValidationFailed
from callcenter.services.people import LONGEST, SignedIn, SignInRefused

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


def _next(raw: str | None) -> str:
    """Where to go after sign-in: a path on this site only (never another host)."""
    if not raw:
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//") \
            or "\\" in raw:
        return "/"
    return raw


def _signed_in(request: web.Request, signed: SignedIn, to: str) -> web.StreamResponse:
    response = see_other(to)
    set_cookie(request, response, SESSION_COOKIE, signed.token,
               max_age=int(LONGEST.total_seconds()))
    return response


@pages.get("/")
async def home(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    raise web.HTTPSeeOther(home_of(session.viewer))


@pages.get("/signin")
async def signin_form(console: Console, request: web.Request) -> web.StreamResponse:
    return render(request, "signin.html", next=_next(request.query.get("next")), refused="")


@pages.post("/signin")
async def signin(console: Console, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    to = _next(str(form.get("next", "")))
    try:
        signed = await run(console.people.sign_in, str(form.get("account", ""))[:64],
                           str(form.get("password", "")), request.remote or "")
    except SignInRefused as exc:
        return render(request, "signin.html", status=429 if exc.throttled else 401,
                      next=to, refused=str(exc))
    return _signed_in(request, signed, to if to != "/" else home_of(signed.person.viewer()))


@pages.get("/signin/link/{token}")
async def signin_link(console: Console, request: web.Request) -> web.StreamResponse:
    """A one-time link: signs in, then asks for a password."""
    try:
        signed = await run(console.people.sign_in_once, request.match_info["token"][:128])
    except SignInRefused as exc:
        return render(request, "signin.html", status=401, next="/", refused=str(exc))
    return _signed_in(request, signed, "/password")


@pages.post("/signout")
async def signout(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    await run(console.people.sign_out, session)
    response = see_other("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("/password")
async def password_form(console: Console, request: web.Request) -> web.StreamResponse:
    signed_in(request)
    return render(request, "password.html", problem="", done=False)


@pages.post("/password")
async def password(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    form = await request.post()
    try:
        await run(console.people.set_password, session, str(form.get("password", "")))
    except ValidationFailed as exc:
        return render(request, "password.html", status=422, problem=exc.fields["password"],
                      done=False)
    return render(request, "password.html", problem="", done=True)


@pages.post("/language")
async def choose_language(console: Console, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("language", ""))
    if lang not in LANGUAGES:
        raise ValidationFailed({"language": "zh or en"})
    response = see_other(_next(str(form.get("next", ""))))
    session = session_of(request)
    if session is not None:
        await run(console.people.set_language, session, lang)
    set_cookie(request, response, LANG_COOKIE, lang, max_age=365 * 86400)
    return response
