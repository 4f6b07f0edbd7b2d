"""The desk's live events as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from callcenter.api.http import run
from callcenter.api.route import Routes
from callcenter.api.schema import ERRORS, op
from callcenter.api.services import Api
from callcenter.services.desk_events import Seen

routes = Routes()
HEARTBEAT = 15.0  # seconds of silence before a comment line keeps proxies from closing
RECHECK = 1.0     # seconds between asking whether the token or session still holds


def sse(name: str, data: Any) -> bytes:
    # json.dumps writes no raw newline, so one data: line holds the whole event.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@routes.get("/events", {**op(
    "the desk's live events (Server-Sent Events): agents (every seat's state), "
    "screen_pop and call_ended (the viewer's seats), desk_request (conference legs: "
    "dialling, connected, not reached), callback; with live assist on, live_words (what "
    "each speaker is saying, partial then final) and live_assist (phones, addresses, "
    "categories, emergencies and knowledge-base articles from the citizen's words); "
    "revoked when the token is. An agent gets their own seat's calls; units and the public "
    "are refused"),
    "responses": {"200": {"description": "an event stream", "content": {
        "text/event-stream": {"schema": {"type": "string"}}}}, **ERRORS}})
async def events(api: Api, request: web.Request) -> web.StreamResponse:
    """What changed at the desk, for this viewer, as it happens."""
    who = api.viewer(request)
    seen = Seen()
    first = await run(api.events.changes, seen, who)  # refusals before the stream opens
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store"})
    await response.prepare(request)
    beat = checked = time.monotonic()
    try:
        batch = first
        while True:
            for name, data in batch:
                await response.write(sse(name, data))
            if time.monotonic() - beat >= HEARTBEAT:
                await response.write(b": still here\n\n")
                beat = time.monotonic()
            await asyncio.sleep(api.events_every)
            # A token revoked or a session ended while streaming ends the stream within
            # RECHECK seconds.
            if time.monotonic() - checked >= RECHECK:
                checked = time.monotonic()
                if not await run(api.still_the_same, request, who):
                    await response.write(sse("revoked", {"error": "signed out or revoked"}))
                    break
            batch = await run(api.events.changes, seen, who)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response
