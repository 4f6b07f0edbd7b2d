"""The console over a test's ticket service: people with cheap password hashing, the public
desk, the API's services; and a signed-in aiohttp client."""

from __future__ import annotations

import re
import wave
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from api_support import api_of
from argon2 import PasswordHasher
from tickets_support import TZ, engine_of, hotline_over

from callcenter.console.app import Console
from callcenter.domain.people import Person
from callcenter.domain.privacy import Role, UnitRole
from callcenter.services.people import People
from callcenter.services.tickets import TicketService

PASSWORD = "correct horse battery"
# Cheap parameters: the tests check the console, not argon2's cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF = {  # the people of the tests, by account
    "agent-7": Person("agent-7", "张三", Role.AGENT),
    "office-1": Person("office-1", "李班长", Role.SUPERVISOR),
    "li": Person("li", "李四", Role.UNIT, "u-wuye"),
    "zhao": Person("zhao", "赵六", Role.UNIT, "u-water", UnitRole.HEAD),
    "shen": Person("shen", "沈审计", Role.AUDITOR),
    "root": Person("root", "管理员", Role.ADMIN),
}


def console_of(service: TicketService, seats: Sequence[str] = (), **parts: Any) -> Console:
    hotline = hotline_over(engine_of(service.uow), service.rules, service.clock, seats)
    people = People(hotline.store, service.clock, hasher=FAST)
    for person in STAFF.values():
        people.create(None, person, PASSWORD)
    return replace(hotline.console(tokens={}), api=api_of(service, {}, seats, **parts),
                   people=people,
                   tz=TZ)


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def sign_in(client: TestClient[Any, Any], account: str) -> str:
    """Signs the client in; returns the session's CSRF token."""
    page = await (await client.get("/signin")).text()
    r = await client.post("/signin", data={"_csrf": csrf_of(page), "account": account,
                                           "password": PASSWORD, "next": "/"},
                          allow_redirects=False)
    assert r.status == 303, await r.text()
    return csrf_of(await (await client.get("/password")).text())


def recorded_call(engine: Any, root: Path, linkedid: str, said: list[tuple[str, float, str]],
                  started_at: datetime, seat: str = "8001", seconds: float = 30.0) -> None:
    """A call with its mix, citizen and agent recordings on disk (silence, `seconds` long)
    and its transcript: (speaker citizen|agent, start second, text) — what the transcriber
    would have stored."""
    from speech_support import add_call
    from sqlalchemy import select

    from callcenter.search.cjk import segment
    from callcenter.services.transcription_queue import Segment, TranscriptionQueue
    from callcenter.storage.tables import CallRow
    from callcenter.storage.uow import UnitOfWork, UnitsOfWork

    with UnitOfWork(engine) as uow:
        add_call(uow.session, linkedid, started_at, seat, kinds=("mix", "citizen", "seat"))
    for kind in ("mix", "citizen", "seat"):
        with wave.open(str(root / f"{linkedid}{kind}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * int(seconds * 8000))
    queue = TranscriptionQueue(UnitsOfWork(engine), "test")
    queue.enqueue_pending()
    with UnitOfWork(engine, read_only=True) as uow:
        call_id = uow.session.scalar(select(CallRow.id).where(CallRow.linkedid == linkedid))
    while (job := queue.claim()) is not None:
        speaker = "citizen" if job.kind == "citizen" else "agent"
        lines = [Segment(who, start, start + 3.0, text, segment(text), 0.9)
                 for who, start, text in said if who == speaker and job.call_id == call_id]
        assert queue.finish(job, lines, seconds)


def with_recordings(service: TicketService, root: Path) -> Console:
    """The console over the service, serving the recordings under `root`, audited."""
    from callcenter.services.access_audit import AccessAudit
    from callcenter.services.recordings import Recordings
    from callcenter.storage.uow import UnitsOfWork

    engine = engine_of(service.uow)
    audit = AccessAudit(UnitsOfWork(engine), service.clock)
    return console_of(service, audit=audit,
                      recordings=Recordings(UnitsOfWork(engine), root, audit))


@asynccontextmanager
async def served(console: Console) -> AsyncIterator[str]:
    """The console's app on a loopback port for a browser; its base URL."""
    from aiohttp.test_utils import TestServer

    from callcenter.console.app import make_console_app

    server = TestServer(make_console_app(console), host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()
