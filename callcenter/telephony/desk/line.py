"""What the desk's actions on the line share: the live calls at seats, the AMI port, the
stored requests, and the steps every action is made of (move the citizen into the call's
conference, dial a unit's numbers, write back to the desk, put a fact in the call's trail)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter.contract.dialplan import (
    CC_UNIT_REC,
    CONTEXT_CONF_CITIZEN,
    CONTEXT_CONF_SEAT,
    CONTEXT_CONF_UNIT,
    Fact,
    conference_of,
)
from callcenter.domain import desk_calls as rules
from callcenter.domain.calls import party_leg_id, recording_relpath
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami import events
from callcenter.telephony.ami.client import AmiError, Reply
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.line_config import LineConfig

log = logging.getLogger(__name__)
JOINED = "joined"


class Sender(Protocol):
    async def send(self, action: ami_actions.Action, timeout: float = 10.0) -> Reply: ...


class Requests(Protocol):
    """The desk's stored requests (services/desk_calls.DeskCalls)."""

    def take(self, limit: int = 20) -> list[DeskRequest]: ...
    def abandon_working(self) -> int: ...
    def listen_started(self, request: DeskRequest, call: str, channel_id: str) -> None: ...
    def listen_ended(self, channel_id: str) -> None: ...
    def numbers(self, unit_code: str) -> list[str]: ...
    def write(self, request_id: int, state: RequestState, detail: str,
              call: str = "") -> None: ...


@dataclass
class LiveCall:
    """A citizen's answered call as the controller sees it on the line."""

    linkedid: str
    citizen: str                 # the citizen's channel name
    seat: str
    seat_channel: str
    conference: bool = False     # moved into the call's conference
    seat_in: bool = True
    dialling: bool = False
    legs: int = 0                # parties dialled so far (unit1, unit2 …)
    spies: int = 0               # listening legs placed (spy1, spy2 …)
    units_in: set[str] = field(default_factory=set)  # party legs in the conference now
    consulting: str = ""         # attended transfer: the consulted seat's leg (citizen on hold)


class Line:
    def __init__(self, config: LineConfig, ami: Sender, requests: Requests,
                 inject: Callable[[Message], None],
                 on_seat_left: Callable[[str], None] = lambda seat: None) -> None:
        self.config = config
        self.ami = ami
        self.requests = requests
        self.inject = inject            # puts a fact in the call's event stream
        self.on_seat_left = on_seat_left  # the seat's leg ended after a conference
        self.by_seat: dict[str, LiveCall] = {}
        self.by_call: dict[str, LiveCall] = {}
        self.recording: dict[str, str] = {}      # call -> its recording base (start fact)
        self.outcome: dict[str, asyncio.Future[str]] = {}  # party leg -> joined / ended
        self.party_channel: dict[str, str] = {}  # party leg -> its channel name
        self.listening: set[str] = set()  # listening legs under way, audited at their end
        self._tasks: set[asyncio.Task[None]] = set()

    def alone(self, live: LiveCall) -> None:
        """Nobody left with the citizen in the conference: the conversation is over."""
        if live.conference and not live.seat_in and not live.units_in and not live.dialling:
            self.spawn(self.send_quietly(ami_actions.hangup(live.citizen)))

    async def move(self, live: LiveCall, request: DeskRequest, with_seat: bool) -> bool:
        """The citizen (and the seat, unless let go) into the call's conference."""
        live.conference = True  # before the move: the queue's AgentComplete follows it
        reply = await self.ami.send(ami_actions.redirect(
            live.citizen, CONTEXT_CONF_CITIZEN, conference_of(live.linkedid),
            extra_channel=live.seat_channel if with_seat else "",
            extra_context=CONTEXT_CONF_SEAT, extra_exten=conference_of(live.linkedid)))
        if not reply.ok:
            live.conference = False
            await self.write(request, RequestState.FAILED,
                             f"{request.command}.move: "
                             f"{reply.response.get('Message', 'refused')}", live)
        return reply.ok

    async def reach_unit(self, live: LiveCall, request: DeskRequest, unit: str) -> bool:
        """The unit's numbers rung in turn into the call's conference; True once one joins."""
        numbers = await asyncio.to_thread(self.requests.numbers, unit)
        tried: list[str] = []
        for number in numbers:
            if live.legs >= rules.MAX_PARTIES:
                await self.write(request, RequestState.FAILED, rules.TOO_MANY, live)
                return False
            if live.linkedid not in self.by_call:
                await self.write(request, RequestState.FAILED, rules.CITIZEN_GONE, live)
                return False
            await self.write(request, RequestState.WORKING, rules.dialling(unit, number), live)
            if await self._dial(live, unit, number) == JOINED:
                await self.write(request, RequestState.DONE, rules.connected(unit, number), live)
                return True
            tried.append(number)
        await self.write(request, RequestState.FAILED,
                         rules.not_reached(unit, tried, request.command), live)
        return False

    async def _dial(self, live: LiveCall, unit: str, number: str) -> str:
        live.legs += 1
        leg = f"unit{live.legs}"
        uid = party_leg_id(live.linkedid, leg)
        self.fact(live, Fact.PARTY, uid, Leg=leg, Unit=unit, Number=number)
        waiting = self.expect(uid)
        ring = self.config.unit_ring_s
        try:
            reply = await self.ami.send(ami_actions.originate(
                self.config.outside(number), CONTEXT_CONF_UNIT, conference_of(live.linkedid),
                caller_id=self.config.caller_id, timeout_ms=ring * 1000,
                variables={CC_UNIT_REC: self._unit_recording(live, leg)}, channel_id=uid))
            if not reply.ok:
                return f"refused: {reply.response.get('Message', '')}"
            try:
                # Ringing, then the notice played to the unit before it joins.
                return await asyncio.wait_for(waiting, ring + 20)
            except TimeoutError:
                channel = self.party_channel.get(uid)
                if channel:
                    await self.send_quietly(ami_actions.hangup(channel))
                return "timeout"
        finally:
            self.outcome.pop(uid, None)

    def _unit_recording(self, live: LiveCall, leg: str) -> str:
        base = self.recording.get(live.linkedid, "")
        if not base or recording_relpath(base, self.config.recordings_root) is None:
            # Not seen (the controller started mid-call and the channel had none): the leg is
            # still recorded, beside the day's calls, under its own name.
            base = self.config.recording_base(live.linkedid, datetime.now(UTC))
        return f"{base}-{leg}"

    def expect(self, uid: str) -> asyncio.Future[str]:
        """The outcome of a leg the line places (joined, or why not), settled by its events."""
        waiting: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.outcome[uid] = waiting
        return waiting

    def settle(self, uid: str, outcome: str) -> None:
        waiting = self.outcome.get(uid)
        if waiting is not None and not waiting.done():
            waiting.set_result(outcome)

    def fact(self, live: LiveCall, fact: Fact, uid: str = "", **values: str) -> None:
        """A fact of the controller's own put in the call's event stream (and so its trail)."""
        self.inject(events.fact_event(fact, "controller", uid or live.linkedid, live.linkedid,
                                      **values))

    async def write(self, request: DeskRequest, state: RequestState, detail: str,
                    live: LiveCall | None = None) -> None:
        try:
            await asyncio.to_thread(self.requests.write, request.id, state, detail,
                                    live.linkedid if live is not None else "")
        except Exception:
            log.exception("writing back desk request %d failed", request.id)

    async def send_quietly(self, action: ami_actions.Action) -> None:
        """An action whose failure changes nothing for the desk: logged, not raised."""
        try:
            await self.ami.send(action)
        except (AmiError, TimeoutError) as exc:
            log.warning("%s: %s", action.name, exc)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
