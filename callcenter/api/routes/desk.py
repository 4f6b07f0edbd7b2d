"""The agent desk: seats and their states, actions on a seat's live call, the screen pop,
the wallboard and the audit of listening in."""

from __future__ import annotations

from aiohttp import web

from callcenter.api.http import answer, body, path_int, query_int, run
from callcenter.api.route import Routes
from callcenter.api.schema import ID, SEAT, also_accepted, op, query
from callcenter.api.services import Api
from callcenter.domain.agents import COMMANDS as DESK_COMMANDS
from callcenter.domain.agents import PAUSE_REASONS
from callcenter.domain.desk_calls import CALL_COMMANDS
from callcenter.services.errors import NotFound, ValidationFailed

routes = Routes()
# The body field that names each call command's target; leave, complete, cancel need none.
_TARGET = {"conference": "unit", "transfer": "target", "listen": "target", "consult": "target"}


@routes.get("/desk/seats", op(
    "every seat: the agent at it, ready, paused (with the reason) or logged out, and "
    "the seconds in that state (hotline)"))
async def seats(api: Api, request: web.Request) -> web.Response:
    return answer({"items": await run(api.desk.statuses, api.viewer(request))})


@routes.post("/desk/seats/{seat}/{command}", also_accepted(op(
    "log in at a seat, get ready, pause with a reason, log out (an agent their own "
    "seat, a supervisor any; the queue follows within a second); or, on the seat's "
    "live call, `conference` a unit (三方通话: its phone, then its duty phone), "
    "`transfer` the citizen (blind: to unit:CODE, seat:ID or the queue), `leave` "
    "the citizen and the unit talking, `consult` another seat (attended transfer: the "
    "citizen on hold; then `complete` or `cancel`), or (supervisors) `listen` to "
    "another seat's call "
    "from this seat's phone (target SEAT[:listen|whisper|barge], audited): accepted "
    "(202) for the controller, followed at /desk/requests/{id}",
    {"type": "object", "properties": {
        "reason": {"type": "string", "enum": sorted(PAUSE_REASONS)},
        "agent": {"type": "string", "maxLength": 64,
                  "description": "who logs in (supervisors; an agent is themselves)"},
        "unit": {"type": "string", "maxLength": 64,
                 "description": "conference: the unit's code"},
        "target": {"type": "string", "maxLength": 64,
                   "description": "transfer: unit:CODE, seat:ID or queue; consult: "
                                  "seat:ID; listen: SEAT[:listen|whisper|barge]"}}},
    params=[SEAT, {"name": "command", "in": "path", "required": True,
                   "schema": {"type": "string", "enum": [*DESK_COMMANDS, *CALL_COMMANDS]}}])))
async def seat_command(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    data = await body(request) if request.can_read_body else {}
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "an object"})
    name = request.match_info["command"]
    if name in CALL_COMMANDS:
        key = _TARGET.get(name)
        target = data.get(key, "") if key else ""
        if not isinstance(target, str) or len(target) > 64 or (key and not target):
            raise ValidationFailed({key or "body": "required: text up to 64 characters"})
        # Accepted: the controller carries it out; GET the request to follow it.
        return answer(await run(api.desk_calls.request, request.match_info["seat"], name,
                                target, who), 202)
    if name not in DESK_COMMANDS:
        raise NotFound(f"no command {name}")
    fields = {k: data.get(k, "") for k in ("reason", "agent")}
    bad = {k: "text" for k, v in fields.items() if not isinstance(v, str) or len(v) > 64}
    if bad:
        raise ValidationFailed(bad)
    return answer(await run(api.desk.act, request.match_info["seat"], name, who,
                            fields["reason"], fields["agent"]))


@routes.get("/desk/requests/{id}", op(
    "a conference or leave request: pending, working (dialling …), done or failed, "
    "with the detail the line gave", params=[ID]))
async def desk_request(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.desk_calls.get, path_int(request, "id"), api.viewer(request)))


@routes.get("/desk/seats/{seat}/pop", op(
    "the screen pop of the seat's call now: call id, number masked, menu choice, the "
    "caller's earlier calls and open tickets (with this year's repeats), and a "
    "registration form pre-filled and linked to the call (an agent: their own seat)",
    params=[SEAT]))
async def screen_pop(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.pop.pop, request.match_info["seat"], api.viewer(request)))


@routes.get("/desk/listening", op(
    "the audit of listening in: who, from which seat, on whom (seat, agent, call), "
    "listen/whisper/barge, from when to when (supervisors)",
    params=[query("limit", {"type": "integer"})]))
async def listening(api: Api, request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 100, 1, 500)
    return answer({"items": await run(api.desk_calls.listening, api.viewer(request), limit)})


@routes.get("/wallboard", op(
    "live numbers from the controller's own state: citizens in the menu, waiting (and "
    "the longest wait), talking; agents by state and time in state; the last 24 h "
    "per queue and in all — calls offered, answered, answered within 15 s, abandoned "
    "in the menu and in the queue, answer rate — each with numerator and denominator "
    "(hotline)"))
async def wallboard(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.wallboard.view, api.viewer(request)))
