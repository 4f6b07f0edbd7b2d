"""Reading requests and writing answers: JSON bodies, path and query values, errors.

Domain and service errors become HTTP statuses here, and only here (the `errors`
middleware): 400 bad JSON, 401 no or unknown token, 403 not allowed, 404 not found (or not
yours to see), 409 refused by a rule or changed meanwhile, 422 invalid fields.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web

from callcenter.contract.dialplan import UNIQUEID
from callcenter.domain.agents import AgentError
from callcenter.domain.conflicts import AlreadyStored
from callcenter.domain.privacy import Viewer
from callcenter.domain.tickets import ConcurrentUpdate, TicketError
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed

LINKEDID = UNIQUEID  # an Asterisk call id, with its systemname where one is set
# The person of a signed-in console browser, set by the console's guard (console/guard.py);
# the API serves them as it serves a bearer token's person.
SESSION_VIEWER = web.RequestKey("session_viewer", Viewer)
# Reads the console session again (None once it ended): a long stream asks it as it goes.
SESSION_CHECK: web.RequestKey[Callable[[], Viewer | None]] = web.RequestKey(
    "session_check", object)  # type: ignore[arg-type]
T = TypeVar("T")
Next = Callable[[web.Request], Awaitable[web.StreamResponse]]


def answer(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status,
                             dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return answer({"error": message, **extra}, status)


@web.middleware
async def errors(request: web.Request, handler: Next) -> web.StreamResponse:
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
    except AlreadyStored:
        # Its message is the store's own (it may quote the row): not for the client.
        return _error(409, "the same was stored meanwhile; read it again",
                      rule="already_stored")


async def private_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Answers carry tickets, numbers and transcripts: never cached, never sniffed into
    # something else, and no page that links out tells where it came from.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The console's pages say same-origin instead: a browser sends `Origin: null` on a form
    # posted from a no-referrer page, and the console's guard checks the origin.
    response.headers.setdefault("Referrer-Policy", "no-referrer")


async def run(fn: Callable[..., T], *args: Any) -> T:
    """The services talk to the database synchronously: each call runs in a worker thread
    and the event loop keeps serving."""
    return await asyncio.to_thread(fn, *args)


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no such {name}")
    return int(raw)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed({name: f"an integer from {low} to {high}"})
    return int(raw)


def query_times(request: web.Request, required: bool
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


async def body(request: web.Request) -> Any:
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


async def body_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; anything else is an empty one (each field then says what
    it misses)."""
    data = await body(request)
    return data if isinstance(data, dict) else {}


def linkedid_field(value: Any) -> str:
    if not (isinstance(value, str) and LINKEDID.fullmatch(value)):
        raise ValidationFailed({"linkedid": "an Asterisk call id like 1795461234.17 "
                                            "or pbx1-1795461234.17"})
    return value
