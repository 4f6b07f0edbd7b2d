"""The unit portal: the unit's tickets with a countdown to each deadline (provisional ones
marked; each opens on pages/tickets.py), and the reply's wording checked as it is typed.
Numbers are masked as the API masks them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import tickets as ticket_access
from callcenter.domain.tickets import Status
from callcenter.services.errors import require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/unit")
async def tickets(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(ticket_access.list_tickets(session.viewer))
    raw = request.query.get("status", "")
    status = Status(raw) if raw in {s.value for s in Status} else None
    items = await run(console.api.tickets.list, session.viewer, status, 200, 0)
    return render(request, "unit_tickets.html", items=items, chosen_status=raw,
                  statuses=list(Status), now=console.api.tickets.clock().isoformat())


@pages.post("/unit/lint")
async def lint(console: Console, request: web.Request) -> web.StreamResponse:
    """The reply's wording problems as the person types (htmx swaps this in)."""
    session = signed_in(request)
    form = await request.post()
    problems = await run(console.api.tickets.lint_reply, session.viewer,
                         str(form.get("reply.public_points", "")),
                         str(form.get("reply.completion_report", "")))
    return render(request, "lint.html", problems=problems)
