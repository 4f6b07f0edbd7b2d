"""The hotline office's views: the sweep, the working-day calendar, callbacks due and the
office's notices."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from callcenter.api.http import answer, query_int, run
from callcenter.api.route import Routes
from callcenter.api.schema import op, query
from callcenter.api.services import Api
from callcenter.domain.access import office as access
from callcenter.services.errors import require

routes = Routes()


@routes.post("/sweeps", op("run the sweeper now (hotline office)"))
async def sweep(api: Api, request: web.Request) -> web.Response:
    require(access.sweep(api.viewer(request)))
    return answer(asdict(await run(api.sweeper.run)))


@routes.get("/calendar", op("working-day calendar: official and provisional years, "
                            "open tickets with provisional due times (hotline)"))
async def calendar(api: Api, request: web.Request) -> web.Response:
    require(access.calendar(api.viewer(request)))
    return answer(await run(api.calendar.status))


@routes.get("/callbacks", op("closed tickets sampled for a satisfaction callback, "
                             "not called back yet (hotline)",
                             params=[query("limit", {"type": "integer"}),
                                     query("offset", {"type": "integer"})]))
async def callbacks_due(api: Api, request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 50, 1, 500)
    offset = query_int(request, "offset", 0, 0, 10**9)
    return answer({"items": await run(api.tickets.callbacks_due, api.viewer(request), limit,
                                      offset)})


@routes.get("/office/notices", op("notices to the hotline office: calendar, late "
                                  "dispatch, unsolved replies (office)",
                                  params=[query("limit", {"type": "integer"})]))
async def office_notices(api: Api, request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 50, 1, 500)
    return answer({"items": await run(api.tickets.office_notices, api.viewer(request), limit)})
