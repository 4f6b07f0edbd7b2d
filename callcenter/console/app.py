"""The console and the API in one aiohttp application: the API's routes and middleware, the
console's guard, its pages and its static files (served from the package: no CDN)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from callcenter.api.app import make_app
from callcenter.api.route import PREFIX
from callcenter.api.services import Api
from callcenter.console.guard import STATIC, guard
from callcenter.console.page import TZ, render
from callcenter.console.pages import every_page
from callcenter.services.errors import Forbidden, NotFound
from callcenter.services.people import People
from callcenter.services.public import PublicDesk
from callcenter.services.transcript_search import CLOSE, OPEN

STATIC_FILES = Path(__file__).parent / "static"


@dataclass
class Console:
    api: Api
    people: People
    public: PublicDesk
    tz: tzinfo
    after_call_s: float = 0.0  # the seats' after-call work, shown as a countdown


@web.middleware
async def page_errors(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
    """A page's refusal as a page (the API's stay JSON, mapped outside)."""
    if request.path.startswith(PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except NotFound:
        return render(request, "error.html", status=404, word="not_found")
    except Forbidden as exc:
        return render(request, "error.html", status=403, word="forbidden", why=str(exc))


def marked(snippet: str) -> Markup:
    """A search hit's words, marked 【like this】 by the search, as <mark>: the text is
    escaped first, so only our own tags are HTML."""
    return escape(snippet).replace(OPEN, Markup("<mark>")).replace(CLOSE, Markup("</mark>"))


def make_console_app(console: Console) -> web.Application:
    app = make_app(console.api, middlewares=[guard(console.people), page_errors])
    app[TZ] = console.tz
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("callcenter.console", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, default_helpers=False)
    static = app.router.add_static(STATIC, STATIC_FILES, append_version=True, name="static")
    # Versioned URLs (?v=<hash>): a browser never runs yesterday's script with today's page.
    env.globals["static"] = lambda name: str(static.url_for(filename=name))
    env.filters["marked"] = marked
    for page in every_page():
        app.router.add_route(page.method, page.path, functools.partial(page.handler, console))
    return app
