"""Agents' statuses drive the real queue: a paused seat is not rung, and the queue follows the
stored statuses again after a controller restart, whatever app_queue remembered."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from call_support import finish, place_call, stored_calls, until

from callcenter.bootstrap import standalone_controller
from callcenter.domain.agents import AgentError
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.services.wallboard import Wallboard

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")


def members(asterisk) -> dict[str, str]:
    """Seat -> 'paused:<reason>' or 'ready', as app_queue has them now."""
    out = {}
    for line in asterisk.rx("queue show hotline").splitlines():
        m = re.match(r"\s+(\d+) \(PJSIP/seat\d+\)", line)
        if m:
            paused = re.search(r"\(paused:?([a-z_]*)", line)
            out[m.group(1)] = f"paused:{paused.group(1)}" if paused else "ready"
    return out


def desk_of(controller, settings) -> AgentDesk:
    return AgentDesk(controller.call_log.uow, [s.id for s in settings.seats])


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_paused_seat_is_not_rung(controller, seat_phones, settings, asterisk):
    desk = desk_of(controller, settings)
    try:
        await _paused_seat_is_not_rung(controller, desk, settings, asterisk)
    finally:
        # The sandbox is shared: leave both seats in the queue for the tests after this one.
        for seat in ("8001", "8002"):
            with contextlib.suppress(AgentError):
                desk.act(seat, "ready", LEADER)
        await until(lambda: members(asterisk) == {"8001": "ready", "8002": "ready"})


async def _paused_seat_is_not_rung(controller, desk, settings, asterisk) -> None:
    desk.act("8001", "login", LEADER, agent="zhang")
    desk.act("8002", "login", LEADER, agent="li")
    desk.act("8002", "pause", LEADER, "meal")
    await until(lambda: members(asterisk) == {"8001": "ready", "8002": "paused:meal"})
    call = place_call(settings, "13800138001", hold_ms=9000)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    rung = {e.get("MemberName") for e in controller.call_log.trail(row.linkedid)
            if e.get("Event") == "AgentCalled"}
    assert row.seat == "8001" and rung == {"8001"}
    # Everyone paused: the citizen waits and nobody is rung.
    desk.act("8001", "pause", LEADER, "training")
    await until(lambda: set(members(asterisk).values()) == {"paused:meal", "paused:training"})
    call = place_call(settings, "13800138002", hold_ms=7000)
    # The wallboard: the controller's own picture of the line shows the citizen waiting.
    board = Wallboard(controller.call_log.uow, desk)
    await until(lambda: board.view(LEADER)["line"]["waiting"] == 1, timeout=8)
    assert board.view(LEADER)["agents"]["by_state"] == {"paused": 2}
    await finish(call)
    await until(lambda: board.view(LEADER)["line"]["waiting"] == 0, timeout=5)
    rows = {r.caller_number: r for r in await stored_calls(controller, 2)}
    second = rows["13800138002"]
    assert second.disposition == "abandoned_queue"
    assert not [e for e in controller.call_log.trail(second.linkedid)
                if e.get("Event") == "AgentCalled"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_statuses_survive_a_restart_and_app_queue_is_not_trusted(settings, asterisk,
                                                                        store_url):
    first = standalone_controller(settings.with_overrides(store_url=store_url), grace=1.0)
    await first.start()
    try:
        await asyncio.wait_for(first.ami.connected.wait(), 10)
        desk_of(first, settings).act("8001", "login", LEADER, agent="zhang")
        desk_of(first, settings).act("8001", "pause", LEADER, "meeting")
        desk_of(first, settings).act("8002", "login", LEADER, agent="li")
        desk_of(first, settings).act("8002", "logout", LEADER)
        await until(lambda: members(asterisk) == {"8001": "paused:meeting"})
    finally:
        await first.stop()
    # While the controller is away, app_queue is changed behind its back.
    asterisk.rx("queue unpause member PJSIP/seat8001 queue hotline")
    asterisk.rx("queue add member PJSIP/seat8002 to hotline penalty 0 as 8002")
    assert members(asterisk) == {"8001": "ready", "8002": "ready"}
    later = standalone_controller(settings.with_overrides(store_url=store_url), grace=1.0)
    await later.start()
    try:
        await asyncio.wait_for(later.ami.connected.wait(), 10)
        await until(lambda: members(asterisk) == {"8001": "paused:meeting"})
        statuses = {s["seat"]: s for s in desk_of(later, settings).statuses(LEADER)}
        assert (statuses["8001"]["agent"], statuses["8001"]["state"]) == ("zhang", "paused")
        assert statuses["8002"]["state"] == "logged_out"
    finally:
        # Leave the shared sandbox as the other tests expect it: both seats in the queue.
        desk_of(later, settings).act("8001", "ready", LEADER)
        desk_of(later, settings).act("8002", "login", LEADER, agent="li")
        await until(lambda: members(asterisk) == {"8001": "ready", "8002": "ready"})
        await later.stop()


@contextlib.asynccontextmanager
async def one_seat(settings, asterisk, store_url, **overrides):
    """A controller on its own store with only seat 8001 logged in (zhang); afterwards both
    seats are put back in the shared sandbox's queue."""
    c = standalone_controller(settings.with_overrides(store_url=store_url, **overrides),
                              grace=1.0)
    await c.start()
    desk = desk_of(c, settings)
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        desk.act("8001", "login", LEADER, agent="zhang")
        desk.act("8002", "login", LEADER, agent="li")
        desk.act("8002", "logout", LEADER)
        await until(lambda: members(asterisk) == {"8001": "ready"})
        yield c, desk
    finally:
        for seat in ("8001", "8002"):
            with contextlib.suppress(AgentError):
                desk.act(seat, "login", LEADER, agent=f"a{seat}")
            with contextlib.suppress(AgentError):
                desk.act(seat, "ready", LEADER)
        await until(lambda: members(asterisk) == {"8001": "ready", "8002": "ready"})
        await c.stop()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_after_call_work_delays_the_next_call(settings, asterisk, seat_phones, store_url):
    async with one_seat(settings, asterisk, store_url, queue_wrapup=4) as (c, desk):
        first = place_call(settings, "13800138011", hold_ms=6000)
        await finish(first)
        second = place_call(settings, "13800138012", hold_ms=9000)
        await finish(second)
        rows = {r.caller_number: r for r in await stored_calls(c, 2)}
        one, two = rows["13800138011"], rows["13800138012"]
        assert (one.seat, two.seat) == ("8001", "8001")
        ended = max(float(e["Timestamp"]) for e in c.call_log.trail(one.linkedid)
                    if e.get("Event") == "AgentComplete")
        connected = min(float(e["Timestamp"]) for e in c.call_log.trail(two.linkedid)
                        if e.get("Event") == "AgentConnect")
        # The second citizen waited for the 4 s of after-call work (prompts alone take ~2 s).
        assert connected - ended >= 3.9, connected - ended
        await until(lambda: desk.current()["8001"].state.value == "ready")
        changes = [(h["state"], h["reason"], h["actor"]) for h in desk.history("8001", LEADER)]
        work = ("paused", "after_call", "system:after_call")
        assert changes[:4] == [("ready", "", "system:after_call"), work,
                               ("ready", "", "system:after_call"), work]
        lasted = [h["seconds"] for h in desk.history("8001", LEADER)
                  if h["reason"] == "after_call"]
        assert all(3.9 <= s < 6 for s in lasted), lasted


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_seat_that_rings_unanswered_is_paused(settings, asterisk, store_url):
    # No seat phone runs: 8001 rings (5 s) and nobody answers, twice.
    async with one_seat(settings, asterisk, store_url, queue_auto_pause_after=2) as (c, desk):
        call = place_call(settings, "13800138021", hold_ms=22000)
        await until(lambda: desk.current()["8001"].reason == "no_answer", timeout=30)
        await until(lambda: members(asterisk) == {"8001": "paused:no_answer"})
        await finish(call)
        (row,) = await stored_calls(c, 1)
        rung = [e for e in c.call_log.trail(row.linkedid) if e.get("Event") == "AgentCalled"]
        assert row.disposition == "abandoned_queue" and len(rung) == 2
        latest = desk.history("8001", LEADER)[0]
        assert (latest["reason"], latest["actor"]) == ("no_answer", "system:no_answer")
