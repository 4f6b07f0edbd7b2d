"""What was said: transcript search, a call's transcript and topics, topic counts, and the
recordings that could not be transcribed."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.api.http import answer, query_int, query_times, run
from callcenter.api.route import Routes
from callcenter.api.schema import LINKEDID, op, query
from callcenter.api.services import Api
from callcenter.domain.access import speech as access
from callcenter.services.errors import require
from callcenter.services.recordings import LEGS
from callcenter.services.topics import PERIODS
from callcenter.services.transcript_search import TEXT_FILTERS, WINDOW, Filters

routes = Routes()


@routes.get("/search", op(
    "search what was said in recorded calls (audited); hits carry offset_s; ranked "
    "among the newest `ranked_among_newest` matches (narrow by time for older)", params=[
        query("q", {"type": "string", "maxLength": 200}, True),
        query("since", {"type": "string", "format": "date-time"}),
        query("until", {"type": "string", "format": "date-time"}),
        *[query(name, {"type": "string", "description": why})
          for name, why in TEXT_FILTERS.items()],
        query("limit", {"type": "integer", "minimum": 1, "maximum": 100})]))
async def search(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    qs = request.query
    since, until = query_times(request, required=False)
    filters = Filters(since=since, until=until, **{name: qs.get(name) for name in TEXT_FILTERS})
    limit = query_int(request, "limit", 20, 1, 100)
    hits = await run(api.transcripts.search, qs.get("q", ""), who, filters, limit)
    return answer({"items": hits, "ranked_among_newest": WINDOW})


@routes.get("/topics", op(
    "calls and mentions per hot topic per period, in the hotline's time zone "
    "(hotline roles)", params=[
        query("since", {"type": "string", "format": "date-time"}, True),
        query("until", {"type": "string", "format": "date-time"}, True),
        query("period", {"type": "string", "enum": list(PERIODS)})]))
async def topic_counts(api: Api, request: web.Request) -> web.Response:
    since, until = query_times(request, required=True)
    assert since is not None and until is not None  # required=True
    period = request.query.get("period", "day")
    return answer({"items": await run(api.topics.counts, api.viewer(request), since, until,
                                      period)})


@routes.get("/transcription/problems", op(
    "recordings flagged (damaged, changed, missing) or failed, with the reason, and "
    "the job counts (hotline office)",
    params=[query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})]))
async def transcription_problems(api: Api, request: web.Request) -> web.Response:
    require(access.transcription_problems(api.viewer(request)))
    limit = query_int(request, "limit", 100, 1, 1000)
    return answer({"items": await run(api.problems.problems, limit),
                   "counts": await run(api.problems.counts)})


@routes.get("/calls/{linkedid}/transcript", op(
    "everything said in a call, both sides in time order (audited; a unit reads only "
    "calls of its tickets)", params=[LINKEDID]))
async def call_transcript(api: Api, request: web.Request) -> web.Response:
    return answer(await run(api.transcripts.transcript, request.match_info["linkedid"],
                            api.viewer(request)))


@routes.get("/calls/{linkedid}/topics", op(
    "a call's topic tags: topic, keyword, speaker, start_s, end_s (hotline roles)",
    params=[LINKEDID]))
async def call_topics(api: Api, request: web.Request) -> web.Response:
    return answer({"items": await run(api.topics.of_call, request.match_info["linkedid"],
                                      api.viewer(request))})


_AUDIO = {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}


def _audio(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"] = {"description": "the recording", **_AUDIO}
    operation["responses"]["206"] = {"description": "the range asked for", **_AUDIO}
    operation["responses"]["416"] = {"description": "a range outside the file"}
    return operation


@routes.get("/calls/{linkedid}/recording", _audio(op(
    "a call's recording (mix, the citizen's or the agent's side), with HTTP range requests; "
    "every request is written to the access audit before the first byte; download=1 asks "
    "for a copy to keep (the office only); a unit hears only calls of its tickets",
    params=[LINKEDID, query("leg", {"type": "string", "enum": list(LEGS)}),
            query("download", {"type": "string", "enum": ["0", "1"]})])))
async def call_recording(api: Api, request: web.Request) -> web.StreamResponse:
    who = api.viewer(request)
    leg = request.query.get("leg", "mix")
    download = request.query.get("download", "0") == "1"
    found = await run(api.recordings_service().open, who, request.match_info["linkedid"], leg,
                      download, request.headers.get("Range", ""))
    disposition = "attachment" if download else "inline"
    return web.FileResponse(found.path, headers={
        "Content-Type": "audio/wav",
        "Content-Disposition": f'{disposition}; filename="{found.name}"'})
