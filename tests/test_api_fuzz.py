"""The API fuzzed from its own OpenAPI document (schemathesis): whatever a client sends —
valid, out of range, wrongly typed, deeply nested — the answer is never a server error."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from aiohttp import web
from api_support import api_of
from hypothesis import HealthCheck, settings
from tickets_support import AGENT, FORM, UNITS, hotline_over

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.api.openapi import document
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import Dispatch
from callcenter.storage.engine import make_engine, migrate

# The event stream never ends by design (tests/test_desk_calls.py reads it).
schema = schemathesis.openapi.from_dict(document()).exclude(path="/api/v1/events")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API on a real port (its own loop in a thread), over a store with a ticket."""
    home: Path = tmp_path_factory.mktemp("fuzz")
    engine = make_engine(f"sqlite:///{home / 'calls.db'}")
    migrate(engine)
    service = hotline_over(engine).tickets
    service.units.replace(list(UNITS), [])
    service.command(service.register(FORM, AGENT), Dispatch("u-wuye"), AGENT)
    path = home / "tokens.toml"
    token = tokens.add(path, Viewer(Role.SUPERVISOR, "office-1"))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_app(api_of(service, tokens.load(path))))
    port = _free_port()
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", token
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
    engine.dispose()


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case, live_api):
    base_url, token = live_api
    response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                         timeout=10)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
