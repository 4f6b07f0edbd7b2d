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
import functools
import logging
from collections.abc import Awaitable, Callable

from callcenter.contract.dialplan import Fact
from callcenter.domain import desk_calls as rules
from callcenter.domain.calls import call_of_leg, party_leg_id
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.logs import Recurring
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami import events
from callcenter.telephony.ami.client import AmiError
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of, seat_of_channel
from callcenter.telephony.desk import conference, consult, listen, transfer
from callcenter.telephony.desk.line import JOINED, Line, LiveCall, Requests, Sender

__all__ = ["CallControl", "Requests", "Sender"]
log = logging.getLogger(__name__)
Action = Callable[[Line, LiveCall, DeskRequest], Awaitable[None]]
# Each request kind the desk may store, carried out by its own module.
ACTIONS: dict[str, Action] = {
    "conference": conference.conference,
    "leave": conference.leave,
    "transfer": transfer.transfer,
    "consult": consult.consult,
    "complete": consult.finish,
    "cancel": consult.finish,
    "listen": listen.listen,
}


class CallControl(Line):
    """Follows the live calls at seats from the line's events and carries out the desk's
    stored requests on them, each kind by its own module (ACTIONS)."""

    # Events it reads, beyond the call tracker's.
    WANTS = frozenset({Ev.ORIGINATE_RESPONSE, Ev.CONFBRIDGE_JOIN, Ev.CONFBRIDGE_LEAVE})

    def in_conference(self, seat: str) -> bool:
        live = self.by_seat.get(seat)
        return live is not None and live.conference

    # -- what the line says -----------------------------------------------------------------
    def on_event(self, msg: Message) -> None:
        name = msg.get("Event", "")
        uid = msg.get("Uniqueid", "")
        if events.fact_of(msg) == Fact.START and msg.get("Recording"):
            self.recording[msg.get("Linkedid", "")] = msg["Recording"]
        elif name == Ev.AGENT_CONNECT and msg.get("MemberName"):
            self._connected(msg, msg["MemberName"])
        elif events.answered_dial(msg) and uid \
                and seat_of_channel(msg.get("DestChannel", "")) and uid == call_of(msg):
            # (An Originate's DialEnd has no caller: a seat rung by the controller, not one
            # the citizen was put through to.)
            # A seat rung directly (a transfer to it) answered the citizen.
            self._connected(msg, seat_of_channel(msg["DestChannel"]))
        elif name == Ev.NEWCHANNEL and call_of_leg(uid):
            self.party_channel[uid] = msg.get("Channel", "")
        elif name == Ev.CONFBRIDGE_JOIN and call_of_leg(uid):
            self.settle(uid, JOINED)
            party = call_of_leg(uid)
            joined = self.by_call.get(party[0]) if party else None
            if joined is not None:
                joined.units_in.add(uid)
        elif events.failed_originate(msg):
            self.settle(uid, f"failed: reason {msg.get('Reason', '?')}")
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
        waiting = self.outcome.get(uid)
        if waiting is not None and not waiting.done():
            waiting.set_result(outcome)

    def _hung_up(self, uid: str, channel: str, cause: str) -> None:
        if uid in self.listening:
            self.listening.discard(uid)
            self.spawn(asyncio.to_thread(self.requests.listen_ended, uid))
            return
        party = call_of_leg(uid)
        if party is not None:
            self.settle(uid, f"ended: cause {cause}")
            self.party_channel.pop(uid, None)
            live = self.by_call.get(party[0])
            if live is not None:
                live.units_in.discard(uid)
                if channel == live.seat_channel and live.seat_in:
                    self._seat_gone(live)  # a seat taken over by an attended transfer
                else:
                    self.alone(live)
            return
        lid = next((c for c, live in self.by_call.items() if channel == live.citizen), None)
        if lid is not None:
            live = self.by_call.pop(lid)
            self.recording.pop(lid, None)
            if self.by_seat.get(live.seat) is live:
                del self.by_seat[live.seat]
            ending = {live.seat_channel} if live.conference and live.seat_in else set()
            # Still ringing a unit for a citizen who has gone, or a seat consulted: stop it.
            # (A consulted seat that took the call over is the seat already: hung up once.)
            ending |= {ch for leg, ch in self.party_channel.items()
                       if ch and (of := call_of_leg(leg)) is not None and of[0] == lid}
            for ch in sorted(ending):
                self.spawn(self.send_quietly(ami_actions.hangup(ch)))
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
            self.alone(live)

    # -- what the desk asks -----------------------------------------------------------------
    async def start(self) -> None:
        try:
            left = await asyncio.to_thread(self.requests.abandon_working)
        except Exception:
            log.exception("failing the desk's requests left half done")
            return
        if left:
            log.warning("%d desk requests left half done by a stopped controller: failed", left)

    @functools.cached_property
    def _reading(self) -> Recurring:
        return Recurring(log, "reading the desk's requests")

    async def poll(self) -> None:
        try:
            taken = await asyncio.to_thread(self.requests.take)
        except Exception:
            self._reading.failed()
            return
        self._reading.worked()
        for request in taken:
            self.spawn(self._carry_out(request))

    async def _carry_out(self, request: DeskRequest) -> None:
        try:
            # Listening in is from the supervisor's seat onto another seat's call.
            at = request.target.partition(":")[0] if request.command == "listen" \
                else request.seat
            live = self.by_seat.get(at)
            action = ACTIONS.get(request.command)
            if live is None:
                await self.write(request, RequestState.FAILED, rules.NO_CALL)
            elif action is None:
                await self.write(request, RequestState.FAILED,
                                 f"desk.command: {request.command!r} is not carried out here")
            else:
                await action(self, live, request)
        except (AmiError, TimeoutError) as exc:
            await self.write(request, RequestState.FAILED, f"line: {exc}")
        except Exception:
            log.exception("desk request %d failed", request.id)
            await self.write(request, RequestState.FAILED, "line: internal error (logged)")

    async def alert(self, linkedid: str, number: str) -> None:
        """Call someone (the leader on duty) and speak the alert twice; the leg belongs to
        the call (<call>-alert1)."""
        await self.send_quietly(ami_actions.originate_app(
            self.config.outside(number), "Playback", "hotline/leader_alert&hotline/leader_alert",
            caller_id=self.config.caller_id, timeout_ms=self.config.outside_ring_s * 1000,
            channel_id=party_leg_id(linkedid, "alert1")))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
