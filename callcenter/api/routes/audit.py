"""The access audit: who played, downloaded, opened, searched or listened to what (auditors
only). Read-only: the audit has no route that changes it."""

from __future__ import annotations

from aiohttp import web

from callcenter.api.http import answer, query_int, query_times, run
from callcenter.api.route import Routes
from callcenter.api.schema import op, query
from callcenter.api.services import Api
from callcenter.domain.access_log import AccessFilter
from callcenter.services.access_audit import ACTIONS

routes = Routes()


@routes.get("/audit", op(
    "the access audit, newest first, with the transcript searches and listening-in beside "
    "it (auditors)", params=[
        query("person", {"type": "string", "maxLength": 64}),
        query("action", {"type": "string", "enum": list(ACTIONS)}),
        query("subject", {"type": "string", "maxLength": 128,
                          "description": "a prefix, e.g. call:1700000000.12"}),
        query("since", {"type": "string", "format": "date-time"}),
        query("until", {"type": "string", "format": "date-time"}),
        query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})]))
async def audit(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    qs = request.query
    since, until = query_times(request, required=False)
    f = AccessFilter(person=qs.get("person") or None, action=qs.get("action") or None,
                     subject=qs.get("subject") or None, since=since, until=until)
    limit = query_int(request, "limit", 200, 1, 1000)
    return answer({"items": await run(api.audit_service().listing, who, f, limit)})
