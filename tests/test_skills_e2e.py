"""Skill queues on the real sandbox: a menu key leads to the heating queue, whose only seat is
paused; after the configured wait the citizen overflows to the general queue and is answered
there. Seats answer the queues of their skills, with their penalties."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from call_support import finish, place_call, stored_calls, until

from callcenter.bootstrap import standalone_controller
from callcenter.config import Seat, SkillQueue
from callcenter.domain.agents import AgentError
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.telephony import render

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")


@contextlib.contextmanager
def line_with_skills(asterisk, settings, changed):
    """The sandbox's dialplan and queues rendered for `changed`, put back afterwards."""
    etc = asterisk.merged / "etc/asterisk"
    files = ("queues.conf", "extensions.conf")
    render.render(changed, etc, settings.ami_secret(), files=files)
    try:
        asterisk.rx("module reload app_queue.so")
        asterisk.rx("dialplan reload")
        yield
    finally:
        render.render(settings, etc, settings.ami_secret(), files=files)
        asterisk.rx("module reload app_queue.so")
        asterisk.rx("dialplan reload")


def members(asterisk, queue: str) -> dict[str, str]:
    out = {}
    for line in asterisk.rx(f"queue show {queue}").splitlines():
        m = re.match(r"\s+(\d+) \(PJSIP/seat\d+\)", line)
        if m:
            out[m.group(1)] = "paused" if "(paused" in line else "ready"
    return out


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_skill_queue_overflows_to_the_general_queue(settings, asterisk, seat_phones,
                                                            store_url):
    one, two = settings.seats
    changed = settings.with_overrides(
        store_url=store_url, menu_enabled=True,
        skill_queues=(SkillQueue("heating", ("3",), 4),),
        seats=(Seat(one.id, one.name, one.sandbox_port, (("heating", 0), ("hotline", 1))),
               Seat(two.id, two.name, two.sandbox_port)))
    with line_with_skills(asterisk, settings, changed):
        c = standalone_controller(changed, grace=1.0)
        desk = AgentDesk(c.call_log.uow, [one.id, two.id])
        await c.start()
        try:
            await asyncio.wait_for(c.ami.connected.wait(), 10)
            desk.act(one.id, "login", LEADER, agent="zhang")
            desk.act(one.id, "pause", LEADER, "meal")
            await until(lambda: members(asterisk, "heating") == {one.id: "paused"})
            assert members(asterisk, "hotline") == {one.id: "paused", two.id: "ready"}
            assert re.search(rf"{one.id} \(PJSIP/seat{one.id}\).*with penalty 1",
                             asterisk.rx("queue show hotline"))
            call = place_call(settings, "13800138071", hold_ms=16000, key="3",
                              key_after_ms=5000)
            await finish(call)
            (row,) = await stored_calls(c, 1)
        finally:
            with contextlib.suppress(AgentError):
                desk.act(one.id, "ready", LEADER)
            await c.stop()
    trail = c.call_log.trail(row.linkedid)
    joins = [(e["Queue"], float(e["Timestamp"])) for e in trail
             if e.get("Event") == "QueueCallerJoin"]
    assert [q for q, _ in joins] == ["heating", "hotline"]
    assert joins[1][1] - joins[0][1] >= 3.5  # overflowed after the configured 4 s
    (connect,) = [e for e in trail if e.get("Event") == "AgentConnect"]
    assert (connect["Queue"], connect["MemberName"]) == ("hotline", two.id)
    assert (row.queue, row.seat, row.ivr_choice, row.disposition) == (
        "heating", two.id, "3", "answered")
