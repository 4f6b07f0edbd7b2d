"""The JSON API (aiohttp): every work-order use case over HTTP, described by /api/v1/openapi.json.

Every request but the OpenAPI document carries `Authorization: Bearer <token>`; the token
names a person and a role (api/tokens.py), and the services apply that person's rights.
The services talk to the database synchronously, so each call runs in a worker thread and
the event loop keeps serving. Errors are JSON: 400 bad JSON, 401 no or unknown token,
403 not allowed, 404 not found (or not yours to see), 409 refused by a work-order rule or
changed meanwhile, 422 invalid fields (with a message per field). A deadline in a year whose
working-day calendar is not published is provisional, never refused; the app watches the
calendar file and recomputes such deadlines within seconds of a year being added.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from callcenter.api import forms
from callcenter.api.openapi import document
from callcenter.api.tokens import Tokens, viewer_for
from callcenter.domain.agents import COMMANDS as DESK_COMMANDS
from callcenter.domain.agents import AgentError
from callcenter.domain.desk_calls import CALL_COMMANDS
from callcenter.domain.kb import RequestKind
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import ConcurrentUpdate, Status, TicketError
from callcenter.reports.render_files import FORMATS as REPORT_FORMATS
from callcenter.reports.render_files import render as render_report
from callcenter.services.agents import AgentDesk
from callcenter.services.calendar import CalendarService
from callcenter.services.callbacks import Callbacks
from callcenter.services.desk_calls import DeskCalls
from callcenter.services.desk_events import DeskEvents, Seen
from callcenter.services.duty import DutyDesk
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.reports import Reports
from callcenter.services.rules import current_generation, generation_of
from callcenter.services.screen_pop import ScreenPop
from callcenter.services.sweeper import Sweeper
from callcenter.services.tickets import TicketService
from callcenter.services.topics import Topics
from callcenter.services.transcript_search import TEXT_FILTERS, WINDOW, Filters, TranscriptSearch
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.services.wallboard import Wallboard

log = logging.getLogger(__name__)
_LINKEDID = re.compile(r"\d{1,20}\.\d{1,10}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Api:
    """The services the API serves, built by callcenter/bootstrap.py (`api_over`)."""

    tickets: TicketService
    sweeper: Sweeper
    tokens: Tokens | Mapping[str, Viewer]  # a TokenFile in the running API
    transcripts: TranscriptSearch
    topics: Topics
    calendar: CalendarService
    desk: AgentDesk
    desk_calls: DeskCalls
    pop: ScreenPop
    events: DeskEvents
    wallboard: Wallboard
    events_every: float = 1.0   # seconds between looks for the live event stream
    callbacks: Callbacks | None = None  # None: built without the controller's parts (tests)
    duty: DutyDesk | None = None  # None: no duty plan configured (the routes answer 404)
    reports: Reports | None = None  # None: built without them (tests of other parts)
    report_language: str = "zh"
    watch_every: float = 10.0  # seconds between looks at the calendar file

    def watch_calendar_once(self, seen: int) -> int:
        """Recompute provisional due times if the calendar changed since generation `seen`;
        returns the generation now in force."""
        generation = current_generation(self.tickets.rules)
        if generation != seen:
            report = self.calendar.recompute()
            log.info("calendar changed: %d tickets recomputed", report.changed)
        return generation


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status,
                             dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _sse(name: str, data: Any) -> bytes:
    # json.dumps writes no raw newline, so one data: line holds the whole event.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ValidationFailed as exc:
        return _error(422, "invalid fields", fields=exc.fields)
    except NotFound as exc:
        return _error(404, str(exc))
    except Forbidden as exc:
        return _error(403, str(exc))
    except TicketError as exc:
        return _error(409, exc.message, rule=exc.rule)
    except AgentError as exc:  # DeskCallError too
        return _error(409, str(exc), rule=exc.rule)
    except ConcurrentUpdate as exc:
        return _error(409, f"{exc}; read it again and retry", rule="concurrent_update")


def _int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no such {name}")
    return int(raw)


def _query_times(request: web.Request, required: bool
                 ) -> tuple[datetime | None, datetime | None]:
    """`since` and `until` as aware times (UTC unless the text says otherwise)."""
    problems: dict[str, str] = {}
    out: list[datetime | None] = []
    for name in ("since", "until"):
        raw = request.query.get(name)
        value = None
        if raw is None:
            if required:
                problems[name] = "required: an ISO date or time"
        else:
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                problems[name] = "an ISO date or time"
        out.append(value if value is None or value.tzinfo else value.replace(tzinfo=UTC))
    if problems:
        raise ValidationFailed(problems)
    return out[0], out[1]


def _report_format(request: web.Request) -> tuple[str, str]:
    """The period's name and the format asked for: "2026-12-01.pdf", or Accept."""
    period = request.match_info["period"]
    stem, dot, suffix = period.rpartition(".")
    if dot:
        if suffix not in REPORT_FORMATS:
            raise ValidationFailed({"period": f"a suffix is one of {', '.join(REPORT_FORMATS)}"})
        return stem, suffix
    accept = request.headers.get("Accept", "")
    for fmt in ("pdf", "xlsx", "html"):
        if REPORT_FORMATS[fmt].split(";")[0] in accept:
            return period, fmt
    return period, "json"


def _query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed({name: f"an integer from {low} to {high}"})
    return int(raw)


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and integers of more digits than Python reads;
        # RecursionError a body nested deeper than the parser goes.
        message = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)
        raise web.HTTPBadRequest(text=json.dumps({"error": f"body is not JSON: {message}"}),
                                 content_type="application/json") from exc


async def _watch_calendar(api: Api) -> None:
    seen = generation_of(api.tickets.rules)
    while True:
        await asyncio.sleep(api.watch_every)
        try:
            seen = await asyncio.to_thread(api.watch_calendar_once, seen)
        except Exception as exc:  # the watcher outlives a store that is away for a moment
            log.error("calendar watch failed: %s", type(exc).__name__)


async def _private_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Answers carry tickets, numbers and transcripts: never cached, never sniffed into
    # something else, and no page that links out tells where it came from.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"


def make_app(api: Api) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=256 * 1024)
    app.on_response_prepare.append(_private_headers)
    svc = api.tickets

    async def calendar_watcher(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch_calendar(api))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(calendar_watcher)

    def viewer(request: web.Request) -> Viewer:
        v = viewer_for(api.tokens, request.headers.get("Authorization"))
        if v is None:
            raise web.HTTPUnauthorized(text=json.dumps({"error": "a valid bearer token is "
                                                        "required"}),
                                       content_type="application/json",
                                       headers={"WWW-Authenticate": "Bearer"})
        return v

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def openapi(request: web.Request) -> web.Response:
        return _json(document())

    async def register(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request)
        form = forms.registration(body)
        linkedid = body.get("linkedid") if isinstance(body, dict) else None
        if linkedid is not None and not (isinstance(linkedid, str)
                                         and _LINKEDID.fullmatch(linkedid)):
            raise ValidationFailed({"linkedid": "an Asterisk call id like 1795461234.17"})
        tid = await run(svc.register, form, who, linkedid)
        return _json(await run(svc.get, tid, who), 201)

    async def list_tickets(request: web.Request) -> web.Response:
        who = viewer(request)
        status = request.query.get("status")
        if status is not None and status not in {s.value for s in Status}:
            raise ValidationFailed({"status": f"one of {', '.join(s.value for s in Status)}"})
        limit = _query_int(request, "limit", 50, 1, 500)
        offset = _query_int(request, "offset", 0, 0, 10**9)
        items = await run(svc.list, who, Status(status) if status else None, limit, offset)
        return _json({"items": items})

    async def get_ticket(request: web.Request) -> web.Response:
        return _json(await run(svc.get, _int(request, "id"), viewer(request)))

    async def audit(request: web.Request) -> web.Response:
        return _json({"items": await run(svc.audit, _int(request, "id"), viewer(request))})

    async def command(request: web.Request) -> web.Response:
        who = viewer(request)
        cmd = forms.parse_command(request.match_info["name"], await _body(request))
        return _json(await run(svc.command, _int(request, "id"), cmd, who))

    async def add_call(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request)
        lid = body.get("linkedid") if isinstance(body, dict) else None
        if not (isinstance(lid, str) and _LINKEDID.fullmatch(lid)):
            raise ValidationFailed({"linkedid": "an Asterisk call id like 1795461234.17"})
        return _json(await run(svc.add_call, _int(request, "id"), lid, who))

    async def merge(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request)
        errors_: dict[str, str] = {}
        into = body.get("into") if isinstance(body, dict) else None
        reason = body.get("reason") if isinstance(body, dict) else None
        if not isinstance(into, int) or isinstance(into, bool) or not 0 < into < 2**31:
            errors_["into"] = "the id of the ticket that stays"
        if not isinstance(reason, str) or not reason.strip():
            errors_["reason"] = "required"
        if errors_:
            raise ValidationFailed(errors_)
        source = _int(request, "id")
        await run(svc.merge, source, into, who, reason)
        return _json(await run(svc.get, source, who))

    async def units(request: web.Request) -> web.Response:
        viewer(request)
        return _json({"items": [asdict(u) for u in await run(svc.units.units)]})

    async def propose(request: web.Request) -> web.Response:
        viewer(request)
        address, category = request.query.get("address", ""), request.query.get("category", "")
        if not address.strip():
            raise ValidationFailed({"address": "required"})
        found = await run(svc.units.propose, address, category)
        return _json({"items": [asdict(p) for p in found]})

    async def kb_search(request: web.Request) -> web.Response:
        viewer(request)
        q = request.query.get("q", "")
        if not q.strip() or len(q) > 200:
            raise ValidationFailed({"q": "1-200 characters"})
        limit = _query_int(request, "limit", 20, 1, 100)
        return _json({"items": await run(svc.kb.search, q, limit)})

    async def kb_get(request: web.Request) -> web.Response:
        viewer(request)
        return _json(await run(svc.kb.get, _int(request, "id")))

    async def kb_save(request: web.Request) -> web.Response:
        who = viewer(request)
        art = forms.article(await _body(request))
        aid = _int(request, "id") if "id" in request.match_info else None
        saved = await run(svc.kb.save, art, who, aid)
        return _json(await run(svc.kb.get, saved), 201 if aid is None else 200)

    async def kb_request(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request)
        if not isinstance(body, dict):
            raise ValidationFailed({"body": "a JSON object"})
        try:
            kind = RequestKind(str(body.get("kind")))
        except ValueError:
            raise ValidationFailed({"kind": "not_found or correction"}) from None
        text, unit, article_id = body.get("text"), body.get("unit"), body.get("article_id")
        if not isinstance(text, str) or (unit is not None and not isinstance(unit, str)) or (
                article_id is not None and not (isinstance(article_id, int)
                                                and 0 < article_id < 2**31)):
            raise ValidationFailed({"body": "text: string, unit: string, article_id: integer"})
        rid = await run(svc.kb.request, kind, text, who, unit, article_id)
        return _json({"id": rid}, 201)

    async def kb_requests(request: web.Request) -> web.Response:
        return _json({"items": await run(svc.kb.open_requests, viewer(request))})

    async def kb_resolve(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request)
        resolution = body.get("resolution") if isinstance(body, dict) else None
        if not isinstance(resolution, str):
            raise ValidationFailed({"resolution": "required"})
        await run(svc.kb.resolve, _int(request, "id"), resolution, who)
        return _json({"resolved": True})

    async def search(request: web.Request) -> web.Response:
        who = viewer(request)
        qs = request.query
        since, until = _query_times(request, required=False)
        filters = Filters(since=since, until=until,
                          **{name: qs.get(name) for name in TEXT_FILTERS})
        limit = _query_int(request, "limit", 20, 1, 100)
        hits = await run(api.transcripts.search, qs.get("q", ""), who, filters, limit)
        return _json({"items": hits, "ranked_among_newest": WINDOW})

    async def topic_counts(request: web.Request) -> web.Response:
        since, until = _query_times(request, required=True)
        assert since is not None and until is not None  # required=True
        period = request.query.get("period", "day")
        return _json({"items": await run(api.topics.counts, viewer(request), since, until,
                                         period)})

    async def transcription_problems(request: web.Request) -> web.Response:
        if viewer(request).role is not Role.SUPERVISOR:
            raise Forbidden("the hotline office looks after recordings")
        queue = TranscriptionQueue(api.tickets.engine, "api")
        limit = _query_int(request, "limit", 100, 1, 1000)
        return _json({"items": await run(queue.problems, limit),
                      "counts": await run(queue.counts)})

    async def call_transcript(request: web.Request) -> web.Response:
        return _json(await run(api.transcripts.transcript, request.match_info["linkedid"],
                               viewer(request)))

    async def call_topics(request: web.Request) -> web.Response:
        return _json({"items": await run(api.topics.of_call, request.match_info["linkedid"],
                                         viewer(request))})

    async def seats(request: web.Request) -> web.Response:
        return _json({"items": await run(api.desk.statuses, viewer(request))})

    async def seat_command(request: web.Request) -> web.Response:
        who = viewer(request)
        body = await _body(request) if request.can_read_body else {}
        if not isinstance(body, dict):
            raise ValidationFailed({"body": "an object"})
        name = request.match_info["command"]
        if name in CALL_COMMANDS:
            # conference: {"unit": CODE}; transfer: {"target": "unit:CODE" | "seat:ID" |
            # "queue"}; listen: {"target": "SEAT[:listen|whisper|barge]"}; leave: nothing.
            # consult: {"target": "seat:ID"}; complete, cancel: nothing.
            key = {"conference": "unit", "transfer": "target", "listen": "target",
                   "consult": "target"}.get(name)
            target = body.get(key, "") if key else ""
            if not isinstance(target, str) or len(target) > 64 or (key and not target):
                raise ValidationFailed({key or "body": "required: text up to 64 characters"})
            # Accepted: the controller carries it out; GET the request to follow it.
            return _json(await run(api.desk_calls.request, request.match_info["seat"], name,
                                   target, who), 202)
        if name not in DESK_COMMANDS:
            raise NotFound(f"no command {name}")
        fields = {k: body.get(k, "") for k in ("reason", "agent")}
        bad = {k: "text" for k, v in fields.items() if not isinstance(v, str) or len(v) > 64}
        if bad:
            raise ValidationFailed(bad)
        return _json(await run(api.desk.act, request.match_info["seat"], name, who,
                               fields["reason"], fields["agent"]))

    def duty() -> DutyDesk:
        if api.duty is None:
            raise NotFound("no duty plan is configured")
        return api.duty

    async def duty_show(request: web.Request) -> web.Response:
        return _json(await run(duty().show, viewer(request)))

    async def duty_force(request: web.Request) -> web.Response:
        body = await _body(request)
        mode = body.get("mode") if isinstance(body, dict) else None
        if not isinstance(mode, str):
            raise ValidationFailed({"mode": "day, night or auto"})
        return _json(await run(duty().force, mode, viewer(request)))

    def callbacks_of() -> Callbacks:
        if api.callbacks is None:
            raise NotFound("callbacks are not configured")
        return api.callbacks

    async def missed(request: web.Request) -> web.Response:
        since, _ = _query_times(request, required=False)
        limit = _query_int(request, "limit", 100, 1, 500)
        return _json({"items": await run(callbacks_of().missed, viewer(request), since, limit)})

    async def call_back(request: web.Request) -> web.Response:
        linkedid = request.match_info["linkedid"]
        if not _LINKEDID.fullmatch(linkedid):
            raise NotFound(f"no missed call {linkedid[:40]}")
        body = await _body(request)
        seat = body.get("seat") if isinstance(body, dict) else None
        if not isinstance(seat, str) or not seat:
            raise ValidationFailed({"seat": "required: the seat whose phone rings first"})
        return _json(await run(callbacks_of().request, linkedid, seat, viewer(request)), 202)

    async def satisfaction_callback(request: web.Request) -> web.Response:
        body = await _body(request)
        seat = body.get("seat", "") if isinstance(body, dict) else None
        if not isinstance(seat, str):
            raise ValidationFailed({"seat": "a seat (the agent asks), or none (by keys)"})
        return _json(await run(callbacks_of().request_survey, _int(request, "id"),
                               viewer(request), seat), 202)

    async def callback_state(request: web.Request) -> web.Response:
        return _json(await run(callbacks_of().get, _int(request, "id"), viewer(request)))

    async def events(request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: what changed at the desk, for this viewer, as it happens."""
        who = viewer(request)
        header = request.headers.get("Authorization")
        seen = Seen()
        first = await run(api.events.changes, seen, who)  # refusals before the stream opens
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        beat = time.monotonic()
        try:
            batch = first
            while True:
                for name, data in batch:
                    await response.write(_sse(name, data))
                if time.monotonic() - beat >= 15:
                    await response.write(b": still here\n\n")
                    beat = time.monotonic()
                await asyncio.sleep(api.events_every)
                # A token revoked or changed while streaming ends the stream at once.
                if viewer_for(api.tokens, header) != who:
                    await response.write(_sse("revoked", {"error": "the token was revoked"}))
                    break
                batch = await run(api.events.changes, seen, who)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    def reports_of() -> Reports:
        if api.reports is None:
            raise NotFound("reports are not served here")
        return api.reports

    async def report_list(request: web.Request) -> web.Response:
        kind = request.query.get("kind")
        limit = _query_int(request, "limit", 100, 1, 500)
        offset = _query_int(request, "offset", 0, 0, 10**9)
        return _json({"items": await run(reports_of().listing, viewer(request), kind, limit,
                                         offset)})

    async def report_get(request: web.Request) -> web.Response:
        """One report as JSON, HTML, PDF or XLSX: by the path's suffix, else by Accept."""
        name, fmt = _report_format(request)
        lang = request.query.get("lang", api.report_language)
        if lang not in ("zh", "en"):
            raise ValidationFailed({"lang": "zh or en"})
        version = _query_int(request, "version", 0, 1, 10**6) or None
        unit = request.query.get("unit") or None
        content = await run(reports_of().view, viewer(request), request.match_info["kind"],
                            name, version, unit)
        if fmt == "json":
            return _json(content)
        body = await run(render_report, content, fmt, lang)
        disposition = "inline" if fmt == "html" else \
            f'attachment; filename="{content["kind"]}-{content["name"]}.{fmt}"'
        headers = {"Content-Disposition": disposition}
        if fmt == "html":  # the page has no scripts and loads nothing from anywhere
            headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return web.Response(body=body, content_type=REPORT_FORMATS[fmt].split(";")[0],
                            charset="utf-8" if fmt == "html" else None, headers=headers)

    async def report_produce(request: web.Request) -> web.Response:
        made = await run(reports_of().produce_as, viewer(request), request.match_info["kind"],
                         request.match_info["period"])
        return _json({**made.report.summary(), "new": made.new}, 201 if made.new else 200)

    async def wallboard(request: web.Request) -> web.Response:
        return _json(await run(api.wallboard.view, viewer(request)))

    async def listening(request: web.Request) -> web.Response:
        limit = _query_int(request, "limit", 100, 1, 500)
        return _json({"items": await run(api.desk_calls.listening, viewer(request), limit)})

    async def screen_pop(request: web.Request) -> web.Response:
        return _json(await run(api.pop.pop, request.match_info["seat"], viewer(request)))

    async def desk_request(request: web.Request) -> web.Response:
        return _json(await run(api.desk_calls.get, _int(request, "id"), viewer(request)))

    async def callbacks(request: web.Request) -> web.Response:
        limit = _query_int(request, "limit", 50, 1, 500)
        offset = _query_int(request, "offset", 0, 0, 10**9)
        return _json({"items": await run(svc.callbacks_due, viewer(request), limit, offset)})

    async def office_notices(request: web.Request) -> web.Response:
        limit = _query_int(request, "limit", 50, 1, 500)
        return _json({"items": await run(svc.office_notices, viewer(request), limit)})

    async def calendar(request: web.Request) -> web.Response:
        if viewer(request).role not in (Role.SUPERVISOR, Role.AGENT):
            raise Forbidden("the hotline watches the working-day calendar")
        return _json(await run(api.calendar.status))

    async def sweep(request: web.Request) -> web.Response:
        if viewer(request).role is not Role.SUPERVISOR:
            raise Forbidden("the hotline office runs the sweep")
        return _json(asdict(await run(api.sweeper.run)))

    r = app.router
    p = "/api/v1"
    r.add_get(f"{p}/openapi.json", openapi)
    r.add_post(f"{p}/tickets", register)
    r.add_get(f"{p}/tickets", list_tickets)
    r.add_get(f"{p}/tickets/{{id}}", get_ticket)
    r.add_get(f"{p}/tickets/{{id}}/audit", audit)
    r.add_post(f"{p}/tickets/{{id}}/commands/{{name}}", command)
    r.add_post(f"{p}/tickets/{{id}}/calls", add_call)
    r.add_post(f"{p}/tickets/{{id}}/merge", merge)
    r.add_get(f"{p}/units", units)
    r.add_get(f"{p}/units/propose", propose)
    r.add_get(f"{p}/kb/search", kb_search)
    r.add_post(f"{p}/kb/articles", kb_save)
    r.add_get(f"{p}/kb/articles/{{id}}", kb_get)
    r.add_put(f"{p}/kb/articles/{{id}}", kb_save)
    r.add_post(f"{p}/kb/requests", kb_request)
    r.add_get(f"{p}/kb/requests", kb_requests)
    r.add_post(f"{p}/kb/requests/{{id}}/resolve", kb_resolve)
    r.add_post(f"{p}/sweeps", sweep)
    r.add_get(f"{p}/calendar", calendar)
    r.add_get(f"{p}/callbacks", callbacks)
    r.add_get(f"{p}/desk/seats", seats)
    r.add_post(f"{p}/desk/seats/{{seat}}/{{command}}", seat_command)
    r.add_get(f"{p}/desk/requests/{{id}}", desk_request)
    r.add_get(f"{p}/desk/seats/{{seat}}/pop", screen_pop)
    r.add_get(f"{p}/events", events)
    r.add_get(f"{p}/wallboard", wallboard)
    r.add_get(f"{p}/reports", report_list)
    r.add_get(f"{p}/reports/{{kind}}/{{period}}", report_get)
    r.add_post(f"{p}/reports/{{kind}}/{{period}}/produce", report_produce)
    r.add_get(f"{p}/desk/listening", listening)
    r.add_get(f"{p}/desk/missed", missed)
    r.add_post(f"{p}/desk/missed/{{linkedid}}/callback", call_back)
    r.add_get(f"{p}/desk/callbacks/{{id}}", callback_state)
    r.add_post(f"{p}/tickets/{{id}}/satisfaction-callback", satisfaction_callback)
    r.add_get(f"{p}/duty", duty_show)
    r.add_post(f"{p}/duty/force", duty_force)
    r.add_get(f"{p}/office/notices", office_notices)
    r.add_get(f"{p}/search", search)
    r.add_get(f"{p}/topics", topic_counts)
    r.add_get(f"{p}/calls/{{linkedid}}/topics", call_topics)
    r.add_get(f"{p}/calls/{{linkedid}}/transcript", call_transcript)
    r.add_get(f"{p}/transcription/problems", transcription_problems)
    return app
