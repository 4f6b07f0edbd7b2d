"""Real calls: SIPp citizen -> sandbox Asterisk 22 -> queue -> SIPp seat; controller -> store."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import time
import wave

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from process_support import reconcile
from sqlalchemy import select

from callcenter import simulate
from callcenter.bootstrap import standalone_controller
from callcenter.config import PROJECT_ROOT, load_settings
from callcenter.domain.privacy import Role, Viewer
from callcenter.speech import prompts
from callcenter.storage.tables import RingRow
from callcenter.storage.uow import UnitOfWork
from callcenter.telephony import render

pytestmark = pytest.mark.asterisk


# Each recording's length against the talk time: the audio must flow in real time, which a
# machine busy with the parallel suite (browsers included) cannot promise.
@pytest.mark.realtime
async def test_answered_call_is_recorded_and_stored(controller, seat_phones, settings):
    call = place_call(settings, "13800138000", hold_ms=9000)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    assert row.caller_number == "13800138000"
    assert row.dialled_number == "12345"
    assert row.route == "queue" and row.fallback is False and row.ivr_choice is None
    assert row.queue == "hotline" and row.seat in ("8001", "8002")
    assert row.disposition == "answered" and row.hung_up_by == "citizen"
    assert row.started_at < row.queue_joined_at <= row.answered_at < row.ended_at
    assert 0 <= row.wait_s < 10
    # The citizen hung up 9 s after the line answered; prompts and queue took part of that.
    assert 2 < row.talk_s < 9
    assert {leg.role for leg in row.legs} == {"citizen", "seat"}
    assert all(leg.ended_at is not None for leg in row.legs)
    recs = {r.kind: r for r in row.recordings}
    assert set(recs) == {"mix", "citizen", "seat"}
    for rec in recs.values():
        path = settings.recording_root / rec.path
        assert rec.error == ""
        assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        with wave.open(str(path)) as w:
            assert w.getframerate() == 8000 and w.getnframes() > 0
        assert abs(rec.duration_s - row.talk_s) <= 1.0
    assert recs["mix"].path.endswith(f"{row.linkedid}.wav")
    assert recs["mix"].path.startswith(row.started_at.astimezone(settings.tz).strftime("%Y/%m/%d/"))
    # AgentComplete may come after the call is stored (a late event joins its trail).
    wanted = {"Newchannel", "AgentCalled", "AgentConnect", "AgentComplete", "Hangup",
              "UserEvent"}
    await until(lambda: wanted <= {e.get("Event")
                                   for e in controller.call_log.trail(row.linkedid)})
    # The seat's 接通率 counts the rings: the one that seat picked up is stored as answered.
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        rings = uow.session.execute(select(RingRow.seat, RingRow.answered, RingRow.arrived_at)
                                    .where(RingRow.call_id == row.id)).all()
    assert (row.seat, True, row.started_at) in rings
    assert all(seat != row.seat for seat, answered, _ in rings if not answered)


async def test_caller_who_hangs_up_in_queue_is_abandoned(controller, settings, asterisk):
    # No seat phone answers: the citizen waits in the queue and gives up.
    call = place_call(settings, "13900139000", hold_ms=6000)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    assert row.disposition == "abandoned_queue"
    assert row.hung_up_by == "citizen" and row.seat is None and row.answered_at is None
    # MixMonitor(b) leaves empty files for a call never bridged; they are kept, honestly empty.
    assert all(r.duration_s == 0 for r in row.recordings)
    (abandon,) = [e for e in controller.call_log.trail(row.linkedid)
                  if e.get("Event") == "QueueCallerAbandon"]
    # Asterisk's own count of whole seconds in queue agrees with ours.
    assert abs(row.wait_s - int(abandon["HoldTime"])) < 1.0
    assert row.wait_s == pytest.approx(
        (row.ended_at - row.queue_joined_at).total_seconds(), abs=0.1)
    assert 1.0 < row.wait_s < 6.0


async def test_caller_who_hangs_up_during_the_prompts_is_abandoned_in_ivr(controller, settings,
                                                                          asterisk):
    call = place_call(settings, "13300133000", hold_ms=800)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    assert row.disposition == "abandoned_ivr" and row.hung_up_by == "citizen"
    assert row.queue is None and row.queue_joined_at is None and row.answered_at is None
    assert row.seat is None and row.route == "queue"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_menu_choice_is_stored_on_the_call(settings, asterisk, seat_phones, store_url):
    c = standalone_controller(settings.with_overrides(store_url=store_url, menu_enabled=True),
                              grace=1.0)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        # Greeting and notice take about 4 s (Playback: keys are not heard), then the menu
        # plays for 1 s and waits 3 s for a key.
        call = place_call(settings, "13500135000", hold_ms=10000, key="3", key_after_ms=5000)
        await finish(call)
        (row,) = await stored_calls(c, 1)
        assert row.route == "menu" and not row.fallback
        assert row.ivr_choice == "3"
        assert row.disposition == "answered" and row.seat in ("8001", "8002")
    finally:
        await c.stop()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_controller_down_fallback_still_reaches_a_seat(settings, asterisk, seat_phones,
                                                             store_url, record_trace, request):
    # Make sure the seats are members, as a controller that ran before would have left them.
    first = standalone_controller(settings.with_overrides(store_url=store_url), grace=1.0)
    await first.start()
    await asyncio.wait_for(first.ami.connected.wait(), 10)
    await asyncio.sleep(0.5)
    await first.stop()

    call = place_call(settings, "13700137000", hold_ms=12000)
    await asyncio.sleep(6)  # AGI refused -> fallback -> prompts -> queue -> a seat answers
    later = standalone_controller(settings.with_overrides(store_url=store_url), grace=1.0)
    record_trace(later, request.node.name)
    await later.start()
    try:
        await finish(call)
        (row,) = await stored_calls(later, 1)
        assert row.caller_number == "13700137000"
        assert row.disposition == "answered"
        assert row.seat in ("8001", "8002")
        assert row.ended_at is not None and row.hung_up_by == "citizen"
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
        # What the dialplan announced before the controller was up is read back from the
        # channel: the number dialled and the recording, measured like any other.
        assert row.dialled_number == "12345" and row.fallback
        recs = {r.kind: r for r in row.recordings}
        assert set(recs) == {"mix", "citizen", "seat"}
        assert all(r.error == "" and r.duration_s > 1 for r in recs.values())
        assert recs["mix"].path.endswith(f"{row.linkedid}.wav")
        recovered = {e["Fact"] for e in later.call_log.trail(row.linkedid)
                     if e.get("Origin") == "resync"}
        assert recovered == {"start", "fallback"}
    finally:
        await later.stop()


async def test_ami_drop_mid_call_reconnects_and_records_once(controller, seat_phones, settings,
                                                             sandbox_home):
    since = dt.datetime.now(dt.UTC).isoformat()
    call = place_call(settings, "13600136000", hold_ms=10000)
    await asyncio.sleep(6)
    assert controller.ami.logins == 1
    controller.ami.drop()
    deadline = time.monotonic() + 10
    while controller.ami.logins < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert controller.ami.logins == 2, "the client did not reconnect"
    await finish(call)
    rows = await stored_calls(controller, 1)
    await asyncio.sleep(2)  # any duplicate would have arrived by now
    rows = await stored_calls(controller, 1)
    assert len(rows) == 1
    (row,) = rows
    assert row.caller_number == "13600136000"
    assert row.disposition == "answered" and row.seat in ("8001", "8002")
    assert row.ended_at is not None
    found = reconcile(sandbox_home, controller.call_log.uow.engine.url.render_as_string(False),
                      since)
    assert found["ok"] and found["citizen_calls"] == 1, found


async def test_with_the_shipped_prompts_a_seat_rings_within_8_s_of_answer(controller, settings,
                                                                           seat_phones,
                                                                           asterisk):
    shipped = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    sounds = asterisk.merged / "usr/share/asterisk/sounds" / settings.language / "hotline"
    cache = settings.sandbox_cache_dir / "prompts"
    prompts.build(shipped.prompts, cache, sounds, shipped.prompt_rate)
    # The shipped queue too: position, wait and the emergency advice for those who wait.
    queue_texts = {k: v for k, v in shipped.prompts.items()
                   if k.startswith("queue_") or k == "emergency"}
    announcing = settings.with_overrides(prompts={**settings.prompts, **queue_texts},
                                         queue_announce_every=30, queue_emergency_every=30)
    try:
        with queue_heard(asterisk, settings, announcing, queue_texts) as log:
            call = place_call(settings, "13200132000", hold_ms=12000)
            await finish(call)
            (row,) = await stored_calls(controller, 1)
        said = log.read_text()
    finally:
        prompts.build(settings.prompts, cache, sounds, settings.prompt_rate)
    trail = controller.call_log.trail(row.linkedid)
    answered = min(float(e["Timestamp"]) for e in trail
                   if e.get("Event") == "Newchannel" and e["Uniqueid"] == row.linkedid)
    rung = min(float(e["Timestamp"]) for e in trail if e.get("Event") == "AgentCalled")
    talking = min(float(e["Timestamp"]) for e in trail if e.get("Event") == "AgentConnect")
    # Greeting and recording notice only (about 6.7 s at 200 words per minute), then a seat;
    # a free seat is rung at once, with no "you are next" in front of it.
    assert 5.0 < rung - answered < 8.0, rung - answered
    assert talking - answered < 8.5, talking - answered
    assert "hotline/queue_" not in said and "hotline/emergency" not in said
    assert row.disposition == "answered"


@contextlib.contextmanager
def queue_heard(asterisk, settings, changed, extra_prompts):
    """The test sandbox's queue reconfigured as `changed` with these prompts added, and a log
    of what Asterisk plays; yields the log's path. The queue is put back afterwards."""
    etc = asterisk.merged / "etc/asterisk"
    sounds = asterisk.merged / "usr/share/asterisk/sounds" / settings.language / "hotline"
    prompts.build(extra_prompts, settings.sandbox_cache_dir / "prompts", sounds,
                  settings.prompt_rate)
    name = f"heard-{time.monotonic_ns()}.log"
    render.render(changed, etc, settings.ami_secret(), files=("queues.conf",))
    try:
        asterisk.rx("module reload app_queue.so")
        asterisk.rx(f"logger add channel {name} verbose(3)")
        yield asterisk.merged / "var/log/asterisk" / name
    finally:
        asterisk.rx(f"logger remove channel {name}")
        render.render(settings, etc, settings.ami_secret(), files=("queues.conf",))
        asterisk.rx("module reload app_queue.so")


async def no_seat_free(controller, asterisk) -> None:
    """Both seats logged in and paused: the queue has nobody free for a caller."""
    office = Viewer(Role.SUPERVISOR, "banzhang")
    for n, seat in enumerate(("8001", "8002")):
        controller.desk.act(seat, "login", office, agent=f"agent-{n}")
        controller.desk.act(seat, "pause", office, reason="meeting")
    await until(lambda: asterisk.rx("queue show hotline").count("(paused") == 2, timeout=10)


async def test_the_emergency_advice_is_spoken_while_waiting_in_the_queue(controller, settings,
                                                                        asterisk):
    # No seat is free; the advice comes every 6 s of waiting instead of the shipped 30 s.
    advice = {"emergency": "紧急请拨一一零。"}
    advising = settings.with_overrides(prompts={**settings.prompts, **advice},
                                       queue_emergency_every=6)
    await no_seat_free(controller, asterisk)
    with queue_heard(asterisk, settings, advising, advice) as log:
        call = place_call(settings, "13100131000", hold_ms=16000)
        await finish(call)
        (row,) = await stored_calls(controller, 1)
    said = log.read_text()
    assert row.disposition == "abandoned_queue"
    assert "Playing periodic announcement" in said and "hotline/emergency" in said
    # Before the queue: the greeting and the recording notice only.
    before = said.split("Queue(", 1)[0]
    assert "hotline/emergency" not in before


async def test_waiting_callers_hear_their_position(controller, settings, asterisk):
    shipped = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    texts = {k: v for k, v in shipped.prompts.items() if k.startswith("queue_")}
    announcing = settings.with_overrides(prompts={**settings.prompts, **texts},
                                         queue_announce_every=4, queue_emergency_every=0)
    await no_seat_free(controller, asterisk)
    with queue_heard(asterisk, settings, announcing, texts) as log:
        first = place_call(settings, "13100131001", hold_ms=16000)
        await asyncio.sleep(1.5)
        second = place_call(settings, "13100131002", hold_ms=14000)
        await finish(first)
        await finish(second)
        rows = await stored_calls(controller, 2)
    said = log.read_text()
    assert {r.disposition for r in rows} == {"abandoned_queue"}
    # The second caller: "您现在排在第" "二" "位。"; the first: "您已排在第一位".
    assert "hotline/queue_thereare" in said and "'digits/2" in said
    assert "hotline/queue_callswaiting" in said and "hotline/queue_youarenext" in said


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_menu_9_puts_an_emergency_ahead_and_menu_6_names_other_hotlines(
        settings, asterisk, store_url):
    c = standalone_controller(settings.with_overrides(store_url=store_url, menu_enabled=True),
                              grace=1.0)
    other = {"other_hotlines": "消费投诉请拨一二三一五。"}
    # By day an emergency also calls the roster's duty officer (config/duty.toml of the tests).
    duty_phone = simulate.seat_phone(settings.trunk_sandbox_out_port, ports.media(60))
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        with queue_heard(asterisk, settings, settings, other) as log:
            # No seat answers. The first caller chooses 1 and waits; the second presses 6, is
            # told where to call, then 9 (the menu again): an emergency, put first in line.
            waiting = place_call(settings, "13000130001", hold_ms=20000, key="1",
                                 key_after_ms=5000)
            await asyncio.sleep(4)
            urgent = place_call(settings, "13000130002", hold_ms=16000, key="6",
                                key_after_ms=5000, then_key="9", then_after_ms=4500)
            await finish(waiting)
            await finish(urgent)
            rows = {r.caller_number: r for r in await stored_calls(c, 2)}
        said = log.read_text()
        assert "hotline/other_hotlines" in said
        first, second = rows["13000130001"], rows["13000130002"]
        assert (first.ivr_choice, second.ivr_choice) == ("1", "6")
        joins = {r.caller_number: [e for e in c.call_log.trail(r.linkedid)
                                   if e.get("Event") == "QueueCallerJoin"]
                 for r in rows.values()}
        (a,), (b,) = joins["13000130001"], joins["13000130002"]
        assert float(a["Timestamp"]) < float(b["Timestamp"])  # the emergency came later
        assert b["Position"] == "1"  # and went ahead of the caller already waiting
        choices = [e["Choice"] for e in c.call_log.trail(second.linkedid)
                   if e.get("Event") == "UserEvent" and e.get("Fact") == "ivr"]
        assert choices == ["6", "9"]
        assert simulate.dialled_numbers(duty_phone) == ["13900000011"]  # once
    finally:
        await c.stop()
        duty_phone.stop()
        wait_port_free(settings.trunk_sandbox_out_port)
