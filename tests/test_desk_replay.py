"""The desk's actions on the line replayed from a trace of the real sandbox: CallControl
meets the events Asterisk sent during a three-way call and the agent leaving it
(tests/traces/conference_then_leave.json, captured by test_conference_e2e's
`test_citizen_seat_and_unit_talk_then_the_agent_leaves` with --capture-traces), and must
send the same actions and tell the desk the same outcomes, in milliseconds and without
Asterisk. An event that answers one of our actions is fed only once the action was sent."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.client import Reply
from callcenter.telephony.desk.control import CallControl
from callcenter.telephony.line_config import LineConfig, SeatLine

TRACE = json.loads((Path(__file__).parent / "traces" / "conference_then_leave.json")
                   .read_text("utf-8"))
CALL = "1796593700.0"
LEG = f"{CALL}-unit1"
SEAT_CHANNEL = "PJSIP/seat8001-00000001"
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

    def ask(self, request_id: int, command: str, target: str) -> None:
        self.queued.append(DeskRequest(request_id, "8001", command, target, "supervisor:b",
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


async def until(check, what: str) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_three_way_call_and_the_agent_leaving_replayed():
    line, desk = Line(), Desk()
    injected: list[dict[str, str]] = []
    control = CallControl(CONFIG, line, desk, injected.append)
    left: list[str] = []
    control.on_seat_left = left.append
    ours = [e for e in TRACE if e.get("Origin") == "controller"]
    events = [e for e in TRACE if e.get("Origin") != "controller"]
    joined = next(i for i, e in enumerate(events) if e.get("Event") == "AgentConnect")
    for e in events[:joined + 1]:
        control.on_event(e)
    assert control.by_seat["8001"].seat_channel == SEAT_CHANNEL

    desk.ask(1, "conference", "hexie-property")
    await control.poll()
    for e in events[joined + 1:]:
        if e.get("Event") == "Hangup" and e.get("Channel") == SEAT_CHANNEL:
            # The agent leaves once the three are talking; the seat's hang-up is its answer.
            await until(lambda: desk.outcome(1) is not None, "the conference's outcome")
            desk.ask(2, "leave", "")
            await control.poll()
            await until(lambda: line.fields("Hangup"), "the leave's hang-up")
        if e.get("Uniqueid", "").startswith(LEG):
            # The unit's leg exists only once we asked for it.
            await until(lambda: line.fields("Originate"), "the unit's Originate")
        control.on_event(e)
        await asyncio.sleep(0)
    await until(lambda: desk.outcome(2) is not None, "the leave's outcome")

    redirect, = line.fields("Redirect")
    assert (redirect["Channel"], redirect["Context"], redirect["Exten"]) == (
        "PJSIP/anonymous-00000000", "hotline-conf-citizen", CALL)
    assert (redirect["ExtraChannel"], redirect["ExtraContext"]) == (SEAT_CHANNEL,
                                                                    "hotline-conf-seat")
    originate, = line.fields("Originate")
    assert (originate["Channel"], originate["Context"], originate["Exten"],
            originate["ChannelId"]) == (f"PJSIP/{UNIT_NUMBER}@pstn", "hotline-conf-unit", CALL,
                                        LEG)
    # The seat's channel for the leave; then the unit's leg, which outlived the citizen.
    assert [h["Channel"] for h in line.fields("Hangup")] == [SEAT_CHANNEL,
                                                             "PJSIP/pstn-00000002"]
    assert [(i, s.value, d) for i, s, d, _ in desk.written] == [
        (1, "working", f"dialling unit hexie-property at {UNIT_NUMBER}"),
        (1, "done", f"connected: unit hexie-property answered at {UNIT_NUMBER}"),
        (2, "done", "left: the citizen and the unit stay connected")]
    # The fact the line put in the call's trail is the one the real controller did.
    assert [{k: e[k] for k in ("Fact", "Leg", "Unit", "Number", "Uniqueid", "Linkedid")}
            for e in injected] == [
        {k: e[k] for k in ("Fact", "Leg", "Unit", "Number", "Uniqueid", "Linkedid")}
        for e in ours]
    assert left == ["8001"] and control.by_seat == {} and control.by_call == {}
    await control.stop()
