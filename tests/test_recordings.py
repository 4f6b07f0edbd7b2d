"""A call's recording over the API: played with range requests, downloaded by the office
only, a unit only its own tickets' calls; every request in the access audit before the first
byte, refusals too; the audit refuses an update or a delete — on SQLite and PostgreSQL."""

from __future__ import annotations

import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of
from speech_support import add_call
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from tickets_support import AGENT, FORM, OFFICE, OTHER, WUYE

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.domain.access_log import AccessFilter
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import Dispatch
from callcenter.services.access_audit import AccessAudit
from callcenter.services.errors import Forbidden
from callcenter.services.recordings import Recordings
from callcenter.storage.people_tables import AccessAuditRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
AUDITOR = Viewer(Role.AUDITOR, "shen")
PEOPLE = {"agent": AGENT, "office": OFFICE, "wuye": WUYE, "water": OTHER, "auditor": AUDITOR}


def _wav(path: Path, seconds: float = 2.0) -> bytes:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * int(seconds * 8000 * 2 / 256))
    return path.read_bytes()


@pytest.fixture
async def recorded(service, tmp_path):
    engine = service.uow.engine
    with UnitOfWork(engine) as uow:
        add_call(uow.session, "1.2", T0, kinds=("mix", "citizen", "seat"))
    audio = {k: _wav(tmp_path / f"1.2{k}.wav") for k in ("mix", "citizen", "seat")}
    tid = service.register(FORM, AGENT, linkedid="1.2")
    service.command(tid, Dispatch("u-wuye"), AGENT)
    audit = AccessAudit(UnitsOfWork(engine), service.clock)
    path = tmp_path / "tokens.toml"
    issued = {name: tokens.add(path, v) for name, v in PEOPLE.items()}
    recordings = Recordings(UnitsOfWork(engine), tmp_path, audit)
    api = api_of(service, tokens.load(path), recordings=recordings, audit=audit)
    async with TestClient(TestServer(make_app(api))) as client:
        yield _Client(client, issued), audio, audit, engine


class _Client:
    """The test client, with each person's bearer token by name."""

    def __init__(self, client, issued):
        self.client, self.issued = client, issued

    async def get(self, url, **kw):
        return await self.client.get(url, **kw)


async def _get(client, who, url, **headers):
    return await client.get("/api/v1" + url, headers={
        "Authorization": f"Bearer {client.issued[who]}", **headers})


async def test_the_player_gets_ranges_and_each_request_is_audited_first(recorded):
    client, audio, audit, _engine = recorded
    r = await _get(client, "agent", "/calls/1.2/recording?leg=citizen", Range="bytes=0-99")
    assert r.status == 206 and await r.read() == audio["citizen"][:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{len(audio['citizen'])}"
    assert r.headers["Content-Type"] == "audio/wav" and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Disposition"].startswith("inline")
    r = await _get(client, "agent", "/calls/1.2/recording")
    assert r.status == 200 and await r.read() == audio["mix"]
    r = await _get(client, "agent", "/calls/1.2/recording?leg=agent", Range="bytes=100-")
    assert r.status == 206 and await r.read() == audio["seat"][100:]
    r = await _get(client, "agent", "/calls/1.2/recording", Range="bytes=99999999-")
    assert r.status == 416
    seen = audit.listing(AUDITOR, AccessFilter(person="agent-7"))
    assert [(a["action"], a["subject"], a["detail"]) for a in reversed(seen)] == [
        ("played", "call:1.2/citizen", {"range": "bytes=0-99"}),
        ("played", "call:1.2/mix", {}),
        ("played", "call:1.2/agent", {"range": "bytes=100-"}),
        ("played", "call:1.2/mix", {"range": "bytes=99999999-"})]


async def test_downloads_are_the_offices_and_units_hear_only_their_tickets_calls(recorded):
    client, audio, audit, _engine = recorded
    r = await _get(client, "office", "/calls/1.2/recording?leg=mix&download=1")
    assert r.status == 200 and await r.read() == audio["mix"]
    assert r.headers["Content-Disposition"] == 'attachment; filename="call-1.2-mix.wav"'
    assert (await _get(client, "agent", "/calls/1.2/recording?download=1")).status == 403
    assert (await _get(client, "wuye", "/calls/1.2/recording?leg=citizen")).status == 200
    # Another unit's call reads as absent, like a call that never was.
    other = await _get(client, "water", "/calls/1.2/recording")
    absent = await _get(client, "water", "/calls/9.9/recording")
    assert other.status == absent.status == 404
    assert (await other.json()) == {"error": "no mix recording of call 1.2"}
    assert (await _get(client, "agent", "/calls/1.2/recording?leg=x")).status == 422
    assert (await _get(client, "agent", "/calls/1.2/recording?leg=citizen")).status == 200
    r = await client.get("/api/v1/calls/1.2/recording")
    assert r.status == 401
    refused = audit.listing(AUDITOR, AccessFilter(subject="call:1.2/mix"))
    assert {(a["person"], a["action"], a["detail"].get("refused")) for a in refused} == {
        ("office-1", "downloaded", None), ("agent-7", "downloaded", "Forbidden"),
        ("zhao", "played", "NotFound")}
    with pytest.raises(Forbidden):
        audit.listing(OFFICE, AccessFilter())
    # The auditor reads the listing over the API too, filtered.
    assert (await _get(client, "auditor", "/audit?action=downloaded")).status == 200


async def test_the_audit_accepts_no_update_or_delete(recorded):
    _client, _audio, audit, engine = recorded
    audit.record(OFFICE, "played", "call:1.2/mix", {})
    for statement in (update(AccessAuditRow).values(person="someone-else"),
                      delete(AccessAuditRow)):
        with pytest.raises(DBAPIError, match="accepts no update or delete"), \
                engine.begin() as conn:
            conn.execute(statement)
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.session.scalars(select(AccessAuditRow.person)).all() == ["office-1"]
        assert uow.session.execute(text("SELECT count(*) FROM access_audit")).scalar() == 1
