"""Several Asterisks behind one SIP proxy, as the one AMI port the controller talks to.

Each Asterisk has its own connection (AmiClient: login, resync, back-off) and a name
(asterisk.conf systemname) that prefixes its call ids, so their events share one ordered
stream and one call tracker. What the controller sends goes where it belongs:

- the queue's members (QueueAdd, QueuePause, QueueRemove, QueuePenalty, QueueStatus): to every
  Asterisk, since a seat answers whichever one the proxy gave the citizen to;
- an Originate into a call (its ChannelId is the call's id and a leg): to the call's Asterisk;
- anything naming a channel (Redirect, Hangup, Getvar): to the one Asterisk that has that
  channel up. Channel names are each Asterisk's own (both may have PJSIP/citizens-00000001):
  a name live on two at once is refused, never guessed, so no citizen is hung up in error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from callcenter.domain.calls import call_of_leg
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.client import AmiClient, AmiDisconnected, AmiError, Reply
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message

TO_EVERY = frozenset({"QueueAdd", "QueuePause", "QueueRemove", "QueuePenalty", "QueueStatus"})


class _EveryOne(asyncio.Event):
    """Set while every Asterisk is logged in."""

    def __init__(self, clients: Mapping[str, AmiClient]) -> None:
        super().__init__()
        self.clients = clients

    def is_set(self) -> bool:
        return all(c.connected.is_set() for c in self.clients.values())

    async def wait(self) -> Literal[True]:
        for c in self.clients.values():
            await c.connected.wait()
        return True


class Pbxs:
    def __init__(self, clients: Mapping[str, AmiClient]) -> None:
        if not clients:
            raise ValueError("no Asterisk to talk to")
        self.clients = dict(clients)
        self.events: asyncio.Queue[Message] = asyncio.Queue()
        self.connected: asyncio.Event = _EveryOne(self.clients)
        self._on_login: Callable[[], Awaitable[None]] | None = None
        self._live: dict[str, set[str]] = {}  # channel name -> the Asterisks it is up on
        self._forwarders: list[asyncio.Task[None]] = []

    @property
    def on_login(self) -> Callable[[], Awaitable[None]] | None:
        return self._on_login

    @on_login.setter
    def on_login(self, hook: Callable[[], Awaitable[None]] | None) -> None:
        # Each Asterisk's login makes the controller set that Asterisk's queue again.
        self._on_login = hook
        for client in self.clients.values():
            client.on_login = hook

    @property
    def snapshot(self) -> list[Message]:
        return [m for c in self.clients.values() for m in c.snapshot]

    @property
    def logins(self) -> int:
        return sum(c.logins for c in self.clients.values())

    async def run(self) -> None:
        self._forwarders = [asyncio.create_task(self._forward(name, c), name=f"ami-{name}")
                            for name, c in self.clients.items()]
        try:
            await asyncio.gather(*(c.run() for c in self.clients.values()))
        finally:
            for task in self._forwarders:
                task.cancel()

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.clients.values()))
        for task in self._forwarders:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _forward(self, name: str, client: AmiClient) -> None:
        while True:
            msg = await client.events.get()
            self._note(name, msg)
            self.events.put_nowait(msg)

    def _note(self, name: str, msg: Message) -> None:
        event, channel = msg.get("Event"), msg.get("Channel")
        if not channel:
            return
        if event in (Ev.NEWCHANNEL, Ev.CORE_SHOW_CHANNEL):
            self._live.setdefault(channel, set()).add(name)
        elif event == Ev.HANGUP:
            where = self._live.get(channel)
            if where is not None:
                where.discard(name)
                if not where:
                    del self._live[channel]

    def _owner(self, action: Action) -> str:
        fields = dict(action.fields)
        if action.name == "Originate":
            # Into a call (a unit, a consulted seat, a callback of a missed call): that call's
            # Asterisk, named in its id. A call of its own (a survey): any that is up.
            leg = call_of_leg(fields.get("ChannelId", ""))
            if leg is None:
                return next((n for n, c in self.clients.items() if c.connected.is_set()),
                            next(iter(self.clients)))
            system = leg[0].partition("-")[0] if "-" in leg[0] else ""
            if system in self.clients:
                return system
            raise AmiError(f"{action.name}: no Asterisk named {system!r} for call {leg[0]}")
        channel = fields.get("Channel", "")
        where = self._live.get(channel, set())
        if len(where) == 1:
            return next(iter(where))
        raise AmiError(f"{action.name}: channel {channel} is up on "
                       + (f"{len(where)} Asterisks" if where else "no Asterisk"))

    async def send(self, action: Action, timeout: float = 10.0) -> Reply:
        if action.name not in TO_EVERY:
            return await self.clients[self._owner(action)].send(action, timeout)
        up = [c for c in self.clients.values() if c.connected.is_set()]
        if not up:
            raise AmiDisconnected(f"{action.name}: no Asterisk logged in")
        replies = await asyncio.gather(*(c.send(action, timeout) for c in up),
                                       return_exceptions=True)
        for reply in replies:
            if isinstance(reply, Reply) and reply.ok:
                return reply
        first = replies[0]
        if isinstance(first, BaseException):
            raise first
        return first
