"""Reports: the stored reports, each opening as its own page with charts (the API serves it
with a policy that lets nothing run), PDF and XLSX to download, and producing a period
again (the office)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import reports as access
from callcenter.domain.report_periods import ReportKind
from callcenter.services.errors import require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


@pages.get("/reports")
async def reports(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(access.read(session.viewer))
    kind = request.query.get("kind", "")
    chosen = kind if kind in {k.value for k in ReportKind} else None
    items = await run(console.api.reports_service().listing, session.viewer, chosen, 200, 0)
    return render(request, "reports.html", items=items, kind=kind, kinds=list(ReportKind),
                  may_produce=access.produce(session.viewer) is None)
