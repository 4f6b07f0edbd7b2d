"""Missed calls called back from a seat, and satisfaction callbacks (回访)."""

from __future__ import annotations

from aiohttp import web

from callcenter.api.http import (
    LINKEDID,
    answer,
    body,
    body_object,
    path_int,
    query_int,
    query_times,
    run,
)
from callcenter.api.route import Routes
from callcenter.api.schema import ID, fields_schema, op, query
from callcenter.api.schema import LINKEDID as LINKEDID_PARAM
from callcenter.api.services import Api
from callcenter.services.errors import NotFound, ValidationFailed

routes = Routes()


@routes.get("/desk/missed", op(
    "missed calls, newest first (numbers masked): called again since, due for a "
    "callback by the policy, and the callback's state (hotline)",
    params=[query("since", {"type": "string"}), query("limit", {"type": "integer"})]))
async def missed(api: Api, request: web.Request) -> web.Response:
    since, _ = query_times(request, required=False)
    limit = query_int(request, "limit", 100, 1, 500)
    return answer({"items": await run(api.callbacks_service().missed, api.viewer(request),
                                      since, limit)})


@routes.post("/desk/missed/{linkedid}/callback", op(
    "call a missed call back from a seat (its phone rings first, then the citizen's): "
    "asked twice, the same request (one ring); 202, followed at /desk/callbacks/{id}",
    fields_schema(["seat"], seat={"type": "string", "pattern": "^[0-9]{2,8}$"}),
    params=[LINKEDID_PARAM], ok="202"))
async def call_back(api: Api, request: web.Request) -> web.Response:
    linkedid = request.match_info["linkedid"]
    if not LINKEDID.fullmatch(linkedid):
        raise NotFound(f"no missed call {linkedid[:40]}")
    seat = (await body_object(request)).get("seat")
    if not isinstance(seat, str) or not seat:
        raise ValidationFailed({"seat": "required: the seat whose phone rings first"})
    return answer(await run(api.callbacks_service().request, linkedid, seat,
                            api.viewer(request)), 202)


@routes.post("/tickets/{id}/satisfaction-callback", op(
    "call the citizen of a closed ticket back for satisfaction (回访): from a seat (the "
    "agent records the scores), or without one by keys (the line asks: solved, "
    "attitude, speed, result); asked twice, one call; 202, followed at "
    "/desk/callbacks/{id}",
    fields_schema([], seat={"type": "string", "pattern": "^([0-9]{2,8})?$"}),
    params=[ID], ok="202"))
async def satisfaction_callback(api: Api, request: web.Request) -> web.Response:
    data = await body(request)
    seat = data.get("seat", "") if isinstance(data, dict) else None
    if not isinstance(seat, str):
        raise ValidationFailed({"seat": "a seat (the agent asks), or none (by keys)"})
    return answer(await run(api.callbacks_service().request_survey, path_int(request, "id"),
                            api.viewer(request), seat), 202)


@routes.get("/desk/callbacks/{id}", op(
    "a callback: pending, placing, answered, no_answer, busy or failed", params=[ID]))
async def callback_state(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.callbacks_service().get, path_int(request, "id"),
                            api.viewer(request)))
