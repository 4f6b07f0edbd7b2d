"""The controller process: AMI events -> the call service; FastAGI routing answers.

One asyncio loop. Its parts are built by callcenter/bootstrap.py and handed in: the AMI
client (any object with the `AmiPort` shape; tests hand in a scripted one), the FastAGI
server and the call service. The controller subscribes to AMI logins (seats joined to the
queue, facts read back for calls that began while it was away) and owns the order of
starting and stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from callcenter.config import Settings
from callcenter.services.call_log import CallLog
from callcenter.services.routing import RoutingPolicy
from callcenter.telephony import ami_actions
from callcenter.telephony.ami_client import AmiError, Reply, consume
from callcenter.telephony.ami_parse import Message
from callcenter.telephony.call_service import CallService
from callcenter.telephony.fastagi import AgiRequest, AgiSession, FastAgiServer
from callcenter.telephony.tracker import CallTracker
from callcenter.telephony.variables import (
    AGI_SCRIPT_ROUTE,
    AGI_SETTABLE,
    CONTEXT_PREFIX,
    RECOVERABLE,
    USEREVENT_NAME,
)

log = logging.getLogger(__name__)


class AmiPort(Protocol):
    """What the controller needs of an AMI connection (telephony/ami_client.AmiClient)."""

    events: asyncio.Queue[Message]
    connected: asyncio.Event
    snapshot: list[Message]
    on_login: Callable[[], Awaitable[None]] | None

    async def run(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, action: ami_actions.Action, timeout: float = 10.0) -> Reply: ...


class RouteAnswers:
    """The FastAGI handler: answers the dialplan's "what now with this caller?"."""

    def __init__(self, routing: RoutingPolicy) -> None:
        self.routing = routing

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        if request.script != AGI_SCRIPT_ROUTE:
            log.warning("FastAGI: unknown script %r", request.script)
            return
        for name, value in self.routing.route().items():
            if value not in AGI_SETTABLE.get(name, ()):
                raise ValueError(f"refusing to set {name}={value!r}")
            await session.set_variable(name, value)


class Controller:
    def __init__(self, settings: Settings, ami: AmiPort, agi: FastAgiServer,
                 calls: CallService, on_stopped: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.ami = ami
        self.agi = agi
        self.calls = calls
        self._on_stopped = on_stopped
        ami.on_login = self._on_login
        self._tasks: list[asyncio.Task[None]] = []

    # Read-only views for operators and tests.
    @property
    def tracker(self) -> CallTracker:
        return self.calls.tracker

    @property
    def call_log(self) -> CallLog:
        return self.calls.call_log

    def on_event(self, msg: Message) -> None:
        self.calls.feed(msg)

    async def start(self) -> None:
        await self.calls.start()
        await self.agi.start()
        self._tasks = [asyncio.create_task(self.ami.run(), name="ami"),
                       asyncio.create_task(consume(self.ami.events, self.on_event),
                                           name="events")]

    async def stop(self, timeout: float = 30.0) -> None:
        """Store every call held, then let go: finished ones as they are, live ones as
        in-progress records the next run's resync completes. Nothing held is dropped."""
        await self.agi.stop()
        await self.ami.stop()
        try:
            await asyncio.wait_for(self.ami.events.join(), timeout)  # events read, not lost
        except TimeoutError:
            log.error("stopping: AMI events still unhandled after %.0f s", timeout)
        await self.calls.flush(timeout)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self._on_stopped is not None:
            self._on_stopped()

    async def _on_login(self) -> None:
        # Seats are dynamic members; the agent desk (later) logs them in and out. Until then
        # every configured seat is a member; "already there" is not an error.
        for seat in self.settings.seats:
            try:
                await self.ami.send(ami_actions.queue_add(self.settings.queue_name,
                                                          seat.interface, seat.id))
            except AmiError as exc:
                log.warning("QueueAdd %s: %s", seat.id, exc)
        await self._recover_facts()

    async def _recover_facts(self) -> None:
        """For each citizen whose call began while we were away, read back from the channel
        what the dialplan announced at the start (recording path, dialled number, menu
        choice) and put it in the event stream as a fact marked `Origin: resync`."""
        for snap in self.ami.snapshot:
            lid, uid, channel = snap.get("Linkedid", ""), snap.get("Uniqueid", ""), \
                snap.get("Channel", "")
            if not lid or uid != lid or not snap.get("Context", "").startswith(CONTEXT_PREFIX):
                continue
            for fact, fields in RECOVERABLE.items():
                if self.calls.has_fact(lid, fact):
                    continue
                values = {}
                for header, variable in fields.items():
                    try:
                        reply = await self.ami.send(ami_actions.getvar(channel, variable))
                    except AmiError as exc:
                        log.warning("Getvar %s on %s: %s", variable, channel, exc)
                        break
                    if reply.ok and reply.response.get("Value"):
                        values[header] = reply.response["Value"]
                if values:
                    self.ami.events.put_nowait({
                        "Event": "UserEvent", "UserEvent": USEREVENT_NAME, "Fact": fact,
                        **values, "Origin": "resync", "Channel": channel, "Uniqueid": uid,
                        "Linkedid": lid, "Timestamp": f"{time.time():.6f}"})


async def run_forever(settings: Settings, controller: Controller) -> None:
    """Run until SIGTERM or SIGINT, then store everything held and return (exit status 0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await controller.start()
    log.info("controller running: AMI %s:%s, FastAGI %s:%s", settings.ami_host,
             settings.ami_port, settings.agi_host, settings.agi_port)
    try:
        await stop.wait()
        log.info("controller stopping: storing %d calls held", controller.calls.held)
    finally:
        await controller.stop()
    log.info("controller stopped")
