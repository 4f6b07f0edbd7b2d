"""The desk's actions on the line replayed from traces of the real sandbox (tests/traces/,
captured with --capture-traces by test_conference_e2e and test_callbacks_e2e): a three-way
call and the agent leaving it, a blind transfer to a unit, an attended transfer cancelled
then completed, a missed call called back. CallControl and the callback placer meet the
events Asterisk sent and must send the same actions, tell the desk the same outcomes and put
the same facts in the call's trail, in milliseconds and without Asterisk. Each request is
given just before the event that answers it, and that event is fed only once the line sent
the action it answers."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from callcenter.domain.callbacks import CallbackRequest, CallbackState
from callcenter.domain.calls import call_of_leg
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.client import Reply
from callcenter.telephony.callback_placer import CallbackPlacer
from callcenter.telephony.desk.control import CallControl
from callcenter.telephony.line_config import LineConfig, SeatLine

TRACES = Path(__file__).parent / "traces"
UNIT_NUMBER = "02422221111"
CONFIG = LineConfig(
    number="12345", trunk="pstn",
    seats=(SeatLine("8001", "PJSIP/seat8001", (("hotline", 0),)),
           SeatLine("8002", "PJSIP/seat8002", (("hotline", 0),))),
    seat_ring_s=5, unit_ring_s=8, outside_ring_s=25, wrapup_s=0, auto_pause_after=0,
    recordings_root="/var/spool/asterisk/hotline-rec", tz=ZoneInfo("Asia/Shanghai"),
    unmanaged_ready=True, auto_callbacks=False)


class Line:
    """The AMI port: every action answered Success, and remembered."""

    def __init__(self) -> None:
        self.sent: list[Action] = []

    async def send(self, action: Action, timeout: float = 10.0) -> Reply:
        self.sent.append(action)
        return Reply({"Response": "Success"})

    def fields(self, name: str) -> list[dict[str, str]]:
        return [dict(a.fields) for a in self.sent if a.name == name]


class Desk:
    """The desk's stored requests: what the controller takes, and what it writes back."""

    def __init__(self) -> None:
        self.queued: list[DeskRequest] = []
        self.written: list[tuple[int, RequestState, str, str]] = []
        self.listens: list[str] = []

    def ask(self, request_id: int, seat: str, command: str, target: str) -> None:
        self.queued.append(DeskRequest(request_id, seat, command, target, "supervisor:b",
                                       datetime(2026, 12, 6, tzinfo=UTC),
                                       RequestState.PENDING, "", ""))

    def take(self, limit: int = 20) -> list[DeskRequest]:
        taken, self.queued = self.queued, []
        return taken

    def abandon_working(self) -> int:
        return 0

    def listen_started(self, request: DeskRequest, call: str, channel_id: str) -> None:
        self.listens.append(channel_id)

    def listen_ended(self, channel_id: str) -> None:
        self.listens.remove(channel_id)

    def numbers(self, unit_code: str) -> list[str]:
        return [UNIT_NUMBER] if unit_code == "hexie-property" else []

    def write(self, request_id: int, state: RequestState, detail: str, call: str = "") -> None:
        self.written.append((request_id, state, detail, call))

    def outcome(self, request_id: int) -> RequestState | None:
        states = [s for i, s, _, _ in self.written if i == request_id]
        return states[-1] if states and states[-1] in (RequestState.DONE,
                                                       RequestState.FAILED) else None


async def until(check, what: str, timeout: float = 10.0) -> None:
    """The line's steps run in threads (the store): on a busy machine they take a while."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


@dataclass(frozen=True)
class Step:
    """A desk request issued just before the trace's event that answers it; the action the
    line must have sent before that event is fed."""

    command: str
    target: str
    before: Callable[[dict[str, str]], bool]
    sent: Callable[[Line], bool] = lambda line: True


def first_of(leg: str) -> Callable[[dict[str, str]], bool]:
    return lambda e: e.get("Uniqueid") == leg


def hangup_of(channel: str) -> Callable[[dict[str, str]], bool]:
    return lambda e: e.get("Event") == "Hangup" and e.get("Channel") == channel


def originated(leg: str) -> Callable[[Line], bool]:
    return lambda line: any(a.get("ChannelId") == leg for a in line.fields("Originate"))


def hung_up(channel: str) -> Callable[[Line], bool]:
    return lambda line: any(a.get("Channel") == channel for a in line.fields("Hangup"))


@dataclass
class Replayed:
    line: Line
    desk: Desk
    control: CallControl
    left: list[str]  # the seats whose after-call work began (they left a conference)


async def replay(trace: str, seat: str, steps: list[Step]) -> Replayed:
    """Feed the trace's events (not the facts the real controller made) to a CallControl,
    issuing each step's request before the event that answers it."""
    events = json.loads((TRACES / trace).read_text("utf-8"))
    line, desk = Line(), Desk()
    injected: list[dict[str, str]] = []
    control = CallControl(CONFIG, line, desk, injected.append)
    left: list[str] = []
    control.on_seat_left = left.append
    todo = list(enumerate(steps, start=1))
    for e in events:
        if e.get("Origin") == "controller":
            continue
        while todo and todo[0][1].before(e):
            number, step = todo.pop(0)
            if number > 1:  # one request at a time, as an agent gives them
                await until(lambda n=number: desk.outcome(n - 1) is not None,
                            f"request {number - 1}'s outcome")
            desk.ask(number, seat, step.command, step.target)
            await control.poll()
            await until(lambda s=step: s.sent(line), f"the action of {step.command}")
        leg = e.get("Uniqueid", "")
        if call_of_leg(leg) is not None:
            # A leg the line places exists only once its Originate was sent.
            await until(lambda leg=leg: originated(leg)(line), f"the Originate of {leg}")
        control.on_event(e)
        await asyncio.sleep(0)
    assert not todo, f"steps never reached: {[s.command for _, s in todo]}"
    await until(lambda: desk.outcome(len(steps)) is not None, "the last request's outcome")
    await control.stop()
    ours = [e for e in events if e.get("Origin") == "controller"]
    keys = ("Fact", "Leg", "Unit", "Number", "Target", "Uniqueid", "Linkedid")
    # The facts the line put in the call's trail are the ones the real controller did.
    assert [{k: f.get(k) for k in keys} for f in injected] == \
        [{k: f.get(k) for k in keys} for f in ours]
    return Replayed(line, desk, control, left)


def outcomes(desk: Desk) -> list[tuple[int, str, str]]:
    return [(i, s.value, d) for i, s, d, _ in desk.written]


async def test_a_three_way_call_and_the_agent_leaving_replayed():
    call, seat_channel = "1796593700.0", "PJSIP/seat8001-00000001"
    r = await replay("conference_then_leave.json", "8001", [
        Step("conference", "hexie-property", first_of(f"{call}-unit1"),
             originated(f"{call}-unit1")),
        Step("leave", "", hangup_of(seat_channel), hung_up(seat_channel))])
    redirect, = r.line.fields("Redirect")
    assert (redirect["Channel"], redirect["Context"], redirect["Exten"]) == (
        "PJSIP/anonymous-00000000", "hotline-conf-citizen", call)
    assert (redirect["ExtraChannel"], redirect["ExtraContext"]) == (seat_channel,
                                                                    "hotline-conf-seat")
    originate, = r.line.fields("Originate")
    assert (originate["Channel"], originate["Context"], originate["Exten"]) == (
        f"PJSIP/{UNIT_NUMBER}@pstn", "hotline-conf-unit", call)
    # The seat's channel for the leave; then the unit's leg, which outlived the citizen.
    assert [h["Channel"] for h in r.line.fields("Hangup")] == [seat_channel,
                                                             "PJSIP/pstn-00000002"]
    assert outcomes(r.desk) == [
        (1, "working", f"dialling unit hexie-property at {UNIT_NUMBER}"),
        (1, "done", f"connected: unit hexie-property answered at {UNIT_NUMBER}"),
        (2, "done", "left: the citizen and the unit stay connected")]
    assert r.left == ["8001"]
    assert r.control.by_seat == {} and r.control.by_call == {}


async def test_a_blind_transfer_to_a_unit_replayed():
    call = "1796593770.0"
    r = await replay("blind_transfer_to_unit.json", "8001", [
        # The citizen is moved alone; the seat's hang-up is Asterisk's answer to the move.
        Step("transfer", "unit:hexie-property", hangup_of("PJSIP/seat8001-00000001"),
             lambda line: bool(line.fields("Redirect")))])
    redirect, = r.line.fields("Redirect")
    assert (redirect["Channel"], redirect["Context"], redirect.get("ExtraChannel", "")) == (
        "PJSIP/anonymous-00000000", "hotline-conf-citizen", "")
    originate, = r.line.fields("Originate")
    assert originate["ChannelId"] == f"{call}-unit1"
    assert outcomes(r.desk)[-1] == (
        1, "done", f"connected: unit hexie-property answered at {UNIT_NUMBER}")
    assert "8001" not in r.control.by_seat and r.control.by_call == {}


async def test_an_attended_transfer_that_cancels_then_completes_replayed():
    call, first, consulted = "1796593787.5", "PJSIP/seat8002-00000004", "PJSIP/seat8001-00000005"
    r = await replay("attended_transfer.json", "8002", [
        Step("complete", "", first_of(f"{call}-consult1")),  # nothing to complete yet
        Step("consult", "seat:8001", first_of(f"{call}-consult1"),
             originated(f"{call}-consult1")),
        Step("cancel", "", hangup_of(consulted), hung_up(consulted)),
        Step("consult", "seat:8001", first_of(f"{call}-consult2"),
             originated(f"{call}-consult2")),
        Step("complete", "", hangup_of(first), hung_up(first))])
    assert outcomes(r.desk) == [
        (1, "failed", "complete.no_consult: no consultation under way"),
        (2, "done", "consulting seat 8001: complete or cancel"),
        (3, "done", "cancelled: the citizen is back with the agent"),
        (4, "done", "consulting seat 8001: complete or cancel"),
        (5, "done", "transferred: the citizen is with seat 8001")]
    # The citizen on hold, then back in the conference after the cancel, and again after
    # the second consultation's complete.
    assert [r["Context"] for r in r.line.fields("Redirect")] == [
        "hotline-hold", "hotline-conf-citizen", "hotline-hold", "hotline-conf-citizen"]
    assert r.left == ["8002"]
    # The citizen's own hang-up ended it with the second seat: that seat's leg is hung up.
    assert [h["Channel"] for h in r.line.fields("Hangup")] == [
        consulted, first, "PJSIP/seat8001-00000006"]


class Callbacks:
    """The stored callbacks: one missed call to call back from seat 8001."""

    def __init__(self, request: CallbackRequest) -> None:
        self.queued = [request]
        self.written: list[tuple[str, CallbackState, str]] = []

    def take(self, limit: int = 20) -> list[CallbackRequest]:
        taken, self.queued = self.queued, []
        return taken

    def abandon_placing(self) -> int:
        return 0

    def place_due(self) -> list[str]:
        return []

    def write(self, channel_id: str, state: CallbackState, detail: str = "") -> bool:
        self.written.append((channel_id, state, detail))
        return True


async def test_a_missed_call_called_back_replayed():
    """The seat's phone rings first, then the citizen's; the dialplan's callback fact says
    how it went (tests/traces/callback_answered.json, test_callbacks_e2e)."""
    call = "1796594003.0"
    leg = f"{call}-callback1"
    store = Callbacks(CallbackRequest(1, call, "13800138061", "8001", "supervisor:b",
                                      datetime(2026, 12, 6, tzinfo=UTC), CallbackState.PENDING,
                                      "", leg))
    line = Line()
    placer = CallbackPlacer(CONFIG, line, store)
    for e in json.loads((TRACES / "callback_answered.json").read_text("utf-8")):
        if e.get("Uniqueid", "").startswith(leg) and not line.sent:
            await placer.poll()  # the desk asked; the leg exists once the line places it
        placer.on_event(e)
        await asyncio.sleep(0)
    await until(lambda: store.written, "the callback's outcome")
    originate, = line.fields("Originate")
    assert (originate["Channel"], originate["Context"], originate["Exten"],
            originate["ChannelId"], originate["CallerID"]) == (
        "PJSIP/seat8001", "hotline-callback", "13800138061", leg, '"回拨 138****8061" <12345>')
    assert originate["Variable"].startswith("CC_CALLBACK_REC=/var/spool/asterisk/hotline-rec/")
    assert store.written == [(leg, CallbackState.ANSWERED, "citizen: ANSWER")]
