"""Three-way calls (三方通话) on the real sandbox: citizen, seat and the responsible unit in one
ConfBridge conference; the agent leaves and citizen and unit go on talking; one call record,
with the unit's leg and its own recording. A unit that does not answer leaves the citizen with
the agent, and the desk reads why."""

from __future__ import annotations

import array
import asyncio
import datetime as dt
import wave
from pathlib import Path

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from process_support import reconcile
from sqlalchemy import select
from tickets_support import CTX, FORM, hotline_over

from callcenter import simulate
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.units import Unit
from callcenter.services.desk_calls import DeskCalls, RequestView
from callcenter.services.errors import Forbidden, NotFound
from callcenter.services.screen_pop import ScreenPop, ScreenPopView
from callcenter.services.units import UnitsDirectory
from callcenter.storage.tables import LegRow, PartyRow, RecordingRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")
UNIT = Unit("hexie-property", "和谐物业公司", phone="024-2222 1111", duty_phone="13900000001")


def loudness(path: Path, start_s: float = 0.0, end_s: float | None = None) -> float:
    """Mean absolute sample value of a 16-bit WAV between two times (0: silence)."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        w.setpos(min(int(start_s * rate), w.getnframes()))
        frames = w.readframes((int(end_s * rate) if end_s else w.getnframes())
                              - int(start_s * rate))
    samples = array.array("h", frames)
    return sum(abs(s) for s in samples) / max(len(samples), 1)


def desk_calls(controller, settings) -> DeskCalls:
    engine = controller.call_log.uow.engine
    UnitsDirectory(UnitsOfWork(engine)).replace([UNIT], [])
    return DeskCalls(UnitsOfWork(engine), [s.id for s in settings.seats])


async def settled(calls: DeskCalls, request: RequestView, timeout: float = 40
                  ) -> RequestView:
    for _ in range(int(timeout / 0.2)):
        view = calls.get(request["id"], LEADER)
        if view["state"] in ("done", "failed"):
            return view
        await asyncio.sleep(0.2)
    raise AssertionError(f"request still {view}")


async def answered_seat(controller) -> str:
    await until(lambda: controller.control.by_seat, timeout=30)
    return str(next(iter(controller.control.by_seat)))


@pytest.fixture
def unit_phone(settings, asterisk):
    phone = simulate.seat_phone(settings.trunk_sandbox_out_port, ports.media(10))
    yield phone
    phone.stop()
    wait_port_free(settings.trunk_sandbox_out_port)


@pytest.fixture
def busy_unit(settings, asterisk):
    phone = simulate.busy_phone(settings.trunk_sandbox_out_port)
    yield phone
    phone.stop()
    wait_port_free(settings.trunk_sandbox_out_port)


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_citizen_seat_and_unit_talk_then_the_agent_leaves(controller, seat_phones,
                                                                unit_phone, settings,
                                                                sandbox_home):
    since = dt.datetime.now(dt.UTC).isoformat()
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138031", hold_ms=24000)
    seat = await answered_seat(controller)
    # The screen pop: the call stored under way at the answer, with the seat.
    pop = ScreenPop(controller.call_log.uow, CTX, [s.id for s in settings.seats])

    def popped() -> ScreenPopView | None:
        try:
            return pop.pop(seat, LEADER)
        except NotFound:
            return None

    await until(popped, timeout=5)
    shown = popped()
    assert shown is not None and shown["number"] == "138****8031"
    assert shown["form"]["call"] == shown["call"]

    asked = calls.request(seat, "conference", UNIT.code, LEADER)
    done = await settled(calls, asked)
    assert done["state"] == "done", done
    assert done["detail"] == "connected: unit hexie-property answered at 02422221111"
    assert simulate.dialled_numbers(unit_phone) == ["02422221111"]
    await asyncio.sleep(4)  # the three talk

    left = await settled(calls, calls.request(seat, "leave", "", LEADER))
    assert left["state"] == "done", left
    await until(lambda: seat not in controller.control.by_seat, timeout=5)
    # Citizen and unit stay connected: the citizen's own BYE ends the call (SIPp would fail on
    # a BYE from the line).
    await finish(call)

    (row,) = await stored_calls(controller, 1)
    assert row.disposition == "answered" and row.seat == seat
    assert row.hung_up_by == "citizen"
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        (party,) = uow.session.scalars(select(PartyRow)).all()
        recs = {r.kind: r for r in uow.session.scalars(select(RecordingRow))}
    assert (party.leg, party.unit, party.number, party.outcome) == (
        "unit1", "hexie-property", "02422221111", "answered")
    assert party.answered_at is not None and party.ended_at is not None
    assert (party.ended_at - party.answered_at).total_seconds() > 8
    # One record; the recordings cover the whole call, the unit as its own speaker.
    assert set(recs) == {"mix", "citizen", "seat", "unit1", "unit1-mix"}, recs
    assert all(not r.error for r in recs.values()), {k: r.error for k, r in recs.items()}
    root = settings.recording_root
    talk = (row.ended_at - row.answered_at).total_seconds()
    assert recs["citizen"].duration_s > talk - 3
    assert recs["unit1"].offset_s > 0 and recs["unit1"].path.endswith("-unit1.wav")
    # RTP on every leg: the unit's phone echoes what it hears, so its own voice carries the
    # citizen's audio; after the agent left, the citizen hears the unit alone.
    assert loudness(root / recs["unit1"].path) > 50
    end = recs["seat"].duration_s
    assert loudness(root / recs["seat"].path, end - 3.5, end - 0.5) > 50
    assert {g.role for g in row.legs} == {"citizen", "seat", "unit"}
    # A ticket registered from the call carries the leg.
    tickets = hotline_over(controller.call_log.uow.engine).tickets
    tid = tickets.register(FORM, LEADER, row.linkedid)
    (leg,) = tickets.get(tid, LEADER)["conference_legs"]
    assert (leg["call"], leg["unit"], leg["outcome"]) == (row.linkedid, UNIT.code, "answered")
    assert leg["talk_s"] > 8
    # Asterisk's account: one citizen's call (the unit's leg is part of it), stored once.
    url = controller.call_log.uow.engine.url.render_as_string(False).replace("+psycopg", "")
    found = reconcile(sandbox_home, url, since)
    assert found["ok"] and found["citizen_calls"] == 1, found


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_unit_that_does_not_answer_leaves_the_citizen_with_the_agent(
        controller, seat_phones, busy_unit, settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138032", hold_ms=16000)
    seat = await answered_seat(controller)

    failed = await settled(calls, calls.request(seat, "conference", UNIT.code, LEADER))
    assert failed["state"] == "failed"
    assert failed["detail"].startswith("conference.no_answer: unit hexie-property did not "
                                       "answer at 02422221111, 13900000001")
    assert simulate.dialled_numbers(busy_unit) == ["02422221111", "13900000001"]
    # Back with the agent: the seat is still on the call, and leaving is refused.
    assert seat in controller.control.by_seat
    refused = await settled(calls, calls.request(seat, "leave", "", LEADER))
    assert refused["detail"].startswith("leave.no_unit")
    await finish(call)

    (row,) = await stored_calls(controller, 1)
    assert row.hung_up_by == "citizen"
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        parties = uow.session.scalars(select(PartyRow).order_by(PartyRow.leg)).all()
    assert [(p.leg, p.number, p.outcome) for p in parties] == [
        ("unit1", "02422221111", "busy"), ("unit2", "13900000001", "busy")]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_blind_transfer_to_another_seat_keeps_one_call_and_one_recording(
        controller, seat_phones, settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138033", hold_ms=16000)
    first = await answered_seat(controller)
    other = next(s.id for s in settings.seats if s.id != first)
    await asyncio.sleep(2)
    done = await settled(calls, calls.request(first, "transfer", f"seat:{other}", LEADER))
    assert done["state"] == "done", done
    await until(lambda: list(controller.control.by_seat) == [other], timeout=10)
    await finish(call)

    (row,) = await stored_calls(controller, 1)
    assert row.disposition == "answered" and row.seat == first
    seats = sorted(g.channel.split("-")[0] for g in row.legs if g.role == "seat")
    assert seats == sorted(f"PJSIP/seat{s}" for s in (first, other))
    trail = controller.call_log.trail(row.linkedid)
    assert [e["Target"] for e in trail if e.get("Fact") == "transfer"] == [f"seat:{other}"]
    talk = (row.ended_at - row.answered_at).total_seconds()
    assert row.talk_s == pytest.approx(talk, abs=0.5)  # not cut at the transfer
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        recs = {r.kind: r for r in uow.session.scalars(select(RecordingRow))}
    # Recorded across the transfer: both sides' files run to the end of the call, and the
    # second seat's leg lasted from the transfer to the end.
    assert recs["citizen"].duration_s > talk - 2.5 and recs["seat"].duration_s > talk - 2.5
    second = next(g for g in row.legs if g.channel.startswith(f"PJSIP/seat{other}"))
    assert (row.ended_at - second.ended_at).total_seconds() < 1.5
    assert (second.started_at - row.answered_at).total_seconds() > 1.5


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_blind_transfer_to_a_unit_not_answering_puts_the_citizen_back_in_line(
        controller, seat_phones, busy_unit, settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138034", hold_ms=22000)
    first = await answered_seat(controller)
    failed = await settled(calls, calls.request(first, "transfer", f"unit:{UNIT.code}",
                                                LEADER))
    assert failed["state"] == "failed"
    assert failed["detail"].startswith("transfer.no_answer: unit hexie-property did not "
                                       "answer at 02422221111, 13900000001; the citizen is "
                                       "back in the queue")
    # Answered again by a seat, in the same call.
    await until(lambda: controller.control.by_seat, timeout=20)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    connects = [e for e in controller.call_log.trail(row.linkedid)
                if e.get("Event") == "AgentConnect"]
    assert len(connects) == 2 and row.disposition == "answered"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_blind_transfer_to_a_unit_lets_the_seat_go(controller, seat_phones, unit_phone,
                                                          settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138035", hold_ms=15000)
    first = await answered_seat(controller)
    done = await settled(calls, calls.request(first, "transfer", f"unit:{UNIT.code}", LEADER))
    assert done["state"] == "done" and done["detail"].startswith("connected"), done
    assert first not in controller.control.by_seat
    await finish(call)  # the citizen's own BYE: still talking to the unit until then
    (row,) = await stored_calls(controller, 1)
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        (party,) = uow.session.scalars(select(PartyRow)).all()
    assert party.outcome == "answered" and row.hung_up_by == "citizen"
    seat_leg = next(g for g in row.legs if g.role == "seat")
    assert seat_leg.ended_at < party.ended_at  # the agent was let go at once


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_supervisor_whispers_from_another_seat_and_it_is_audited(controller,
                                                                        seat_phones, settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138036", hold_ms=12000)
    seat = await answered_seat(controller)
    other = next(s.id for s in settings.seats if s.id != seat)
    with pytest.raises(Forbidden):
        calls.request(other, "listen", f"{seat}:whisper", Viewer(Role.AGENT, "zhang"))
    done = await settled(calls, calls.request(other, "listen", f"{seat}:whisper", LEADER))
    assert done["state"] == "done" and done["detail"] == f"whisper: seat {seat}", done
    await finish(call)  # the citizen hangs up; the whisper ends with the call (E)
    (row,) = await stored_calls(controller, 1)
    await until(lambda: calls.listening(LEADER)[0]["ended_at"] is not None, timeout=10)
    (audit,) = calls.listening(LEADER)
    assert (audit["actor"], audit["from_seat"], audit["seat"], audit["call"],
            audit["mode"]) == ("supervisor:banzhang", other, seat, row.linkedid, "whisper")
    assert audit["seconds"] > 1
    with pytest.raises(Forbidden):
        calls.listening(Viewer(Role.AGENT, "zhang"))
    await until(lambda: "spy" in {g.role for g in stored_legs(controller)}, timeout=10)


def stored_legs(controller) -> list[LegRow]:
    with UnitOfWork(controller.call_log.uow.engine, read_only=True) as uow:
        return list(uow.session.scalars(select(LegRow)))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_an_attended_transfer_consults_cancels_then_completes(controller, seat_phones,
                                                                   settings):
    calls = desk_calls(controller, settings)
    call = place_call(settings, "13800138037", hold_ms=30000)
    first = await answered_seat(controller)
    other = next(s.id for s in settings.seats if s.id != first)
    refused = await settled(calls, calls.request(first, "complete", "", LEADER))
    assert refused["detail"].startswith("complete.no_consult")
    asked = await settled(calls, calls.request(first, "consult", f"seat:{other}", LEADER))
    assert asked["state"] == "done" and asked["detail"].startswith(f"consulting seat {other}")
    back = await settled(calls, calls.request(first, "cancel", "", LEADER))
    assert back["state"] == "done", back
    assert list(controller.control.by_seat) == [first]  # still the first seat's call
    again = await settled(calls, calls.request(first, "consult", f"seat:{other}", LEADER))
    assert again["state"] == "done", again
    done = await settled(calls, calls.request(first, "complete", "", LEADER))
    assert done["detail"] == f"transferred: the citizen is with seat {other}", done
    assert list(controller.control.by_seat) == [other]
    await finish(call)  # the citizen's own BYE: still talking to the second seat
    (row,) = await stored_calls(controller, 1)
    assert row.disposition == "answered" and row.hung_up_by == "citizen"
    roles = sorted(g.role for g in row.legs)
    assert roles.count("consult") == 2 and "seat" in roles
    assert row.talk_s == pytest.approx((row.ended_at - row.answered_at).total_seconds(),
                                       abs=0.5)
