"""The JSON API (aiohttp): middleware and assembly of the routes of api/routes/.

Every request but the OpenAPI document carries `Authorization: Bearer <token>`; the token
names a person and a role (api/tokens.py), and the services apply that person's rights.
A deadline in a year whose working-day calendar is not published is provisional, never
refused; the app watches the calendar file and recomputes such deadlines within seconds of
a year being added.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Sequence

from aiohttp import web
from aiohttp.typedefs import Middleware

from callcenter.api.http import answer, errors, private_headers
from callcenter.api.metrics import add_metrics
from callcenter.api.openapi import DOCUMENT_PATH, document
from callcenter.api.route import PREFIX
from callcenter.api.routes import every_route
from callcenter.api.services import Api
from callcenter.services.rules import generation_of

log = logging.getLogger(__name__)
__all__ = ["Api", "make_app"]


async def _watch_calendar(api: Api) -> None:
    seen = generation_of(api.tickets.rules)
    while True:
        await asyncio.sleep(api.watch_every)
        try:
            seen = await asyncio.to_thread(api.watch_calendar_once, seen)
        except Exception as exc:  # the watcher outlives a store that is away for a moment
            log.error("calendar watch failed: %s", type(exc).__name__)


def make_app(api: Api, middlewares: Sequence[Middleware] = ()) -> web.Application:
    """The API; `middlewares` run inside the error mapping (the console's guard)."""
    app = web.Application(middlewares=[errors, *middlewares], client_max_size=256 * 1024)
    app.on_response_prepare.append(private_headers)

    async def calendar_watcher(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch_calendar(api))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(calendar_watcher)

    async def openapi(request: web.Request) -> web.Response:
        return answer(document())

    app.router.add_get(PREFIX + DOCUMENT_PATH, openapi)
    add_metrics(app, api)
    for route in every_route():
        app.router.add_route(route.method, PREFIX + route.path,
                             functools.partial(route.handler, api))
    return app
