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
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any, Protocol

from callcenter.contract.dialplan import (
    CONTEXT_PREFIX,
    RECOVERABLE,
    Fact,
)
from callcenter.domain.agents import AgentState, AgentStatus
from callcenter.domain.duty import Person
from callcenter.logs import Recurring
from callcenter.services.call_log import CallLog
from callcenter.telephony.agi.server import FastAgiServer
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami import events
from callcenter.telephony.ami.client import AmiError, Reply, consume
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of
from callcenter.telephony.call_service import CallService
from callcenter.telephony.callback_placer import CallbackPlacer
from callcenter.telephony.desk.control import CallControl
from callcenter.telephony.line_config import LineConfig
from callcenter.telephony.line_watch import LineWatch
from callcenter.telephony.live_spy import LiveSpies
from callcenter.telephony.tracker import CallTracker

log = logging.getLogger(__name__)
LINE_COALESCE = 0.05  # seconds a change of the line waits for the events that come with it


class AmiPort(Protocol):
    """What the controller needs of an AMI connection (telephony/ami/client.AmiClient)."""

    events: asyncio.Queue[Message]
    connected: asyncio.Event
    on_login: Callable[[], Awaitable[None]] | None

    @property
    def snapshot(self) -> list[Message]: ...  # CoreShowChannel events of the latest resync

    async def run(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, action: ami_actions.Action, timeout: float = 10.0) -> Reply: ...


class SeatStates(Protocol):
    """The agents' statuses as stored (services/agents.AgentDesk)."""

    def generation(self) -> int: ...
    def current(self) -> dict[str, AgentStatus]: ...
    def begin_after_call(self, seat: str) -> bool: ...
    def pause_unanswered(self, seat: str) -> bool: ...
    def end_after_call(self, span: timedelta, seats: Sequence[str] | None = None
                       ) -> list[str]: ...


class NightDuty(Protocol):
    """What the night line leaves behind (services/night_line.NightLine)."""

    def alert_whom(self) -> Person | None: ...
    def register_message(self, linkedid: str) -> int | None: ...
    def note_emergency(self, linkedid: str, leader: Person | None) -> None: ...


class LineBoard(Protocol):
    """Where the controller writes the line as it sees it (services/wallboard.Wallboard)."""

    def record_line(self, state: dict[str, Any]) -> None: ...


class Controller:
    def __init__(self, config: LineConfig, ami: AmiPort, agi: FastAgiServer,
                 calls: CallService, desk: SeatStates, control: CallControl,
                 callbacks: CallbackPlacer, line: LineWatch, night: NightDuty,
                 board: LineBoard, on_stopped: Callable[[], None] | None = None,
                 follow_every: float = 0.25, live: LiveSpies | None = None) -> None:
        self.config = config
        self.ami = ami
        self.agi = agi
        self.calls = calls
        self.desk = desk
        self.night = night
        # The desk's requests on live calls (three-way calls); a seat that leaves a conference
        # begins its after-call work here.
        self.control = control
        control.on_seat_left = self._seat_left
        self.callbacks = callbacks
        self.live = live  # live assist: answered calls spied into the live recogniser
        self.board = board
        self.line = line
        self._line_written: dict[str, Any] | None = None
        self._writing_line = Recurring(log, "writing the line's state for the wallboard")
        self._reading_desk = Recurring(log, "reading the agents' statuses")
        self.follow_every = follow_every
        # A seat nobody ever logged in at: the sandbox's phones are in the queue; a production
        # seat is not until an agent logs in.
        self.unmanaged = AgentState.READY if config.unmanaged_ready else AgentState.LOGGED_OUT
        self._applied: int | None = None  # the desk generation the queue follows
        # What app_queue was last told per seat; a change re-sends only the seats it moves.
        self._sent: dict[tuple[str, str], tuple[AgentState, str]] = {}  # (seat, queue)
        self._on_stopped = on_stopped
        self._desk_tasks: set[asyncio.Task[None]] = set()  # after-call work, auto-pauses
        self._unanswered: dict[str, int] = {}  # seat -> rings in a row nobody answered
        self._applying = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._line_changed = asyncio.Event()  # the wallboard's line moved: write it soon
        self.observe_event: Callable[[Message], None] | None = None  # metrics, when served
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
        if self.observe_event is not None:
            self.observe_event(msg)
        self.calls.feed(msg)
        self.control.on_event(msg)
        self.callbacks.on_event(msg)
        if self.live is not None:
            self.live.on_event(msg)
        if self.line.on_event(msg):
            self._line_changed.set()
        name, seat = msg.get("Event"), msg.get("MemberName", "")
        fact = events.fact_of(msg)
        if fact is not None and msg.get("Origin") is None:
            if fact == Fact.MESSAGE:
                self._desk_task(self._file_message(call_of(msg)))
            elif fact == Fact.EMERGENCY:
                self._desk_task(self._alert_leader(call_of(msg)))
        if not seat:
            return
        if name == Ev.AGENT_COMPLETE and self.config.wrapup_s > 0:
            # Moved into a three-way call, the seat is still talking: its after-call work
            # begins when it leaves (_seat_left).
            if not self.control.in_conference(seat):
                self._desk_task(self._after_call(seat))
        elif name == Ev.AGENT_CONNECT:
            self._unanswered.pop(seat, None)
        elif name == Ev.AGENT_RING_NO_ANSWER and self.config.auto_pause_after > 0:
            self._unanswered[seat] = self._unanswered.get(seat, 0) + 1
            if self._unanswered[seat] >= self.config.auto_pause_after:
                del self._unanswered[seat]
                self._desk_task(self._pause_unanswered(seat))

    async def _file_message(self, linkedid: str, wait: float = 120.0) -> None:
        """A night message becomes a ticket once its call is stored (it ends with the call)."""
        for _ in range(int(wait / 0.5)):
            try:
                ticket = await asyncio.to_thread(self.night.register_message, linkedid)
            except Exception:
                log.exception("registering the after-hours message of call %s", linkedid)
                return
            if ticket is not None:
                log.info("after-hours message of call %s: ticket %d", linkedid, ticket)
                return
            await asyncio.sleep(0.5)
        log.error("after-hours message of call %s: the call was not stored in %.0f s; "
                  "no ticket", linkedid, wait)

    async def _alert_leader(self, linkedid: str) -> None:
        """An emergency (menu 9): the leader on duty at night, the duty officer by day, is
        called with a spoken alert, and the office gets a notice."""
        try:
            whom = await asyncio.to_thread(self.night.alert_whom)
            if whom is not None:
                await self.control.alert(linkedid, whom.phone)
            await asyncio.to_thread(self.night.note_emergency, linkedid, whom)
        except Exception:
            log.exception("alerting the leader on duty for call %s", linkedid)

    async def _write_line(self) -> None:
        state = self.line.snapshot()
        if state == self._line_written:
            return
        try:
            await asyncio.to_thread(self.board.record_line, state)
            self._line_written = state
            self._writing_line.worked()
        except Exception:
            self._writing_line.failed()

    def _seat_left(self, seat: str) -> None:
        if self.config.wrapup_s > 0:
            self._desk_task(self._after_call(seat))

    def _desk_task(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._desk_tasks.add(task)
        task.add_done_callback(self._desk_tasks.discard)

    async def _pause_unanswered(self, seat: str) -> None:
        try:
            if await asyncio.to_thread(self.desk.pause_unanswered, seat):
                log.warning("seat %s paused: %d rings in a row unanswered", seat,
                            self.config.auto_pause_after)
                await self._apply_desk()
        except Exception:
            log.exception("pausing seat %s after unanswered rings", seat)

    async def _after_call(self, seat: str) -> None:
        """After-call work: the seat paused (stored) for queue.wrapup seconds, then ready."""
        span = timedelta(seconds=self.config.wrapup_s)
        try:
            if not await asyncio.to_thread(self.desk.begin_after_call, seat):
                return
            await self._apply_desk()
            await asyncio.sleep(span.total_seconds())
            await asyncio.to_thread(self.desk.end_after_call, span, [seat])
            await self._apply_desk()
        except asyncio.CancelledError:
            raise  # stopping: the next start ends it (see _on_login)
        except Exception:
            log.exception("after-call work at seat %s", seat)

    async def start(self) -> None:
        await self.calls.start()
        await self.control.start()
        await self.callbacks.start()
        await self.agi.start()
        self._tasks = [asyncio.create_task(self.ami.run(), name="ami"),
                       asyncio.create_task(consume(self.ami.events, self.on_event),
                                           name="events"),
                       asyncio.create_task(self._follow_desk(), name="desk"),
                       asyncio.create_task(self._follow_line(), name="line")]

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
        await self.control.stop()
        if self.live is not None:
            await self.live.stop()
        # The follow loop ends its pass by itself: a pass cancelled mid-way would leave its
        # store work running in a thread after the store is closed.
        self._stopping.set()
        self._line_changed.set()
        follow = [t for t in self._tasks if t.get_name() in ("desk", "line")]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*follow, return_exceptions=True), timeout)
        for t in [*self._tasks, *self._desk_tasks]:
            t.cancel()
        for t in [*self._tasks, *self._desk_tasks]:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self._on_stopped is not None:
            self._on_stopped()

    async def _on_login(self) -> None:
        # After every login (ours restarted, Asterisk restarted, the link dropped) the queue is
        # made to follow the stored statuses again: app_queue's memory is not trusted.
        self._applied = None
        self._sent.clear()
        if self.config.wrapup_s > 0:
            # After-call work left over by a stopped controller ends when it would have.
            try:
                await asyncio.to_thread(self.desk.end_after_call,
                                        timedelta(seconds=self.config.wrapup_s))
            except Exception:
                log.exception("ending after-call work left over")
        await self._apply_desk()
        await self._recover_facts()

    async def _follow_desk(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.follow_every)
            if self._stopping.is_set():
                return
            if self.ami.connected.is_set():
                await self._apply_desk()
                await self.control.poll()
                await self.callbacks.poll()
            await self._write_line()

    async def _follow_line(self) -> None:
        """The line's state for the wallboard, written as it changes: a burst of events
        (a call arriving is several) is one write."""
        while not self._stopping.is_set():
            await self._line_changed.wait()
            if self._stopping.is_set():
                return
            await asyncio.sleep(LINE_COALESCE)
            self._line_changed.clear()
            await self._write_line()

    async def _apply_desk(self) -> None:
        async with self._applying:  # one pass at a time: a later one reads newer statuses
            await self._apply_desk_once()

    async def _apply_desk_once(self) -> None:
        try:
            generation = await asyncio.to_thread(self.desk.generation)
            if generation == self._applied:
                return
            statuses = await asyncio.to_thread(self.desk.current)
            self._reading_desk.worked()
        except Exception:
            self._reading_desk.failed()  # the queue stays as it is meanwhile
            return
        try:
            for seat in self.config.seats:
                status = statuses.get(seat.id)
                wanted = (status.state, status.reason) if status is not None \
                    else (self.unmanaged, "")
                state, reason = wanted
                # Each queue the seat answers (its skills), with its penalty there.
                for queue, penalty in seat.penalties:
                    if self._sent.get((seat.id, queue)) == wanted:
                        continue
                    if state is AgentState.LOGGED_OUT:
                        await self.ami.send(ami_actions.queue_remove(queue, seat.interface))
                    else:
                        paused = state is AgentState.PAUSED
                        # "Already there" is no error: the pause and the penalty below set
                        # them either way (app_queue may remember the seat from before).
                        await self.ami.send(ami_actions.queue_add(
                            queue, seat.interface, seat.id, paused=paused, penalty=penalty))
                        await self.ami.send(ami_actions.queue_penalty(queue, seat.interface,
                                                                      penalty))
                        await self.ami.send(ami_actions.queue_pause(seat.interface, paused,
                                                                    reason, queue=queue))
                    self._sent[(seat.id, queue)] = wanted
        except (AmiError, TimeoutError) as exc:
            log.warning("making the queue follow the agents' statuses: %s (retried)", exc)
            return
        self._applied = generation

    async def _recover_facts(self) -> None:
        """For each citizen whose call began while we were away, read back from the channel
        what the dialplan announced at the start (recording path, dialled number, menu
        choice) and put it in the event stream as a fact marked `Origin: resync`."""
        for snap in self.ami.snapshot:
            lid, uid, channel = call_of(snap), snap.get("Uniqueid", ""), \
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
                    self.ami.events.put_nowait(events.fact_event(
                        fact, "resync", uid, lid, channel=channel, **values))


async def run_forever(controller: Controller, listening: str = "") -> None:
    """Run until SIGTERM or SIGINT, then store everything held and return (exit status 0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await controller.start()
    log.info("controller running: %s", listening)
    try:
        await stop.wait()
        log.info("controller stopping: storing %d calls held", controller.calls.held)
    finally:
        await controller.stop()
    log.info("controller stopped")
