"""Work orders: register, list, read, act, link calls, merge; the audit trail."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.api import forms
from callcenter.api.http import answer, body, body_object, linkedid_field, path_int, query_int, run
from callcenter.api.route import Routes
from callcenter.api.schema import ID, fields_schema, op, query
from callcenter.api.services import Api
from callcenter.contract.dialplan import UNIQUEID
from callcenter.domain.registration import Registration
from callcenter.domain.tickets import Status
from callcenter.services.errors import ValidationFailed

routes = Routes()


def _registration_schema() -> dict[str, Any]:
    schema = forms.object_schema(Registration)
    schema["properties"]["linkedid"] = {"type": "string", "pattern": f"^{UNIQUEID.pattern}$",
                                        "description": "the call it came from"}
    return schema


@routes.post("/tickets", op("register a ticket (登记)", _registration_schema(), ok="201"))
async def register(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    data = await body(request)
    form = forms.registration(data)
    linkedid = data.get("linkedid") if isinstance(data, dict) else None
    if linkedid is not None:
        linkedid_field(linkedid)
    tid = await run(api.tickets.register, form, who, linkedid)
    return answer(await run(api.tickets.get, tid, who), 201)


@routes.get("/tickets", op("list tickets you may see, newest first", params=[
    query("status", {"type": "string", "enum": [s.value for s in Status]}),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
    query("offset", {"type": "integer", "minimum": 0})]))
async def list_tickets(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    status = request.query.get("status")
    if status is not None and status not in {s.value for s in Status}:
        raise ValidationFailed({"status": f"one of {', '.join(s.value for s in Status)}"})
    limit = query_int(request, "limit", 50, 1, 500)
    offset = query_int(request, "offset", 0, 0, 10**9)
    items = await run(api.tickets.list, who, Status(status) if status else None, limit, offset)
    return answer({"items": items})


@routes.get("/tickets/{id}", op("one ticket, identity masked for your role", params=[ID]))
async def get_ticket(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.tickets.get, path_int(request, "id"), api.viewer(request)))


@routes.get("/tickets/{id}/audit", op("the ticket's audit trail", params=[ID]))
async def audit(api: Api, request: web.Request) -> web.Response:
    return answer({"items": await run(api.tickets.audit, path_int(request, "id"),
                                      api.viewer(request))})


@routes.post("/tickets/{id}/commands/{name}", op(
    "act on a ticket: the body is the command's fields",
    {"oneOf": [{**forms.object_schema(cls), "title": name}
               for name, cls in sorted(forms.COMMANDS.items())]},
    params=[ID, {"name": "name", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": sorted(forms.COMMANDS)}}]))
async def command(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    cmd = forms.parse_command(request.match_info["name"], await body(request))
    return answer(await run(api.tickets.command, path_int(request, "id"), cmd, who))


@routes.post("/replies/lint", op(
    "the wording rules of a reply being written: promises (预计, 将 …), offending words, "
    "internal content, numbers; the same rules a submitted reply is held to",
    fields_schema(["public_points"], public_points={"type": "string", "maxLength": 5000},
                  completion_report={"type": "string", "maxLength": 20000})))
async def lint_reply(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    data = await body_object(request)
    texts = [data.get(k, "") for k in ("public_points", "completion_report")]
    if not all(isinstance(v, str) for v in texts):
        raise ValidationFailed({"public_points": "text"})
    return answer({"problems": await run(api.tickets.lint_reply, who, *texts)})


@routes.post("/tickets/{id}/calls", op(
    "link a call to the ticket (a repeat call counts)",
    fields_schema(["linkedid"], linkedid={"type": "string"}), params=[ID]))
async def add_call(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    lid = linkedid_field((await body_object(request)).get("linkedid"))
    return answer(await run(api.tickets.add_call, path_int(request, "id"), lid, who))


@routes.post("/tickets/{id}/merge", op(
    "merge this ticket into another (并单); both keep their histories",
    fields_schema(["into", "reason"], into={"type": "integer"}, reason={"type": "string"}),
    params=[ID]))
async def merge(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    data = await body_object(request)
    problems: dict[str, str] = {}
    into, reason = data.get("into"), data.get("reason")
    if not isinstance(into, int) or isinstance(into, bool) or not 0 < into < 2**31:
        problems["into"] = "the id of the ticket that stays"
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "required"
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(into, int) and isinstance(reason, str)  # checked above, for mypy
    source = path_int(request, "id")
    await run(api.tickets.merge, source, into, who, reason)
    return answer(await run(api.tickets.get, source, who))
