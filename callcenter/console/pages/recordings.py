"""Recordings: the transcript search with all its filters, and a call's player — the audio
starts at the hit, both sides' words beside it, the current one highlighted, a click on a
line jumps there. Every search, transcript and byte of audio is audited by the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import LINKEDID, run
from callcenter.console.page import Pages, day_window, render, signed_in
from callcenter.domain.access import people as people_access
from callcenter.domain.privacy import is_hotline
from callcenter.domain.replies import Kind
from callcenter.services.errors import NotFound, ValidationFailed
from callcenter.services.transcript_search import TEXT_FILTERS, Filters, Hit

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()
FIELDS = ("q", "since", "until", *TEXT_FILTERS)


@pages.get("/recordings")
async def search(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    chosen = {k: request.query.get(k, "")[:200] for k in FIELDS}
    hits: list[Hit] = []
    problem = ""
    if chosen["q"]:
        try:
            since, until = day_window(chosen["since"], chosen["until"], console.tz)
            filters = Filters(since=since, until=until,
                              **{k: chosen[k] or None for k in TEXT_FILTERS})
            hits = await run(console.api.transcripts.search, chosen["q"], session.viewer,
                             filters, 50)
        except ValidationFailed as exc:
            problem = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return render(request, "recordings.html", chosen=chosen, hits=hits, problem=problem,
                  kinds=list(Kind), hotline=is_hotline(session.viewer))


@pages.get("/recordings/call/{linkedid}")
async def player(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    linkedid = request.match_info["linkedid"]
    if not LINKEDID.fullmatch(linkedid):
        raise NotFound(f"no call {linkedid}")
    raw = request.query.get("at", "0")
    try:
        at = max(0.0, min(float(raw), 86_400.0))
    except ValueError:
        at = 0.0
    transcript = await run(console.api.transcripts.transcript, linkedid, session.viewer)
    return render(request, "player.html", call=transcript, at=at,
                  may_download=people_access.download_recording(session.viewer) is None)
