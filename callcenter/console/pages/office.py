"""The hotline office: who is on duty and day or night on the line (forced by a supervisor
or by the schedule), the decisions waiting for the office, overdue tickets to chase and
supervised ones. Listening in is on the wallboard, beside the seats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import office as access
from callcenter.services.duty import DutyView
from callcenter.services.errors import require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/office")
async def office(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(access.board(session.viewer))
    board = await run(console.api.tickets.office_board, session.viewer)
    duty: DutyView | None = None
    if console.api.duty is not None:
        duty = await run(console.api.duty.show, session.viewer)
    return render(request, "office.html", board=board, duty=duty,
                  now=console.api.tickets.clock().isoformat())
