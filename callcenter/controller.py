"""The controller process: AMI events -> tracker -> call log; FastAGI routing answers.

One asyncio loop. Database writes run in a worker thread so the loop keeps reading AMI
(Asterisk drops a client that does not read for `writetimeout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from dataclasses import dataclass, field

from callcenter.config import Settings
from callcenter.domain.calls import GRACE
from callcenter.services.call_log import CallLog
from callcenter.services.routing import RoutingPolicy
from callcenter.storage.engine import make_engine, migrate
from callcenter.telephony import ami_actions
from callcenter.telephony.ami_client import AmiClient, AmiError, consume
from callcenter.telephony.ami_parse import Message
from callcenter.telephony.fastagi import AgiRequest, AgiSession, FastAgiServer
from callcenter.telephony.tracker import CallTracker
from callcenter.telephony.variables import AGI_SETTABLE, RECOVERABLE, USEREVENT_NAME

log = logging.getLogger(__name__)
HANDED_KEPT = 50_000  # late events come seconds after a call, not days: a day's calls is plenty


@dataclass
class Controller:
    settings: Settings
    grace: float = GRACE.total_seconds()
    tracker: CallTracker = field(default_factory=CallTracker)

    def __post_init__(self) -> None:
        s = self.settings
        self.engine = make_engine(s.store_url)
        self.call_log = CallLog(self.engine, s.recording_root, s.asterisk_recording_root)
        self.routing = RoutingPolicy(s.menu_enabled)
        self.ami = AmiClient(s.ami_host, s.ami_port, s.ami_user, s.ami_secret(),
                             resync_queue=s.queue_name, on_login=self._on_login,
                             wanted=CallTracker.WANTS)
        self.agi = FastAgiServer(self._agi, s.agi_host, s.agi_port,
                                 answer_timeout=s.agi_timeout_ms / 1000)
        self._to_save: asyncio.Queue[str] = asyncio.Queue()
        # Calls this process handed to the store (saved or being saved), newest last: a late
        # event of one of them is merged at once, even before its first save has committed.
        self._handed: dict[str, None] = {}
        self._checks: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._checkpoints: set[str] = set()  # answered calls to store once while under way
        self._stopping = False

    async def start(self) -> None:
        await asyncio.to_thread(migrate, self.engine)
        # Calls stored under way by an earlier run (stopped, or killed after a checkpoint) are
        # held again: the first resync finds each live (and follows it) or gone (completes it).
        for lid, trail in (await asyncio.to_thread(self.call_log.in_progress)).items():
            self.tracker.give_back(trail)
            self._handed[lid] = None
        await self.agi.start()
        self._tasks = [asyncio.create_task(self.ami.run(), name="ami"),
                       asyncio.create_task(consume(self.ami.events, self.on_event), name="events"),
                       asyncio.create_task(self._persister(), name="persist")]

    async def stop(self, timeout: float = 30.0) -> None:
        """Store every call held, then let go: finished ones as they are, live ones as
        in-progress records the next run's resync completes. Nothing held is dropped."""
        self._stopping = True
        await self.agi.stop()
        await self.ami.stop()
        try:
            await asyncio.wait_for(self.ami.events.join(), timeout)  # events read, not lost
        except TimeoutError:
            log.error("stopping: AMI events still unhandled after %.0f s", timeout)
        self._checkpoints.clear()
        for lid in list(self.tracker.calls):
            self._to_save.put_nowait(lid)
        try:
            await asyncio.wait_for(self._to_save.join(), timeout)
        except TimeoutError:
            log.error("stopping: %d calls not stored", len(self.tracker.calls))
        for t in [*self._tasks, *self._checks]:
            t.cancel()
        for t in [*self._tasks, *self._checks]:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self.engine.dispose()

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
            if not lid or uid != lid or not snap.get("Context", "").startswith("hotline-"):
                continue
            for fact, fields in RECOVERABLE.items():
                if self.tracker.has_fact(lid, fact):
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

    async def _agi(self, request: AgiRequest, session: AgiSession) -> None:
        if request.script != "route":
            log.warning("FastAGI: unknown script %r", request.script)
            return
        for name, value in self.routing.route().items():
            if value not in AGI_SETTABLE.get(name, ()):
                raise ValueError(f"refusing to set {name}={value!r}")
            await session.set_variable(name, value)

    def on_event(self, msg: Message) -> None:
        lid = msg.get("Linkedid", "")
        # A call's own start (its citizen's Newchannel) or a resync snapshot opens a call; any
        # other event of a call not held, a new leg's Newchannel included, is a fragment.
        opens = msg.get("Event") == "CoreShowChannel" or (
            msg.get("Event") == "Newchannel" and msg.get("Uniqueid") == lid)
        fragment = bool(lid) and lid not in self.tracker.calls and (
            not opens or lid in self._handed)
        done = self.tracker.feed(msg)
        loop = asyncio.get_running_loop()
        if fragment and lid in self.tracker.calls and lid not in done:
            # Events of a call whose start we did not see: late events of a call already
            # stored (merged into it), or a call under way when we (re)connected (resync
            # completes it). Only the store can tell which.
            task = loop.create_task(self._merge_if_stored(lid))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)
        if msg.get("Event") == "AgentConnect" and lid in self.tracker.calls and \
                lid not in done and lid not in self._handed:
            # A checkpoint of the answered call: a controller killed before the citizen hangs
            # up still leaves a record for the next run to complete.
            self._checkpoints.add(lid)
            self._to_save.put_nowait(lid)
        for call in done:
            # Stored at once; anything later is merged into it (late legs, see _handed).
            self._to_save.put_nowait(call)

    async def _merge_if_stored(self, lid: str) -> None:
        if lid in self._handed:
            asyncio.get_running_loop().call_later(self.grace, self._to_save.put_nowait, lid)
            return
        try:
            stored = await asyncio.to_thread(self.call_log.exists, lid)
        except Exception:
            log.exception("looking up call %s failed; its events wait for the next resync", lid)
            return
        if stored:
            self._handed[lid] = None
            asyncio.get_running_loop().call_later(self.grace, self._to_save.put_nowait, lid)

    async def _persister(self) -> None:
        while True:
            batch = [await self._to_save.get()]
            while not self._to_save.empty():
                batch.append(self._to_save.get_nowait())
            calls = {}
            for lid in dict.fromkeys(batch):
                if lid in self._checkpoints and not self.tracker.is_complete(lid):
                    evs = self.tracker.copy(lid)  # still under way: stored, and still held
                else:
                    evs = self.tracker.pop(lid)
                self._checkpoints.discard(lid)
                if evs:
                    calls[lid] = evs
            for lid in calls:
                self._handed.pop(lid, None)
                self._handed[lid] = None
            while len(self._handed) > HANDED_KEPT:
                del self._handed[next(iter(self._handed))]
            try:
                if calls:
                    await asyncio.to_thread(self.call_log.save, calls)
            except Exception:
                # Keep the events: put them back so the next batch tries again.
                log.exception("storing %d calls failed; will retry", len(calls))
                for lid, trail in calls.items():
                    self.tracker.give_back(trail)
                    if not self._stopping:
                        asyncio.get_running_loop().call_later(5, self._to_save.put_nowait, lid)
            finally:
                for _ in batch:
                    self._to_save.task_done()


async def run_forever(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then store everything held and return (exit status 0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    controller = Controller(settings)
    await controller.start()
    log.info("controller running: AMI %s:%s, FastAGI %s:%s", settings.ami_host,
             settings.ami_port, settings.agi_host, settings.agi_port)
    try:
        await stop.wait()
        log.info("controller stopping: storing %d calls held", len(controller.tracker.calls))
    finally:
        await controller.stop()
    log.info("controller stopped")
