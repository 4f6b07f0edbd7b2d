"""The desk and the wallboard in a real browser against the real sandbox Asterisk: an agent
signs in and goes ready, a SIPp citizen calls, the screen pop appears without a reload, the
agent registers the ticket, pulls the unit into a three-way call with the button (a SIPp unit
phone answers) and leaves; one call record with one set of recordings; the supervisor's
wallboard, open all along, shows the call waiting, then talking, then answered within 15 s."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

import ports
import pytest
from aiohttp.test_utils import TestServer
from browser_support import chromium, dialogs, new_page, ready, shot, sign_in, take_seat
from call_support import finish, place_call, stored_calls
from conftest import wait_port_free
from console_support import FAST, PASSWORD, STAFF
from sqlalchemy import select
from tickets_support import CTX

from callcenter import simulate
from callcenter.bootstrap import Hotline
from callcenter.config import PROJECT_ROOT
from callcenter.console.app import make_console_app
from callcenter.services.people import People
from callcenter.services.units import read_toml
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.uow import UnitOfWork

pytestmark = [pytest.mark.asterisk, pytest.mark.browser, pytest.mark.xdist_group("browser")]
RING_MS = 3000  # the agent picks up after three seconds: the citizen waits that long in line


@pytest.fixture
def phones(settings, asterisk):
    seat_1, seat_2 = settings.seats
    made = [simulate.ringing_phone(seat_1.sandbox_port, ports.media(0), RING_MS),
            simulate.seat_phone(seat_2.sandbox_port, ports.media(1)),
            simulate.seat_phone(settings.trunk_sandbox_out_port, ports.media(10))]
    time.sleep(0.3)
    yield made
    for p in made:
        p.stop()
    for port in (seat_1.sandbox_port, seat_2.sandbox_port, settings.trunk_sandbox_out_port):
        wait_port_free(port)


@pytest.fixture
async def console(controller, settings):
    engine = controller.call_log.uow.engine
    hotline = Hotline(settings, engine, lambda: datetime.now(UTC), given_rules=CTX)
    hotline.units.replace(*read_toml(PROJECT_ROOT / "config" / "units.toml"))
    people = People(hotline.store, hotline.clock, hasher=FAST)
    for person in STAFF.values():
        people.create(None, person, PASSWORD)
    server = TestServer(make_console_app(replace(hotline.console(tokens={}), people=people)),
                        host="127.0.0.1")
    await server.start_server()
    yield f"http://127.0.0.1:{server.port}", engine
    await server.close()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_call_from_ready_to_three_way_in_the_browser(controller, settings, phones,
                                                             console):
    base, engine = console
    async with chromium() as browser:
        agent = await new_page(browser)
        await sign_in(agent, base, "agent-7", PASSWORD)
        assert agent.url == base + "/desk"
        await take_seat(agent, "8001")
        await agent.click(".seat-cmd[data-command=ready]")
        await agent.wait_for_selector("#state[data-state=ready]")
        loaded = await agent.evaluate("performance.timeOrigin")

        # The supervisor, in a browser of their own: seat 8002 paused, the wallboard open.
        async with chromium() as other:
            boss = await new_page(other)
            await sign_in(boss, base, "office-1", PASSWORD)
            await boss.goto(base + "/wallboard")
            await ready(boss)
            await boss.evaluate("""async () => {
                await hotline.api("POST", "/desk/seats/8002/login", {agent: "agent-8"});
                await hotline.api("POST", "/desk/seats/8002/pause", {reason: "meeting"});
            }""")
            await boss.wait_for_function(
                "() => document.querySelector('#agents tr[data-state=paused]')")
            await asyncio.sleep(1.0)  # the queue follows the stored states within a second

            call = place_call(settings, "13800138077", hold_ms=45000)
            # The pop, on the page as it was: no reload.
            await agent.wait_for_selector("#pop-facts:not([hidden])", timeout=40000)
            assert await agent.inner_text("#pop-number") == "138****8077"
            assert await agent.evaluate("performance.timeOrigin") == loaded
            await shot(agent, "desk-screen-pop")

            await agent.fill("#register input[name=category]", "漏水")
            await agent.fill("#register textarea[name=matter]", "楼上漏水，厨房天花板湿了")
            await agent.fill("#register input[name=demand]", "尽快维修")
            await agent.fill("#register input[name=address]", "沈河区五爱街道和谐社区3号楼2单元")
            await agent.click("#register button[type=submit]")
            await agent.wait_for_selector("#after-register:not([hidden])")
            ticket = (await agent.inner_text("#ticket-id")).lstrip("#")
            assert await agent.input_value("#unit") == "hexie-property"

            await agent.click(".call-cmd[data-command=conference]")
            await agent.wait_for_function(
                "() => /conference: done/.test(document.getElementById('request').textContent)",
                timeout=40000)
            assert simulate.dialled_numbers(phones[2]) == ["02422221111"]
            await shot(agent, "desk-three-way")
            await shot(boss, "wallboard-talking")
            await agent.click(".call-cmd[data-command=leave]")
            await agent.wait_for_function(
                "() => /leave: done/.test(document.getElementById('request').textContent)",
                timeout=20000)
            await finish(call)

            await boss.wait_for_function(
                "() => hotline.boardSeen.some((s) => s.within_15s >= 1)", timeout=20000)
            seen = await boss.evaluate("hotline.boardSeen")
            await shot(boss, "wallboard")
        waiting = next(i for i, s in enumerate(seen) if s["waiting"] >= 1)
        talking = next(i for i, s in enumerate(seen) if s["talking"] >= 1)
        answered = next(i for i, s in enumerate(seen) if s["within_15s"] >= 1)
        assert waiting < talking <= answered, seen
        assert dialogs(agent) == []

    (row,) = await stored_calls(controller, 1)
    assert row.seat == "8001" and row.disposition == "answered"
    with UnitOfWork(engine, read_only=True) as uow:
        kinds = sorted(uow.session.scalars(select(RecordingRow.kind)).all())
    assert kinds == ["citizen", "mix", "seat", "unit1", "unit1-mix"]
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.tickets.of_call(row.linkedid) == [int(ticket)]
        assert len(uow.session.scalars(select(CallRow)).all()) == 1
