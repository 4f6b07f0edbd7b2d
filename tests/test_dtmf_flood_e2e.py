"""A DTMF flood in the menu (issue 21, hostile input), on the real sandbox: a citizen presses
sixteen keys as fast as a phone sends them — into the menu, the ticket status lookup and the
queue. The call is one record that reaches a seat, the status lookup ends by its own rule,
and the next citizen's call goes through as any other."""

from __future__ import annotations

import asyncio

import pytest
from call_support import finish, place_call, stored_calls

from callcenter.bootstrap import standalone_controller

pytestmark = pytest.mark.asterisk
FLOOD = "5" + "7*#321086 4*#720".replace(" ", "")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_dtmf_flood_leaves_one_sane_call_and_a_working_line(settings, asterisk,
                                                                    seat_phones, store_url):
    c = standalone_controller(settings.with_overrides(store_url=store_url, menu_enabled=True),
                              grace=1.0)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        # Greeting and notice take about 4 s (keys are not heard), then the menu listens.
        keys = [(k, 0) for k in FLOOD[1:]]
        flood = place_call(settings, "13500135055", hold_ms=32000, key=FLOOD[0],
                           key_after_ms=5000, more_keys=keys)
        await finish(flood)
        (row,) = await stored_calls(c, 1)
        assert row.ivr_choice == "5" and row.route == "menu"
        assert row.disposition == "answered" and row.seat in ("8001", "8002")
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
        facts = [e for e in c.call_log.trail(row.linkedid)
                 if e.get("Event") == "UserEvent" and e.get("Fact") == "status"]
        assert len(facts) == 1 and facts[0].get("Result")  # the lookup ended by its rule
        assert c.ami.connected.is_set()
        # The line is as it was: the next citizen is answered as usual.
        plain = place_call(settings, "13500135056", hold_ms=8000)
        await finish(plain)
        rows = {r.caller_number: r for r in await stored_calls(c, 2)}
        assert rows["13500135056"].disposition == "answered"
    finally:
        await c.stop()
