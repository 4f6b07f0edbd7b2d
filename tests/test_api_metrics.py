"""The API process's /metrics: the line, the seats and the transcription backlog as the
store has them, to loopback only."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from api_support import api_of

from callcenter.api.app import make_app
from callcenter.domain.privacy import Role, Viewer

SUPERVISOR = Viewer(Role.SUPERVISOR, "banzhang")


async def test_the_figures_as_the_store_has_them(service):
    api = api_of(service, {}, ["8001", "8002"])
    api.desk.act("8001", "login", SUPERVISOR, agent="zhang")
    api.desk.act("8002", "login", SUPERVISOR, agent="li")
    api.desk.act("8002", "pause", SUPERVISOR, reason="meal")
    async with TestClient(TestServer(make_app(api))) as client:
        r = await client.get("/metrics")
        text = await r.text()
    assert r.status == 200
    assert 'callcenter_agents{state="ready"} 1.0' in text
    assert 'callcenter_agents{state="paused"} 1.0' in text
    assert 'callcenter_line_citizens{phase="waiting"} 0.0' in text
    assert "callcenter_transcription_jobs" in text and "zhang" not in text


def test_metrics_are_not_served_beyond_loopback(service):
    app = make_app(api_of(service, {}))
    route = next(r for r in app.router.routes() if r.resource is not None
                 and r.resource.canonical == "/metrics")
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        ("192.0.2.7", 50000) if name == "peername" else default)
    request = make_mocked_request("GET", "/metrics", transport=transport, app=app)
    async def scrape() -> web.StreamResponse:
        return await route.handler(request)

    with pytest.raises(web.HTTPNotFound):
        asyncio.run(scrape())
