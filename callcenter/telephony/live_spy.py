"""Live assist on the line: when a seat answers, each chosen speaker's side of the call is
spied into the live recogniser.

One Originate per speaker: an AudioSocket channel to the recogniser (`[live] host:port`, the
stream's id in its dial string) running ChanSpy on that speaker's channel, quiet (q), only what
that channel says (o), ending with it (E). The spy leg is a leg of the call
(<call>-live<N>), so Asterisk's own record and the reconciliation count it with the call.
Channel names go into ChanSpy's argument, so one that is not a plain channel name is refused
before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from callcenter.domain.calls import party_leg_id
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami.client import AmiError
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of
from callcenter.telephony.desk.line import Sender

log = logging.getLogger(__name__)
CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9_]*/[A-Za-z0-9_.@+-]{1,80}(?:;[12])?")
MAX_LEGS = 9  # live1 … live9 per call (a leg id takes one digit)
REMEMBERED = 2000  # calls whose spy legs are counted


class Streams(Protocol):
    """The live streams as stored (services/live_words.LiveStreams)."""

    def open(self, linkedid: str, speaker: str, seat: str) -> str: ...


class LiveSpies:
    WANTS = frozenset({Ev.AGENT_CONNECT})

    def __init__(self, ami: Sender, streams: Streams, target: str,
                 speakers: Sequence[str]) -> None:
        self.ami = ami
        self.streams = streams
        self.target = target  # host:port of the live recogniser
        self.speakers = tuple(speakers)
        self._legs: OrderedDict[str, int] = OrderedDict()  # call -> spy legs placed
        self._tasks: set[asyncio.Task[None]] = set()

    def on_event(self, msg: Message) -> None:
        if msg.get("Event") != Ev.AGENT_CONNECT or msg.get("Origin") is not None:
            return
        sides = {"citizen": msg.get("Channel", ""), "agent": msg.get("DestChannel", "")}
        task = asyncio.create_task(self._spy(call_of(msg), msg.get("MemberName", ""), sides))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _spy(self, call: str, seat: str, sides: dict[str, str]) -> None:
        for speaker in self.speakers:
            channel = sides.get(speaker, "")
            if not CHANNEL.fullmatch(channel):
                log.warning("live: call %s: the %s's channel is not a plain channel name; "
                            "not spied", call, speaker)
                continue
            n = self._legs.get(call, 0) + 1
            if n > MAX_LEGS:
                log.warning("live: call %s: %d spy legs already; no more", call, MAX_LEGS)
                return
            self._legs[call] = n
            self._legs.move_to_end(call)
            while len(self._legs) > REMEMBERED:
                self._legs.popitem(last=False)
            try:
                stream = await asyncio.to_thread(self.streams.open, call, speaker, seat)
                reply = await self.ami.send(ami_actions.originate_app(
                    f"AudioSocket/{self.target}/{stream}", "ChanSpy", f"{channel},qoE",
                    channel_id=party_leg_id(call, f"live{n}")))
            except (AmiError, OSError, TimeoutError) as exc:
                log.warning("live: call %s: the %s's words not streamed: %s", call, speaker,
                            exc)
                continue
            except Exception as exc:  # the store: the call goes on without live words
                log.warning("live: call %s: the %s's stream not opened: %s", call, speaker,
                            type(exc).__name__)
                continue
            if not reply.ok:
                log.warning("live: call %s: Asterisk refused the %s's spy leg: %s", call,
                            speaker, reply.response.get("Message", ""))

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
