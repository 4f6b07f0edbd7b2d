"""Callbacks placed on the line (回拨): the agent's phone rings first; when the agent answers,
the dialplan dials the citizen (the extension: their number, digits only) and records.

Each attempt is one Originate with a ChannelId naming it (<missed call>-callback<N>), and the
request is taken from the store once (pending → placing) before anything is sent: asking twice
never rings the citizen twice, and a retried Originate of the same attempt is refused by
Asterisk while the first lives. The outcome comes from the dialplan (Fact: callback, with
Dial's status) or, when the seat did not answer, from OriginateResponse.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Protocol

from callcenter.contract.dialplan import (
    CC_CALLBACK_REC,
    CC_SURVEY_TICKET,
    CONTEXT_CALLBACK,
    CONTEXT_SURVEY,
    Fact,
)
from callcenter.domain.callbacks import CallbackRequest, CallbackState, outcome
from callcenter.domain.calls import call_of_leg
from callcenter.domain.privacy import mask_number
from callcenter.logs import Recurring
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami import events
from callcenter.telephony.ami.client import AmiError
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.desk.line import Sender
from callcenter.telephony.line_config import LineConfig

log = logging.getLogger(__name__)
POLICY_EVERY = 10.0  # seconds between the policy's looks for missed calls due a callback


class CallbackStore(Protocol):
    """The stored callbacks (services/callbacks.Callbacks)."""

    def take(self, limit: int = 20) -> list[CallbackRequest]: ...
    def abandon_placing(self) -> int: ...
    def place_due(self) -> list[str]: ...
    def write(self, channel_id: str, state: CallbackState, detail: str = "") -> bool: ...


class CallbackPlacer:
    WANTS = frozenset({Ev.ORIGINATE_RESPONSE})

    def __init__(self, config: LineConfig, ami: Sender, store: CallbackStore) -> None:
        self.config = config
        self.ami = ami
        self.store = store
        self._placing: set[str] = set()  # channel ids placed by this process, not yet settled
        self._next_policy_pass = 0.0
        self._policy = Recurring(log, "the callback policy's pass")
        self._reading = Recurring(log, "reading the callbacks to place")

    async def start(self) -> None:
        try:
            left = await asyncio.to_thread(self.store.abandon_placing)
        except Exception:
            log.exception("failing the callbacks left under way")
            return
        if left:
            log.warning("%d callbacks left under way by a stopped controller: failed", left)

    async def poll(self) -> None:
        if self.config.auto_callbacks and time.monotonic() >= self._next_policy_pass:
            self._next_policy_pass = time.monotonic() + POLICY_EVERY
            try:
                due = await asyncio.to_thread(self.store.place_due)
                if due:
                    log.info("%d missed calls given to ready seats for a callback", len(due))
                self._policy.worked()
            except Exception:
                self._policy.failed()
        try:
            taken = await asyncio.to_thread(self.store.take)
        except Exception:
            self._reading.failed()
            return
        self._reading.worked()
        for request in taken:
            await self._place(request)

    async def _place(self, r: CallbackRequest) -> None:
        if r.kind == "satisfaction" and not r.seat:
            return await self._survey(r)
        seat = self.config.seat(r.seat)
        if seat is None or not r.number.isdigit():
            await self._write(r.channel_id, CallbackState.FAILED,
                              "callbacks.seat: no such seat" if seat is None
                              else "callbacks.number: not a number the line dials")
            return
        base = self.config.recording_base(r.channel_id, datetime.now(UTC))
        self._placing.add(r.channel_id)
        try:
            reply = await self.ami.send(ami_actions.originate(
                seat.interface, CONTEXT_CALLBACK, r.number,
                caller_id=f'"回拨 {mask_number(r.number)}" <{self.config.number}>',
                timeout_ms=self.config.seat_ring_s * 1000,
                variables={CC_CALLBACK_REC: base}, channel_id=r.channel_id))
        except (AmiError, TimeoutError) as exc:
            # Not known whether Asterisk took it: the attempt is not re-sent (it could ring
            # twice); the desk sees why and may ask again.
            self._placing.discard(r.channel_id)
            await self._write(r.channel_id, CallbackState.FAILED, f"line: {exc}")
            return
        if not reply.ok:
            self._placing.discard(r.channel_id)
            await self._write(r.channel_id, CallbackState.FAILED,
                              f"line: {reply.response.get('Message', 'refused')}")

    async def _survey(self, r: CallbackRequest) -> None:
        """The satisfaction callback by keys: the citizen's phone is called straight away and
        the line asks the questions (telephony/agi/survey.py)."""
        if r.ticket_id is None or not r.number.isdigit():
            await self._write(r.channel_id, CallbackState.FAILED,
                              "callbacks.number: not a number the line dials")
            return
        self._placing.add(r.channel_id)
        try:
            reply = await self.ami.send(ami_actions.originate(
                self.config.outside(r.number), CONTEXT_SURVEY, "s",
                caller_id=self.config.caller_id, timeout_ms=self.config.outside_ring_s * 1000,
                variables={CC_SURVEY_TICKET: str(r.ticket_id)}, channel_id=r.channel_id))
        except (AmiError, TimeoutError) as exc:
            self._placing.discard(r.channel_id)
            await self._write(r.channel_id, CallbackState.FAILED, f"line: {exc}")
            return
        if not reply.ok:
            self._placing.discard(r.channel_id)
            await self._write(r.channel_id, CallbackState.FAILED,
                              f"line: {reply.response.get('Message', 'refused')}")

    def on_event(self, msg: Message) -> None:
        uid = msg.get("Uniqueid", "")
        if uid not in self._placing or call_of_leg(uid) is None:
            return
        if events.fact_of(msg) == Fact.CALLBACK:
            status = msg.get("Status", "")
            self._settle(uid, outcome(status), f"citizen: {status or 'not dialled'}")
        elif events.failed_originate(msg):
            # Reason: Asterisk's control frame, 3 ringing out (no answer), 5 busy.
            reason = msg.get("Reason", "?")
            state = {"3": CallbackState.NO_ANSWER, "5": CallbackState.BUSY}.get(
                reason, CallbackState.FAILED)
            self._settle(uid, state, f"callbacks.not_answered: the first phone rung did not "
                                     f"answer (reason {reason})")

    def _settle(self, uid: str, state: CallbackState, detail: str) -> None:
        self._placing.discard(uid)
        task = asyncio.get_running_loop().create_task(self._write(uid, state, detail))
        task.add_done_callback(lambda t: t.exception())

    async def _write(self, channel_id: str, state: CallbackState, detail: str) -> None:
        try:
            await asyncio.to_thread(self.store.write, channel_id, state, detail)
        except Exception:
            log.exception("writing a callback's outcome failed")
