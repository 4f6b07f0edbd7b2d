"""The calls the controller holds: from AMI events to stored records, nothing lost.

One owner for the tracker, the grace timers, late fragments and writes. A call is stored the
moment it ends (and once while under way when answered, a checkpoint); anything of it that
arrives later is merged into the stored record within the grace. `flush()` stores everything
held — live calls as in-progress records the next run completes — and is what a stopping
controller calls. Database writes run in a worker thread so the loop keeps reading AMI.
A batch the store refuses goes to the spool on disk (services/call_spool.py) and is drained
into the store, oldest first, once it answers again: this run's or a killed run's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from callcenter.domain.calls import GRACE, Event
from callcenter.services.call_log import CallLog
from callcenter.services.call_spool import CallSpool, SpoolError
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of
from callcenter.telephony.tracker import CallTracker

log = logging.getLogger(__name__)
HANDED_KEPT = 50_000  # late events come seconds after a call, not days: a day's calls is plenty
RETRY_AFTER = 5.0     # seconds before a failed write is tried again


class CallService:
    def __init__(self, call_log: CallLog, grace: float = GRACE.total_seconds(),
                 tracker: CallTracker | None = None, spool: CallSpool | None = None,
                 retry_after: float = RETRY_AFTER) -> None:
        self.call_log = call_log
        self.spool = spool
        self.retry_after = retry_after
        self._spooled = asyncio.Event()  # a batch went to the spool: drain it
        self._drainer: asyncio.Task[None] | None = None
        self._recovered = False  # calls stored under way by an earlier run are held again
        self.grace = grace
        self.tracker = tracker or CallTracker()
        self._to_save: asyncio.Queue[str] = asyncio.Queue()
        # Calls this process handed to the store (saved or being saved), newest last: a late
        # event of one of them is merged at once, even before its first save has committed.
        self._handed: dict[str, None] = {}
        self._checks: set[asyncio.Task[None]] = set()
        self._persister: asyncio.Task[None] | None = None
        self._checkpoints: set[str] = set()  # answered calls to store once while under way
        self._stopping = False
        # Seconds each batch of calls took to commit (the controller's metrics).
        self.observe_write: Callable[[float], None] = lambda seconds: None

    async def start(self) -> None:
        try:
            await self._catch_up()
        except Exception:
            # The store is away: the line runs on, and the drainer tries again.
            log.warning("the store did not answer at start; spooled calls and calls under "
                        "way are taken up when it does")
            self._spooled.set()
        self._persister = asyncio.create_task(self._persist(), name="persist")
        self._drainer = asyncio.create_task(self._drain(), name="drain-spool")

    async def _catch_up(self) -> None:
        # The spool first: a call a killed run finished but could not store is in the store
        # as a checkpoint, under way; stored whole first, it is not held again as live.
        if self.spool is not None:
            while batches := self.spool.batches():
                calls = await asyncio.to_thread(self.spool.read, batches[0])
                if calls:
                    await asyncio.to_thread(self.call_log.save, calls)
                await asyncio.to_thread(self.spool.done, batches[0])
                log.info("stored %d spooled calls; %d batches left", len(calls),
                         len(batches) - 1)
        if not self._recovered:
            # Calls stored under way by an earlier run (stopped, or killed after a
            # checkpoint) are held again: the first resync finds each live (and follows it)
            # or gone (completes it).
            for lid, trail in (await asyncio.to_thread(self.call_log.in_progress)).items():
                self.tracker.give_back(trail)
                self._handed[lid] = None
            self._recovered = True

    @property
    def spooled(self) -> int:
        """Batches waiting on disk for the store."""
        return len(self.spool.batches()) if self.spool is not None else 0

    def has_fact(self, linkedid: str, fact: str) -> bool:
        return self.tracker.has_fact(linkedid, fact)

    @property
    def held(self) -> int:
        return len(self.tracker.calls)

    def feed(self, msg: Message) -> None:
        lid = call_of(msg)
        # A call's own start (its citizen's Newchannel) or a resync snapshot opens a call; any
        # other event of a call not held, a new leg's Newchannel included, is a fragment.
        opens = msg.get("Event") == Ev.CORE_SHOW_CHANNEL or (
            msg.get("Event") == Ev.NEWCHANNEL and msg.get("Uniqueid") == lid)
        fragment = bool(lid) and lid not in self.tracker.calls and (
            not opens or lid in self._handed)
        done = self.tracker.feed(msg)
        if fragment and lid in self.tracker.calls and lid not in done:
            # Events of a call whose start we did not see: late events of a call already
            # stored (merged into it), or a call under way when we (re)connected (resync
            # completes it). Only the store can tell which.
            task = asyncio.get_running_loop().create_task(self._merge_if_stored(lid))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)
        if msg.get("Event") == Ev.AGENT_CONNECT and lid in self.tracker.calls and \
                lid not in done and lid not in self._handed:
            # A checkpoint of the answered call: a controller killed before the citizen hangs
            # up still leaves a record for the next run to complete.
            self._checkpoints.add(lid)
            self._to_save.put_nowait(lid)
        for call in done:
            # Stored at once; anything later is merged into it (late legs, see _handed).
            self._to_save.put_nowait(call)

    async def flush(self, timeout: float = 30.0) -> None:
        """Store every call held: finished ones as they are, live ones as in-progress
        records; then stop writing. Call it after the event source has stopped."""
        self._stopping = True
        self._checkpoints.clear()
        for lid in list(self.tracker.calls):
            self._to_save.put_nowait(lid)
        try:
            await asyncio.wait_for(self._to_save.join(), timeout)
        except TimeoutError:
            log.error("stopping: %d calls not stored", self.held)
        tasks = [t for t in (self._persister, self._drainer, *self._checks) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t

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

    async def _persist(self) -> None:
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
                    started = time.perf_counter()
                    await asyncio.to_thread(self.call_log.save, calls)
                    self.observe_write(time.perf_counter() - started)
            except Exception as exc:
                await self._keep(calls, exc)
            finally:
                for _ in batch:
                    self._to_save.task_done()

    async def _keep(self, calls: dict[str, dict[str, Event]], exc: Exception) -> None:
        """A batch the store refused: on disk if there is a spool, else held and retried."""
        if self.spool is not None:
            try:
                await asyncio.to_thread(self.spool.put, calls)
                log.warning("the store refused %d calls (%s); kept in the spool",
                            len(calls), type(exc).__name__)
                self._spooled.set()
                return
            except SpoolError as spool_exc:
                log.error("%s; %d calls held in memory", spool_exc, len(calls))
        else:
            log.error("storing %d calls failed (%s); will retry", len(calls),
                      type(exc).__name__)
        for lid, trail in calls.items():
            self.tracker.give_back(trail)
            if not self._stopping:
                asyncio.get_running_loop().call_later(self.retry_after,
                                                      self._to_save.put_nowait, lid)

    async def _drain(self) -> None:
        while True:
            await self._spooled.wait()
            self._spooled.clear()
            while True:
                try:
                    await self._catch_up()
                    break
                except Exception as exc:
                    log.info("the spool waits for the store (%s)", type(exc).__name__)
                    await asyncio.sleep(self.retry_after)
