"""AMI client on asyncio: login, reconnect with back-off, resync, one ordered event queue.

Why not panoramisk's Manager: it decodes each TCP chunk alone (drops split UTF-8), fires
callbacks with ensure_future without keeping them (order and errors lost), lets CR/LF into
actions, and re-sends unanswered actions after a reconnect (an Originate could ring twice).
Here:
- bytes are parsed by `ami.parse.AmiParser`; the protocol never awaits, so the socket is read
  as fast as Asterisk writes (Asterisk drops a client that blocks it past `writetimeout`);
- every event, including those answering a list action, goes through one `asyncio.Queue` and
  is handed to one consumer in arrival order;
- an action still unanswered when the connection drops fails with `AmiDisconnected` and is
  never sent again — the caller decides;
- after every login the client asks CoreShowChannels and QueueStatus, whose events flow
  through the same queue, so the tracker's view is rebuilt from Asterisk's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import AmiParser, AmiProtocolError, Message

log = logging.getLogger(__name__)


class AmiError(RuntimeError):
    pass


class AmiDisconnected(AmiError):
    """The connection dropped before the action was answered; it was not re-sent."""


@dataclass
class Reply:
    response: Message
    events: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response.get("Response") in ("Success", "Follows", "Goodbye")


@dataclass
class _Pending:
    future: asyncio.Future[Reply]
    reply: Reply | None = None


class _Protocol(asyncio.Protocol):
    def __init__(self, client: AmiClient) -> None:
        self.client = client
        self.parser = AmiParser(client.wanted)
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            messages = self.parser.feed(data)
        except AmiProtocolError as exc:
            # A peer that never ends its message is cut off; the client logs in again and
            # resyncs from Asterisk's live state.
            log.error("AMI: %s; disconnecting", exc)
            if self.transport is not None:
                self.transport.abort()
            return
        for msg in messages:
            self.client._dispatch(msg)

    def connection_lost(self, exc: Exception | None) -> None:
        # Actions in flight fail now with AmiDisconnected, not at their time-out: a drop during
        # the post-login resync used to hold the next login for 30 s. (A connection already
        # replaced by a newer one leaves the newer one's actions alone.)
        if self.client._proto in (self, None):
            self.client._fail_pending()
        if not self.closed.done():
            self.closed.set_result(None)


EventHandler = Callable[[Message], Awaitable[None] | None]


class AmiClient:
    def __init__(self, host: str, port: int, user: str, secret: str, *,
                 resync_queue: str | None = None, on_login: Callable[[], Awaitable[None]] | None
                 = None, min_backoff: float = 0.2, max_backoff: float = 10.0,
                 ping_interval: float = 20.0, wanted: Iterable[str] | None = None) -> None:
        self.host, self.port, self.user, self._secret = host, port, user, secret
        self.resync_queue = resync_queue
        self.on_login = on_login
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.ping_interval = ping_interval
        self.wanted = None if wanted is None else frozenset(wanted)
        self.events: asyncio.Queue[Message] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._proto: _Protocol | None = None
        self.connected = asyncio.Event()
        self.snapshot: list[Message] = []  # CoreShowChannel events of the latest resync
        self.logins = 0
        self._stopping = False

    # -- wire ------------------------------------------------------------------------------
    def _dispatch(self, msg: Message) -> None:
        aid = msg.get("ActionID", "")
        pending = self._pending.get(aid) if aid else None
        if "Response" in msg and pending is not None:
            pending.reply = Reply(msg)
            # A list action answers "Success" + "EventList: start", then events, then Complete.
            if msg.get("EventList", "").lower() != "start":
                self._finish(aid)
            return
        if "Event" not in msg:
            return
        if "Timestamp" not in msg:
            # List answers (CoreShowChannel, QueueEntry...) carry no Timestamp even with
            # timestampevents=yes; the time they were received is within a few ms of it.
            msg["Timestamp"] = f"{time.time():.6f}"
        if pending is not None and pending.reply is not None:
            pending.reply.events.append(msg)
            if msg.get("EventList", "").lower() == "complete":
                self._finish(aid)
        self.events.put_nowait(msg)

    def _finish(self, aid: str) -> None:
        pending = self._pending.pop(aid)
        if not pending.future.done() and pending.reply is not None:
            pending.future.set_result(pending.reply)

    async def send(self, action: Action, timeout: float = 10.0) -> Reply:
        proto = self._proto
        if proto is None or proto.transport is None or proto.transport.is_closing():
            raise AmiDisconnected(f"{action.name}: not connected")
        aid = f"cc-{next(self._ids)}"
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[aid] = _Pending(future)
        proto.transport.write(action.encode(aid))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(aid, None)

    def _fail_pending(self) -> None:
        for aid, pending in list(self._pending.items()):
            if not pending.future.done():
                pending.future.set_exception(AmiDisconnected(f"action {aid} lost with connection"))
        self._pending.clear()

    # -- life ------------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, log in, resync; on any loss wait (back-off) and do it again. Until stop()."""
        backoff = self.min_backoff
        while not self._stopping:
            try:
                await self._session()
                backoff = self.min_backoff
            except (OSError, AmiError, TimeoutError) as exc:
                log.warning("AMI %s:%s: %s", self.host, self.port, exc)
            finally:
                self.connected.clear()
                self._fail_pending()
                if self._proto is not None and self._proto.transport is not None:
                    self._proto.transport.abort()
                self._proto = None
            if self._stopping:
                break
            await asyncio.sleep(backoff * (0.5 + random.random()))  # noqa: S311 -- jitter only
            backoff = min(backoff * 2, self.max_backoff)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        _, proto = await asyncio.wait_for(
            loop.create_connection(lambda: _Protocol(self), self.host, self.port), 5)
        self._proto = proto
        reply = await self.send(ami_actions.login(self.user, self._secret))
        if not reply.ok:
            raise AmiError(f"login refused: {reply.response.get('Message', '')}")
        self.logins += 1
        self.connected.set()
        log.info("AMI logged in (%s), resyncing", proto.parser.banner)
        await self.resync()
        if self.on_login is not None:
            await self.on_login()
        while not proto.closed.done():
            done, _ = await asyncio.wait({proto.closed}, timeout=self.ping_interval)
            if not done:
                await self.send(ami_actions.action("Ping"), timeout=10)

    async def resync(self) -> None:
        """Ask Asterisk for its live state; the answers reach the consumer as events."""
        reply = await self.send(ami_actions.core_show_channels(), timeout=30)
        self.snapshot = [e for e in reply.events if e.get("Event") == Ev.CORE_SHOW_CHANNEL]
        await self.send(ami_actions.queue_status(self.resync_queue), timeout=30)

    def drop(self) -> None:
        """Close the socket as a network fault would (used by operators' tools and tests)."""
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.abort()

    async def stop(self) -> None:
        self._stopping = True
        if self._proto is not None and self._proto.transport is not None:
            with contextlib.suppress(AmiError, TimeoutError):
                await self.send(ami_actions.action("Logoff"), timeout=2)
            self.drop()


# Events handled before the consumer lets the rest of the loop run: a burst read in one piece
# (a resync, 100 calls hanging up at once) otherwise held FastAGI answers for its whole length.
YIELD_EVERY = 16


async def consume(queue: asyncio.Queue[Message], handler: EventHandler) -> None:
    """The one consumer: hands events to handler strictly in order; a failing event is logged
    with its content and the next one is handled."""
    handled = 0
    while True:
        handled += 1
        if handled % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # Queue.get() of a waiting event never yields by itself
        msg = await queue.get()
        try:
            result = handler(msg)
            if result is not None:
                await result
        except Exception:
            log.exception("event handler failed on %s", msg.get("Event"))
        finally:
            queue.task_done()
