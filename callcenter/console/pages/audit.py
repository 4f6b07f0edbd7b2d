"""The access audit for auditors: who played, downloaded, opened, searched or listened to
what, filtered by person, action, subject and time. There is nothing here to change it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, day_window, render, signed_in
from callcenter.domain.access import people as access
from callcenter.domain.access_log import AccessFilter
from callcenter.services.access_audit import ACTIONS, AccessView
from callcenter.services.errors import ValidationFailed, require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/audit")
async def audit(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(access.read_audit(session.viewer))
    q = request.query
    chosen = {k: q.get(k, "")[:128] for k in ("person", "action", "subject", "since", "until")}
    problem = ""
    items: list[AccessView] = []
    try:
        since, until = day_window(chosen["since"], chosen["until"], console.tz)
        f = AccessFilter(person=chosen["person"] or None, action=chosen["action"] or None,
                         subject=chosen["subject"] or None, since=since, until=until)
        items = await run(console.api.audit_service().listing, session.viewer, f, 500)
    except ValidationFailed as exc:
        problem = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return render(request, "audit.html", items=items, chosen=chosen, actions=ACTIONS,
                  problem=problem)
