"""The agent's desk and the supervisor's wallboard.

The desk: the seat's state buttons (ready, pause with a reason, log out; after-call work with
its countdown), the screen pop that appears by itself when a call connects (the event stream
of the API), the registration form pre-filled and linked to the call, the knowledge base,
the unit proposed for the address with the three-way call, leave and transfers, and the
missed calls to call back. Every action is the API's; this page only draws it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import desk as desk_access
from callcenter.domain.agents import PAUSE_REASONS
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import Role
from callcenter.domain.registration import Gender
from callcenter.domain.replies import Kind
from callcenter.services.callbacks import MissedCall
from callcenter.services.errors import require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/desk")
async def desk(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    viewer = session.viewer
    require(desk_access.seats(viewer))
    seats = await run(console.api.desk.statuses, viewer)
    mine = next((s["seat"] for s in seats if s["agent"] == viewer.id
                 and s["state"] != "logged_out"), "")
    asked = request.query.get("seat", "")
    if viewer.role is Role.SUPERVISOR and asked in {s["seat"] for s in seats}:
        mine = asked
    missed: list[MissedCall] = []
    if console.api.callbacks is not None:
        missed = await run(console.api.callbacks.missed, viewer, None, 20)
    units = await run(console.api.units.units)
    return render(request, "desk.html", seats=seats, seat=mine,
                  state=next((s for s in seats if s["seat"] == mine), None),
                  reasons=[r for r in PAUSE_REASONS if r not in ("after_call", "no_answer")],
                  kinds=list(Kind), urgencies=list(Urgency), genders=list(Gender),
                  units=units, missed=missed, after_call_s=console.after_call_s,
                  live=console.api.events.assist is not None)


@pages.get("/desk/kb")
async def kb(console: Console, request: web.Request) -> web.StreamResponse:
    """Knowledge-base articles for the words typed (htmx swaps this into the desk)."""
    session = signed_in(request)
    require(desk_access.seats(session.viewer))
    q = request.query.get("q", "")[:200]
    found = await run(console.api.kb.search, q, 8) if q.strip() else []
    return render(request, "kb_results.html", found=found)


@pages.get("/wallboard")
async def wallboard(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(desk_access.wallboard(session.viewer))
    view = await run(console.api.wallboard.view, session.viewer)
    return render(request, "wallboard.html", board=view,
                  may_listen=desk_access.call_command(session.viewer, "listen") is None)
