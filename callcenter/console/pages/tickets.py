"""A ticket's page, for whoever may read it: the matter (identity masked by role, as the API
masks it), its deadlines with countdowns, its history, and the actions this person may take
in its status — first contact, extension / return / parking requests with the seeds'
fields, the leader's and head's signatures, the structured reply with its wording checked as
it is typed, the office's decisions, supervision and chasing. Each action is the API's
command; the domain's tables say which to offer (access.commands.offered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import path_int, run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access.commands import offered
from callcenter.domain.privacy import Role
from callcenter.domain.replies import DEMANDS, FACT_CHOICES, RESULTS, SITE_VISITS, Kind
from callcenter.domain.tickets import Status

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/tickets/{id}")
async def ticket(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    tid = path_int(request, "id")
    view = await run(console.api.tickets.get, tid, session.viewer)  # 404 if not theirs
    trail = await run(console.api.tickets.audit, tid, session.viewer)
    commands = [c.__name__ for c in offered(session.viewer, Status(view["status"]),
                                            view["lead_unit"], tuple(view["co_units"]))]
    kind = Kind(view["kind"])
    units = await run(console.api.units.units) if session.viewer.role is not Role.UNIT \
        else []
    return render(request, "ticket.html", ticket=view, trail=trail, commands=commands,
                  facts=sorted(FACT_CHOICES[kind]), demands=sorted(DEMANDS),
                  results=sorted(RESULTS), site_visits=sorted(SITE_VISITS), units=units,
                  now=console.api.tickets.clock().isoformat())
