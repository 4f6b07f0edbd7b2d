"""The units directory and "which unit answers for this address"."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from callcenter.api.http import answer, run
from callcenter.api.route import Routes
from callcenter.api.schema import op, query
from callcenter.api.services import Api
from callcenter.services.errors import ValidationFailed

routes = Routes()


@routes.get("/units", op("the units directory"))
async def units(api: Api, request: web.Request) -> web.Response:
    api.viewer(request)
    return answer({"items": [asdict(u) for u in await run(api.units.units)]})


@routes.get("/units/propose", op("units responsible for an address and category",
                                 params=[query("address", {"type": "string"}, True),
                                         query("category", {"type": "string"})]))
async def propose(api: Api, request: web.Request) -> web.Response:
    api.viewer(request)
    address, category = request.query.get("address", ""), request.query.get("category", "")
    if not address.strip():
        raise ValidationFailed({"address": "required"})
    found = await run(api.units.propose, address, category)
    return answer({"items": [asdict(p) for p in found]})
