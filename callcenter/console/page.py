"""How a console page is declared and drawn: the registry of pages, the signed-in check, and
the context every template gets (the person, their language, the CSRF token, the menu)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from callcenter.console.guard import LANG_COOKIE, PRE_COOKIE, pre_token, session_of, set_cookie
from callcenter.console.i18n import LANGUAGES, t
from callcenter.domain.access import desk as desk_access
from callcenter.domain.access import office as office_access
from callcenter.domain.access import people as people_access
from callcenter.domain.access import reports as reports_access
from callcenter.domain.access import speech as speech_access
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.errors import ValidationFailed
from callcenter.services.people import ConsoleSession

if TYPE_CHECKING:
    from callcenter.console.app import Console

TZ: web.AppKey[tzinfo] = web.AppKey("tz")  # the hotline's zone, for every page's times
PageHandler = Callable[["Console", web.Request], Awaitable[web.StreamResponse]]

def _unit_portal(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.UNIT else "the portal is the units'"


# The menu: (path, word, the check of domain/access/ that lets a person in). A person sees
# what they may open, by the same checks the services make.
MENU: tuple[tuple[str, str, Callable[[Viewer], str | None]], ...] = (
    ("/desk", "desk", desk_access.seats),
    ("/wallboard", "wallboard", desk_access.wallboard),
    ("/office", "office", office_access.board),
    ("/unit", "unit_portal", _unit_portal),
    ("/recordings", "recordings", speech_access.recordings),
    ("/reports", "reports", reports_access.read),
    ("/audit", "audit", people_access.read_audit),
    ("/people", "people", people_access.manage),
)


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    handler: PageHandler


class Pages:
    def __init__(self) -> None:
        self.pages: list[Page] = []

    def get(self, path: str) -> Callable[[PageHandler], PageHandler]:
        return self._add("GET", path)

    def post(self, path: str) -> Callable[[PageHandler], PageHandler]:
        return self._add("POST", path)

    def _add(self, method: str, path: str) -> Callable[[PageHandler], PageHandler]:
        def register(handler: PageHandler) -> PageHandler:
            self.pages.append(Page(method, path, handler))
            return handler
        return register

    def __iter__(self) -> Any:
        return iter(self.pages)


def day_window(since: str, until: str, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    """Two dates typed in a filter form as [the start of `since`, the start of the day after
    `until`) in the hotline's time zone; an empty one leaves that side open."""
    out: list[datetime | None] = []
    for name, raw, end in (("since", since, False), ("until", until, True)):
        if not raw:
            out.append(None)
            continue
        try:
            day = datetime.fromisoformat(raw).date()
        except ValueError:
            raise ValidationFailed({name: "a date"}) from None
        out.append(datetime.combine(day + timedelta(days=1) if end else day, time(), tz))
    return out[0], out[1]


def see_other(to: str) -> web.Response:
    """A redirect to a path of ours, as a response (cookies can ride on it)."""
    return web.Response(status=303, headers={"Location": to})


def language(request: web.Request) -> str:
    session = session_of(request)
    if session is not None:
        return session.person.language
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if chosen in LANGUAGES else "zh"


def signed_in(request: web.Request) -> ConsoleSession:
    """The signed-in person, or off to the sign-in page (and back here after)."""
    session = session_of(request)
    if session is None:
        raise web.HTTPSeeOther("/signin?next=" + quote(request.path_qs, safe=""))
    return session


def menu(session: ConsoleSession | None) -> list[tuple[str, str]]:
    if session is None:
        return []
    return [(path, word) for path, word, check in MENU if check(session.viewer) is None]


def home_of(viewer: Viewer) -> str:
    return next((path for path, _, check in MENU if check(viewer) is None), "/public")


def render(request: web.Request, template: str, status: int = 200,
           **context: Any) -> web.Response:
    tz = request.app[TZ]
    session = session_of(request)
    lang = language(request)
    pre = pre_token(request)

    def local(at: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """A stored time in the hotline's time zone."""
        if not at:
            return ""
        when = datetime.fromisoformat(at) if isinstance(at, str) else at
        return when.astimezone(tz).strftime(fmt)

    response = aiohttp_jinja2.render_template(template, request, {
        "lang": lang, "t": lambda key: t(key, lang), "session": session,
        "person": session.person if session else None,
        "csrf": session.csrf if session else pre, "menu": menu(session), "local": local,
        "path": request.path, "tz_name": str(tz), **context}, status=status)
    if session is None and request.cookies.get(PRE_COOKIE) != pre:
        set_cookie(request, response, PRE_COOKIE, pre)
    return response
