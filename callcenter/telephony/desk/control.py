"""The desk's requests carried out on the line: three-way calls with the responsible unit.

For "conference UNIT" at a seat, the controller moves the citizen and the seat (one Redirect)
into a ConfBridge conference named after the call and dials the unit's numbers in turn
(Originate with a ChannelId naming the leg: <call>-unit<N>, so every event of the leg belongs
to the call from its first one). The first number that answers joins; when none does, the
citizen is still with the agent and the desk reads why. "leave" hangs up the seat's leg only:
citizen and unit go on talking. A citizen left alone (unit and agent gone) is hung up.

What was dialled is put in the call's own event stream as a fact (Fact: party), so the call's
record names the unit, the number and the outcome of each leg (domain/calls.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from callcenter.config import Settings
from callcenter.contract.dialplan import (
    CC_UNIT_REC,
    CONTEXT_CONF_CITIZEN,
    CONTEXT_CONF_SEAT,
    CONTEXT_CONF_UNIT,
    CONTEXT_HOLD,
    CONTEXT_REQUEUE,
    CONTEXT_TRANSFER_SEAT,
    Fact,
)
from callcenter.domain import desk_calls as rules
from callcenter.domain.calls import call_of_leg, party_leg_id, recording_relpath
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami import events
from callcenter.telephony.ami.client import AmiError, Reply
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of, seat_of_channel

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


class CallControl:
    # Events it reads, beyond the call tracker's.
    WANTS = frozenset({Ev.ORIGINATE_RESPONSE, Ev.CONFBRIDGE_JOIN, Ev.CONFBRIDGE_LEAVE})

    def __init__(self, settings: Settings, ami: Sender, requests: Requests,
                 inject: Callable[[Message], None],
                 on_seat_left: Callable[[str], None] = lambda seat: None) -> None:
        self.settings = settings
        self.ami = ami
        self.requests = requests
        self.inject = inject            # puts a fact in the call's event stream
        self.on_seat_left = on_seat_left  # the seat's leg ended after a conference
        self.by_seat: dict[str, LiveCall] = {}
        self.by_call: dict[str, LiveCall] = {}
        self._recording: dict[str, str] = {}      # call -> its recording base (start fact)
        self._outcome: dict[str, asyncio.Future[str]] = {}  # party leg -> joined / ended
        self._party_channel: dict[str, str] = {}  # party leg -> its channel name
        self._tasks: set[asyncio.Task[None]] = set()
        self._listening: set[str] = set()  # listening legs under way, audited at their end

    def in_conference(self, seat: str) -> bool:
        live = self.by_seat.get(seat)
        return live is not None and live.conference

    # -- what the line says -----------------------------------------------------------------
    def on_event(self, msg: Message) -> None:
        name = msg.get("Event", "")
        uid = msg.get("Uniqueid", "")
        if events.fact_of(msg) == Fact.START and msg.get("Recording"):
            self._recording[msg.get("Linkedid", "")] = msg["Recording"]
        elif name == Ev.AGENT_CONNECT and msg.get("MemberName"):
            self._connected(msg, msg["MemberName"])
        elif events.answered_dial(msg) and uid \
                and seat_of_channel(msg.get("DestChannel", "")) and uid == call_of(msg):
            # (An Originate's DialEnd has no caller: a seat rung by the controller, not one
            # the citizen was put through to.)
            # A seat rung directly (a transfer to it) answered the citizen.
            self._connected(msg, seat_of_channel(msg["DestChannel"]))
        elif name == Ev.NEWCHANNEL and call_of_leg(uid):
            self._party_channel[uid] = msg.get("Channel", "")
        elif name == Ev.CONFBRIDGE_JOIN and call_of_leg(uid):
            self._settle(uid, JOINED)
            party = call_of_leg(uid)
            joined = self.by_call.get(party[0]) if party else None
            if joined is not None:
                joined.units_in.add(uid)
        elif events.failed_originate(msg):
            self._settle(uid, f"failed: reason {msg.get('Reason', '?')}")
        elif name == Ev.HANGUP:
            self._hung_up(uid, msg.get("Channel", ""), msg.get("Cause", ""))

    def _connected(self, msg: Message, seat: str) -> None:
        live = LiveCall(msg.get("Linkedid", ""), msg.get("Channel", ""), seat,
                        msg.get("DestChannel", ""))
        before = self.by_call.get(live.linkedid)
        if before is not None and before.seat != seat and self.by_seat.get(before.seat) is before:
            del self.by_seat[before.seat]  # transferred away from that seat
        self.by_seat[seat] = live
        self.by_call[live.linkedid] = live

    def _settle(self, uid: str, outcome: str) -> None:
        waiting = self._outcome.get(uid)
        if waiting is not None and not waiting.done():
            waiting.set_result(outcome)

    def _hung_up(self, uid: str, channel: str, cause: str) -> None:
        if uid in self._listening:
            self._listening.discard(uid)
            self._spawn(asyncio.to_thread(self.requests.listen_ended, uid))
            return
        party = call_of_leg(uid)
        if party is not None:
            self._settle(uid, f"ended: cause {cause}")
            self._party_channel.pop(uid, None)
            live = self.by_call.get(party[0])
            if live is not None:
                live.units_in.discard(uid)
                if channel == live.seat_channel and live.seat_in:
                    self._seat_gone(live)  # a seat taken over by an attended transfer
                else:
                    self._alone(live)
            return
        lid = next((c for c, live in self.by_call.items() if channel == live.citizen), None)
        if lid is not None:
            live = self.by_call.pop(lid)
            self._recording.pop(lid, None)
            if self.by_seat.get(live.seat) is live:
                del self.by_seat[live.seat]
            if live.conference and live.seat_in:
                self._spawn(self._send(ami_actions.hangup(live.seat_channel)))
            # Still ringing a unit for a citizen who has gone, or a seat consulted: stop it.
            for leg, ch in list(self._party_channel.items()):
                of = call_of_leg(leg)
                if of is not None and of[0] == lid and ch:
                    self._spawn(self._send(ami_actions.hangup(ch)))
            return
        for live in list(self.by_call.values()):
            if channel and channel == live.seat_channel and live.seat_in:
                self._seat_gone(live)

    def _seat_gone(self, live: LiveCall) -> None:
        live.seat_in = False
        if self.by_seat.get(live.seat) is live:
            del self.by_seat[live.seat]
        if live.conference:
            self.on_seat_left(live.seat)
            self._alone(live)

    def _alone(self, live: LiveCall) -> None:
        """Nobody left with the citizen in the conference: the conversation is over."""
        if live.conference and not live.seat_in and not live.units_in and not live.dialling:
            self._spawn(self._send(ami_actions.hangup(live.citizen)))

    # -- what the desk asks -----------------------------------------------------------------
    async def start(self) -> None:
        try:
            left = await asyncio.to_thread(self.requests.abandon_working)
        except Exception:
            log.exception("failing the desk's requests left half done")
            return
        if left:
            log.warning("%d desk requests left half done by a stopped controller: failed", left)

    async def poll(self) -> None:
        try:
            taken = await asyncio.to_thread(self.requests.take)
        except Exception:
            log.exception("reading the desk's requests failed")
            return
        for request in taken:
            self._spawn(self._carry_out(request))

    async def _carry_out(self, request: DeskRequest) -> None:
        try:
            # Listening in is from the supervisor's seat onto another seat's call.
            at = request.target.partition(":")[0] if request.command == "listen" \
                else request.seat
            live = self.by_seat.get(at)
            if live is None:
                await self._write(request, RequestState.FAILED, rules.NO_CALL)
            elif request.command == "conference":
                await self._conference(live, request)
            elif request.command == "transfer":
                await self._transfer(live, request)
            elif request.command == "leave":
                await self._leave(live, request)
            elif request.command == "listen":
                await self._listen(live, request)
            elif request.command == "consult":
                await self._consult(live, request)
            elif request.command in ("complete", "cancel"):
                await self._finish_consult(live, request)
            else:
                await self._write(request, RequestState.FAILED,
                                  f"desk.command: {request.command!r} is not carried out here")
        except (AmiError, TimeoutError) as exc:
            await self._write(request, RequestState.FAILED, f"line: {exc}")
        except Exception:
            log.exception("desk request %d failed", request.id)
            await self._write(request, RequestState.FAILED, "line: internal error (logged)")

    async def _conference(self, live: LiveCall, request: DeskRequest) -> None:
        if live.dialling:
            return await self._write(request, RequestState.FAILED, rules.ALREADY, live)
        live.dialling = True
        try:
            if live.conference or await self._move(live, request, with_seat=True):
                await self._reach_unit(live, request, request.target)
        finally:
            live.dialling = False
            self._alone(live)

    async def _transfer(self, live: LiveCall, request: DeskRequest) -> None:
        """Blind transfer (即时转接): the seat is let go at once; a unit's phone, another seat,
        or the queue takes the citizen. Nobody reached: the citizen goes back to the queue,
        ahead of those waiting. The call stays one call, recorded throughout."""
        kind, _, target = request.target.partition(":")
        if live.dialling or live.conference:
            return await self._write(request, RequestState.FAILED, rules.ALREADY, live)
        self._fact(live, Fact.TRANSFER, Target=request.target)
        if kind == "unit":
            live.dialling = True
            try:
                if await self._move(live, request, with_seat=False) and \
                        not await self._reach_unit(live, request, target) and \
                        live.linkedid in self.by_call:
                    live.conference = False  # not left alone: back in line
                    await self._send(ami_actions.redirect(live.citizen, CONTEXT_REQUEUE, "s"))
            finally:
                live.dialling = False
                self._alone(live)
            return None
        context, exten = (CONTEXT_TRANSFER_SEAT, target) if kind == "seat" \
            else (CONTEXT_REQUEUE, "s")
        if kind == "seat" and target not in {s.id for s in self.settings.seats}:
            return await self._write(request, RequestState.FAILED,
                                     f"transfer.seat: no seat {target!r}", live)
        reply = await self.ami.send(ami_actions.redirect(live.citizen, context, exten))
        if not reply.ok:
            return await self._write(request, RequestState.FAILED,
                                     f"transfer: {reply.response.get('Message', 'refused')}",
                                     live)
        await self._write(request, RequestState.DONE, rules.transferred(request.target), live)

    async def _consult(self, live: LiveCall, request: DeskRequest) -> None:
        """Attended transfer (咨询转接): the citizen waits on hold while the agent talks with
        another seat in the call's conference; then `complete` hands the citizen over, or
        `cancel` brings them back to the agent."""
        target = request.target.removeprefix("seat:")
        other = next((s for s in self.settings.seats if s.id == target), None)
        if other is None or target == live.seat:
            return await self._write(request, RequestState.FAILED,
                                     f"consult.seat: {target!r} is not another seat", live)
        if live.dialling or live.consulting or (live.conference and not live.seat_in):
            return await self._write(request, RequestState.FAILED, rules.ALREADY, live)
        if live.legs >= rules.MAX_PARTIES:
            return await self._write(request, RequestState.FAILED, rules.TOO_MANY, live)
        # The citizen on hold and the agent into the call's conference, at the same instant:
        # the agent too (even if there already), or leaving the citizen (the conference's
        # marked user) would end the conference for the agent.
        moved = live.conference
        live.dialling = live.conference = True
        try:
            self._fact(live, Fact.TRANSFER, Target=f"consult:{target}")
            reply = await self.ami.send(ami_actions.redirect(
                live.citizen, CONTEXT_HOLD, "s", extra_channel=live.seat_channel,
                extra_context=CONTEXT_CONF_SEAT, extra_exten=live.linkedid))
            if not reply.ok:
                live.conference = moved
                return await self._write(request, RequestState.FAILED,
                                         f"consult.move: {reply.response.get('Message', '')}",
                                         live)
            live.legs += 1
            uid = party_leg_id(live.linkedid, f"consult{live.legs}")
            waiting: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._outcome[uid] = waiting
            try:
                sent = await self.ami.send(ami_actions.originate(
                    other.interface, CONTEXT_CONF_SEAT, live.linkedid,
                    caller_id=f'"咨询 {live.seat}" <{live.seat}>',
                    timeout_ms=self.settings.queue_ring_timeout * 1000, channel_id=uid))
                outcome = await asyncio.wait_for(
                    waiting, self.settings.queue_ring_timeout + 10) if sent.ok else "refused"
            except TimeoutError:
                outcome = "timeout"
            finally:
                self._outcome.pop(uid, None)
            if outcome == JOINED:
                live.consulting = uid
                return await self._write(request, RequestState.DONE,
                                         f"consulting seat {target}: complete or cancel", live)
            await self._send(ami_actions.redirect(live.citizen, CONTEXT_CONF_CITIZEN,
                                                  live.linkedid))
            return await self._write(request, RequestState.FAILED,
                                     f"consult.no_answer: seat {target} did not answer; the "
                                     "citizen is back with the agent", live)
        finally:
            live.dialling = False

    async def _finish_consult(self, live: LiveCall, request: DeskRequest) -> None:
        if not live.consulting:
            return await self._write(request, RequestState.FAILED,
                                     f"{request.command}.no_consult: no consultation under way",
                                     live)
        uid, live.consulting = live.consulting, ""
        # The citizen off hold, into the conference (with both seats for a moment).
        await self.ami.send(ami_actions.redirect(live.citizen, CONTEXT_CONF_CITIZEN,
                                                 live.linkedid))
        if request.command == "cancel":
            channel = self._party_channel.get(uid)
            if channel:
                await self._send(ami_actions.hangup(channel))
            return await self._write(request, RequestState.DONE,
                                     "cancelled: the citizen is back with the agent", live)
        # Complete: the first seat leaves; the consulted seat is the call's seat from now on.
        first, first_channel = live.seat, live.seat_channel
        await self._send(ami_actions.hangup(first_channel))
        if self.by_seat.get(first) is live:
            del self.by_seat[first]
        self.on_seat_left(first)
        live.units_in.discard(uid)
        live.seat = next((s.id for s in self.settings.seats
                          if self._party_channel.get(uid, "").startswith(f"{s.interface}-")),
                         live.seat)
        live.seat_channel, live.seat_in = self._party_channel.get(uid, ""), True
        self.by_seat[live.seat] = live
        await self._write(request, RequestState.DONE,
                          f"transferred: the citizen is with seat {live.seat}", live)

    async def _reach_unit(self, live: LiveCall, request: DeskRequest, unit: str) -> bool:
        """The unit's numbers rung in turn into the call's conference; True once one joins."""
        numbers = await asyncio.to_thread(self.requests.numbers, unit)
        tried: list[str] = []
        for number in numbers:
            if live.legs >= rules.MAX_PARTIES:
                await self._write(request, RequestState.FAILED, rules.TOO_MANY, live)
                return False
            if live.linkedid not in self.by_call:
                await self._write(request, RequestState.FAILED, rules.CITIZEN_GONE, live)
                return False
            await self._write(request, RequestState.WORKING, rules.dialling(unit, number), live)
            if await self._dial(live, unit, number) == JOINED:
                await self._write(request, RequestState.DONE, rules.connected(unit, number), live)
                return True
            tried.append(number)
        await self._write(request, RequestState.FAILED,
                          rules.not_reached(unit, tried, request.command), live)
        return False

    async def _move(self, live: LiveCall, request: DeskRequest, with_seat: bool) -> bool:
        """The citizen (and the seat, unless let go) into the call's conference."""
        live.conference = True  # before the move: the queue's AgentComplete follows it
        reply = await self.ami.send(ami_actions.redirect(
            live.citizen, CONTEXT_CONF_CITIZEN, live.linkedid,
            extra_channel=live.seat_channel if with_seat else "",
            extra_context=CONTEXT_CONF_SEAT, extra_exten=live.linkedid))
        if not reply.ok:
            live.conference = False
            await self._write(request, RequestState.FAILED,
                              f"{request.command}.move: "
                              f"{reply.response.get('Message', 'refused')}", live)
        return reply.ok

    def _fact(self, live: LiveCall, fact: Fact, uid: str = "", **values: str) -> None:
        """A fact of the controller's own put in the call's event stream (and so its trail)."""
        self.inject(events.fact_event(fact, "controller", uid or live.linkedid, live.linkedid,
                                      **values))

    async def _dial(self, live: LiveCall, unit: str, number: str) -> str:
        live.legs += 1
        leg = f"unit{live.legs}"
        uid = party_leg_id(live.linkedid, leg)
        self._fact(live, Fact.PARTY, uid, Leg=leg, Unit=unit, Number=number)
        waiting: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._outcome[uid] = waiting
        ring = self.settings.conference_ring_timeout
        try:
            reply = await self.ami.send(ami_actions.originate(
                f"PJSIP/{number}@{self.settings.trunk_outbound}", CONTEXT_CONF_UNIT,
                live.linkedid, caller_id=f'"{self.settings.number}" <{self.settings.number}>',
                timeout_ms=ring * 1000, variables={CC_UNIT_REC: self._unit_recording(live, leg)},
                channel_id=uid))
            if not reply.ok:
                return f"refused: {reply.response.get('Message', '')}"
            try:
                # Ringing, then the notice played to the unit before it joins.
                return await asyncio.wait_for(waiting, ring + 20)
            except TimeoutError:
                channel = self._party_channel.get(uid)
                if channel:
                    await self._send(ami_actions.hangup(channel))
                return "timeout"
        finally:
            self._outcome.pop(uid, None)

    async def alert(self, linkedid: str, number: str) -> None:
        """Call someone (the leader on duty) and speak the alert twice; the leg belongs to
        the call (<call>-alert1)."""
        await self._send(ami_actions.originate_app(
            f"PJSIP/{number}@{self.settings.trunk_outbound}", "Playback",
            "hotline/leader_alert&hotline/leader_alert",
            caller_id=f'"{self.settings.number}" <{self.settings.number}>',
            timeout_ms=self.settings.duty_ring_timeout * 1000,
            channel_id=party_leg_id(linkedid, "alert1")))

    def _unit_recording(self, live: LiveCall, leg: str) -> str:
        base = self._recording.get(live.linkedid, "")
        if not base or recording_relpath(base, self.settings.asterisk_recording_root) is None:
            # Not seen (the controller started mid-call and the channel had none): the leg is
            # still recorded, beside the day's calls, under its own name.
            day = datetime.now(self.settings.tz).strftime("%Y/%m/%d")
            base = f"{self.settings.asterisk_recording_root.rstrip('/')}/{day}/{live.linkedid}"
        return f"{base}-{leg}"

    async def _listen(self, live: LiveCall, request: DeskRequest) -> None:
        """The supervisor's phone rings and, answered, spies on the seat's leg of the call:
        a leg of that call (<call>-spy<N>), audited from start to end."""
        mode = request.target.partition(":")[2] or "listen"
        seat = next((s for s in self.settings.seats if s.id == request.seat), None)
        if seat is None:
            return await self._write(request, RequestState.FAILED, "listen.seat: no such seat")
        if live.spies >= rules.MAX_PARTIES:
            return await self._write(request, RequestState.FAILED, rules.TOO_MANY, live)
        live.spies += 1
        uid = party_leg_id(live.linkedid, f"spy{live.spies}")
        reply = await self.ami.send(ami_actions.originate_app(
            seat.interface, "ChanSpy", f"{live.seat_channel},{rules.LISTEN_MODES[mode]}",
            caller_id=f'"{mode} {live.seat}" <{live.seat}>',
            timeout_ms=self.settings.queue_ring_timeout * 1000, channel_id=uid))
        if not reply.ok:
            return await self._write(request, RequestState.FAILED,
                                     f"listen: {reply.response.get('Message', 'refused')}", live)
        self._listening.add(uid)
        await asyncio.to_thread(self.requests.listen_started, request, live.linkedid, uid)
        await self._write(request, RequestState.DONE, f"{mode}: seat {live.seat}", live)

    async def _leave(self, live: LiveCall, request: DeskRequest) -> None:
        if not live.conference or not live.units_in:
            return await self._write(request, RequestState.FAILED, rules.NOT_IN_CONFERENCE,
                                     live)
        reply = await self.ami.send(ami_actions.hangup(live.seat_channel))
        if not reply.ok:
            return await self._write(request, RequestState.FAILED,
                                     f"leave: {reply.response.get('Message', 'refused')}", live)
        await self._write(request, RequestState.DONE,
                          "left: the citizen and the unit stay connected", live)

    async def _write(self, request: DeskRequest, state: RequestState, detail: str,
                     live: LiveCall | None = None) -> None:
        try:
            await asyncio.to_thread(self.requests.write, request.id, state, detail,
                                    live.linkedid if live is not None else "")
        except Exception:
            log.exception("writing back desk request %d failed", request.id)

    async def _send(self, action: ami_actions.Action) -> None:
        try:
            await self.ami.send(action)
        except (AmiError, TimeoutError) as exc:
            log.warning("%s: %s", action.name, exc)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
