"""The public page (no sign-in): a ticket's status by its number and the last four digits of
the reporting phone, and the published outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render
from callcenter.services.public import PublicRefused

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/public")
async def check_form(console: Console, request: web.Request) -> web.StreamResponse:
    return render(request, "public_check.html", found=None, refused="", number="")


@pages.post("/public")
async def check(console: Console, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    number = str(form.get("ticket", ""))[:20]
    try:
        found = await run(console.public.check, number, str(form.get("last_four", ""))[:8],
                          request.remote or "")
    except PublicRefused as exc:
        return render(request, "public_check.html", status=429 if exc.throttled else 404,
                      found=None, refused="public_throttled" if exc.throttled
                      else "public_refused", number=number)
    return render(request, "public_check.html", found=found, refused="", number=number)


@pages.get("/public/outcomes")
async def outcomes(console: Console, request: web.Request) -> web.StreamResponse:
    raw = request.query.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1
    items = await run(console.public.outcomes, 50, (page - 1) * 50)
    return render(request, "public_outcomes.html", items=items, page=page)
