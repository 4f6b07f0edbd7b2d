"""Day or night on the line, who is on duty, and forcing either."""

from __future__ import annotations

from aiohttp import web

from callcenter.api.http import answer, body_object, run
from callcenter.api.route import Routes
from callcenter.api.schema import fields_schema, op
from callcenter.api.services import Api
from callcenter.services.errors import ValidationFailed

routes = Routes()


@routes.get("/duty", op(
    "day or night on the line now and why (schedule, holiday, forced), today's staffed "
    "hours, the shift, who is on duty and the leader on duty (hotline)"))
async def show(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.duty_desk().show, api.viewer(request)))


@routes.post("/duty/force", op(
    "force day or night, or give the line back to the schedule (supervisors)",
    fields_schema(["mode"], mode={"type": "string", "enum": ["day", "night", "auto"]})))
async def force(api: Api, request: web.Request) -> web.Response:
    mode = (await body_object(request)).get("mode")
    if not isinstance(mode, str):
        raise ValidationFailed({"mode": "day, night or auto"})
    return answer(await run(api.duty_desk().force, mode, api.viewer(request)))
