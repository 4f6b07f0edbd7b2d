"""Callbacks of missed calls on the real sandbox: asked for twice (and once more after it got
through), the citizen's phone rings once; the agent's phone rings first; the outcome is stored
and the callback's legs join the missed call's record."""

from __future__ import annotations

import asyncio
import concurrent.futures

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from sqlalchemy import select

from callcenter import simulate
from callcenter.bootstrap import build
from callcenter.domain.privacy import Role, Viewer
from callcenter.storage.tables import LegRow
from callcenter.storage.uow import UnitOfWork

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")
CITIZEN = "13800138061"


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_a_callback_asked_for_twice_rings_the_citizen_once(controller, seat_phones,
                                                                 settings, asterisk):
    phone = simulate.talking_phone(settings.trunk_sandbox_out_port, ports.media(30))
    hotline = build(settings.with_overrides(store_url=str(controller.call_log.uow.engine.url
                                                          .render_as_string(False))))
    try:
        # Hung up during the greeting: a missed call.
        missed = place_call(settings, CITIZEN, hold_ms=1500)
        await finish(missed)
        (row,) = await stored_calls(controller, 1)
        assert row.disposition == "abandoned_ivr"
        callbacks = hotline.callbacks()
        (listed,) = callbacks.missed(LEADER)
        assert listed["number"] == "138****8061" and listed["due_by_policy"]
        # Two desks ask at the same moment.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            asked = list(pool.map(lambda _: callbacks.request(row.linkedid, "8001", LEADER),
                                  range(2)))
        assert asked[0]["id"] == asked[1]["id"]
        await until(lambda: simulate.dialled_numbers(phone), timeout=20)
        await until(lambda: any(
            line.startswith(f"PJSIP/{settings.trunk_outbound}-") and "!Up!" in line
            for line in asterisk.rx("core show channels concise").splitlines()), timeout=10)
        await asyncio.sleep(2)  # agent and citizen talk (both phones echo)
        again = callbacks.request(row.linkedid, "8001", LEADER)  # while it is under way
        assert again["id"] == asked[0]["id"] and again["state"] == "placing"
        asterisk.rx("channel request hangup all")
        await until(lambda: callbacks.get(asked[0]["id"], LEADER)["state"] == "answered",
                    timeout=15)
        after = callbacks.request(row.linkedid, "8001", LEADER)  # answered: nothing to do
        assert after["state"] == "answered" and after["attempt"] == 1
        await asyncio.sleep(2)
        assert simulate.dialled_numbers(phone) == [CITIZEN]  # one ring, however often asked
        # The agent's phone rang first: its leg is the controller's, named after the call.
        def legs() -> list[str]:
            with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
                return [g.uniqueid for g in uow.session.scalars(select(LegRow))]

        await until(lambda: f"{row.linkedid}-callback1" in legs(), timeout=10)
        recording = (settings.recording_root / row.started_at.astimezone(settings.tz)
                     .strftime("%Y/%m/%d") / f"{row.linkedid}-callback1.wav")
        assert recording.exists() and recording.stat().st_size > 44
        assert not callbacks.missed(LEADER)[0]["due_by_policy"]  # asked for: not due again
    finally:
        phone.stop()
        hotline.close()
        wait_port_free(settings.trunk_sandbox_out_port)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_satisfaction_callback_by_keys_records_the_scores(controller, settings):
    from tickets_support import AGENT, FORM, OFFICE, REPLY, UNITS, WUYE, hotline_over

    from callcenter.domain.tickets import AcceptReply, Dispatch, LogContact, StartWork, SubmitReply

    # Solved (1); attitude 5, speed 4, result 3 — each while its question plays.
    phone = simulate.keying_phone(settings.trunk_sandbox_out_port, ports.media(40),
                                  [("1", 2500), ("5", 1200), ("4", 1200), ("3", 1200)])
    number = "13800138062"
    hotline = build(settings.with_overrides(
        store_url=str(controller.call_log.uow.engine.url.render_as_string(False))))
    try:
        first = place_call(settings, number, hold_ms=1500)
        await finish(first)
        (row,) = await stored_calls(controller, 1)
        tickets = hotline_over(controller.call_log.uow.engine).tickets
        tickets.units.replace(list(UNITS), [])
        tid = tickets.register(FORM.__class__(**{**FORM.__dict__, "reporter_phone": number}),
                               AGENT, row.linkedid)
        tickets.command(tid, Dispatch("u-wuye"), AGENT)
        tickets.command(tid, LogContact("电话联系"), WUYE)
        tickets.command(tid, StartWork(), WUYE)
        tickets.command(tid, SubmitReply(REPLY), WUYE)
        tickets.command(tid, AcceptReply(), OFFICE)
        callbacks = hotline.callbacks()
        asked = callbacks.request_survey(tid, LEADER)
        assert callbacks.request_survey(tid, LEADER)["id"] == asked["id"]
        assert asked["kind"] == "satisfaction" and asked["ticket"] == tid
        await until(lambda: tickets.get(tid, AGENT)["callbacks"], timeout=40)
        (recorded,) = tickets.get(tid, AGENT)["callbacks"]
        assert (recorded["solved"], recorded["attitude"], recorded["speed"],
                recorded["result"]) == (True, 5, 4, 3)
        await until(lambda: callbacks.get(asked["id"], LEADER)["state"] == "answered",
                    timeout=10)
        assert simulate.dialled_numbers(phone) == [number]  # once
    finally:
        phone.stop()
        hotline.close()
        wait_port_free(settings.trunk_sandbox_out_port)
