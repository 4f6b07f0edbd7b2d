"""The access audit for auditors: who played, downloaded, opened, searched or listened to
what, filtered by person, action, subject and time. There is nothing here to change it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import people as access
from callcenter.domain.access_log import AccessFilter
from callcenter.services.access_audit import ACTIONS, AccessView
from callcenter.services.errors import ValidationFailed, require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


def _day(raw: str, console: Console, end: bool) -> datetime | None:
    """A date typed in the form, as the start (or the end) of that day in the hotline's
    time zone."""
    if not raw:
        return None
    try:
        day = datetime.fromisoformat(raw).date()
    except ValueError:
        raise ValidationFailed({"since" if not end else "until": "a date"}) from None
    # The end of a day is the start of the next: the audit's window is [since, until).
    return datetime.combine(day + timedelta(days=1) if end else day, time(), console.tz)


@pages.get("/audit")
async def audit(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(access.read_audit(session.viewer))
    q = request.query
    chosen = {k: q.get(k, "")[:128] for k in ("person", "action", "subject", "since", "until")}
    problem = ""
    items: list[AccessView] = []
    try:
        f = AccessFilter(person=chosen["person"] or None, action=chosen["action"] or None,
                         subject=chosen["subject"] or None,
                         since=_day(chosen["since"], console, False),
                         until=_day(chosen["until"], console, True))
        items = await run(console.api.audit_service().listing, session.viewer, f, 500)
    except ValidationFailed as exc:
        problem = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return render(request, "audit.html", items=items, chosen=chosen, actions=ACTIONS,
                  problem=problem)
