"""After hours on the real sandbox, with the clock injected: a call at 02:00 and one on a
public holiday reach the duty phone; an emergency at night alerts the leader on duty first; an
unanswered duty phone leads to a message and a ticket of the channel "after-hours message"
with the recording, queued for transcription like any leg."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from sqlalchemy import select

from callcenter import simulate
from callcenter.bootstrap import standalone_controller
from callcenter.config import PROJECT_ROOT
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.storage.tables import RecordingRow
from callcenter.storage.tickets_repo import TicketsRepo
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

pytestmark = pytest.mark.asterisk
TZ = ZoneInfo("Asia/Shanghai")
DUTY, LEADER = "13900000011", "13900000021"
PLAN = f"""
[schedule]
monday = "08:00-20:00"
tuesday = "08:00-20:00"
wednesday = "08:00-20:00"
thursday = "08:00-20:00"
friday = "08:00-20:00"
saturday = "09:00-17:00"
sunday = "09:00-17:00"
holiday = ""
[roster]
start = 2026-01-01
changes_at = "08:00"
[[roster.duty]]
name = "值班员"
phone = "{DUTY}"
[[roster.leader]]
name = "带班领导"
phone = "{LEADER}"
"""


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def night_controller(settings, asterisk, tmp_path):
    plan = tmp_path / "duty.toml"
    plan.write_text(PLAN, encoding="utf-8")
    clock = Clock(datetime(2026, 12, 3, 2, 0, tzinfo=TZ))  # a Thursday, 02:00
    shipped = PROJECT_ROOT / "config"  # the ticket rules a message's ticket is registered by
    c = standalone_controller(settings.with_overrides(
        store_url=f"sqlite:///{tmp_path / 'night.db'}", duty_file=plan, menu_enabled=True,
        policies_file=shipped / "policies.toml", replies_file=shipped / "replies.toml",
        workdays_file=shipped / "workdays.toml"), grace=1.0, clock=clock)
    return c, clock


def phone(settings, busy: bool = False) -> simulate.Sipp:
    port = settings.trunk_sandbox_out_port
    wait_port_free(port)
    return simulate.busy_phone(port) if busy else simulate.seat_phone(port, ports.media(20))


async def test_at_night_and_on_a_holiday_the_duty_phone_answers(night_controller, settings):
    c, clock = night_controller
    duty_phone = phone(settings)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        # 02:00 on a working day, an emergency (9): the leader on duty is called first.
        urgent = place_call(settings, "13800138051", hold_ms=16000, key="9",
                            key_after_ms=4800)  # during the night prompt, after the greeting
        await finish(urgent)
        # 1 October 2026, 10:00: National Day, a holiday: night all day in this plan.
        clock.at = datetime(2026, 10, 1, 10, 0, tzinfo=TZ)
        holiday = place_call(settings, "13800138052", hold_ms=10000)
        await finish(holiday)
        rows = {r.caller_number: r for r in await stored_calls(c, 2)}
    finally:
        await c.stop()
        duty_phone.stop()
    assert simulate.dialled_numbers(duty_phone) == [LEADER, DUTY, DUTY]
    for row in rows.values():
        assert (row.route, row.disposition, row.seat) == ("night", "answered", None)
        assert row.answered_at is not None
    night, _ = rows["13800138051"], rows["13800138052"]
    assert night.ivr_choice == "9"
    assert {g.role for g in night.legs} >= {"citizen", "alert"}
    with UnitOfWork(c.call_log.uow.engine, read_only=True) as uow:
        notices = uow.notices.for_office()
    assert [n["kind"] for n in notices] == [f"emergency:{night.linkedid}"[:32]]
    assert "已呼叫 带班领导" in notices[0]["text"] and "13800138051" not in notices[0]["text"]


async def test_an_unanswered_duty_phone_takes_a_message_that_becomes_a_ticket(
        night_controller, settings):
    c, _ = night_controller
    busy = phone(settings, busy=True)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        call = place_call(settings, "13800138053", hold_ms=14000)
        await finish(call)
        (row,) = await stored_calls(c, 1)
        engine = c.call_log.uow.engine

        def ticketed() -> list[int]:
            with UnitOfWork(engine, read_only=True) as uow:
                return TicketsRepo(uow.session).of_call(row.linkedid)

        await until(ticketed, timeout=15)
    finally:
        await c.stop()
        busy.stop()
    assert simulate.dialled_numbers(busy) == [DUTY]
    assert (row.route, row.disposition) == ("night", "message")
    (tid,) = ticketed()
    with UnitOfWork(engine, read_only=True) as uow:
        stored = TicketsRepo(uow.session).get(tid)
        recs = {r.kind: r for r in uow.session.scalars(select(RecordingRow))}
    assert stored is not None and stored.form.channel.value == "after_hours"
    assert stored.form.reporter_phone == "13800138053" and stored.calls == (row.linkedid,)
    assert stored.registered_by == "system-after-hours"
    message = recs["message"]
    assert message.path.endswith("-message.wav") and not message.error
    assert message.duration_s is not None and message.duration_s > 3
    # Transcribed like any leg: the message is queued although nobody answered the call.
    assert TranscriptionQueue(UnitsOfWork(engine), "test").enqueue_pending() == 1
