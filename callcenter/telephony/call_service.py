"""The calls the controller holds: from AMI events to stored records, nothing lost.

One owner for the tracker, the grace timers, late fragments and writes. A call is stored the
moment it ends (and once while under way when answered, a checkpoint); anything of it that
arrives later is merged into the stored record within the grace. `flush()` stores everything
held — live calls as in-progress records the next run completes — and is what a stopping
controller calls. Database writes run in a worker thread so the loop keeps reading AMI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from callcenter.domain.calls import GRACE
from callcenter.services.call_log import CallLog
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.ami.parse import Message
from callcenter.telephony.call_facts import call_of
from callcenter.telephony.tracker import CallTracker

log = logging.getLogger(__name__)
HANDED_KEPT = 50_000  # late events come seconds after a call, not days: a day's calls is plenty
RETRY_AFTER = 5.0     # seconds before a failed write is tried again


class CallService:
    def __init__(self, call_log: CallLog, grace: float = GRACE.total_seconds(),
                 tracker: CallTracker | None = None) -> None:
        self.call_log = call_log
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

    async def start(self) -> None:
        # Calls stored under way by an earlier run (stopped, or killed after a checkpoint) are
        # held again: the first resync finds each live (and follows it) or gone (completes it).
        for lid, trail in (await asyncio.to_thread(self.call_log.in_progress)).items():
            self.tracker.give_back(trail)
            self._handed[lid] = None
        self._persister = asyncio.create_task(self._persist(), name="persist")

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
        tasks = [t for t in (self._persister, *self._checks) if t is not None]
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
                    await asyncio.to_thread(self.call_log.save, calls)
            except Exception:
                # Keep the events: put them back so the next batch tries again.
                log.exception("storing %d calls failed; will retry", len(calls))
                for lid, trail in calls.items():
                    self.tracker.give_back(trail)
                    if not self._stopping:
                        asyncio.get_running_loop().call_later(RETRY_AFTER,
                                                              self._to_save.put_nowait, lid)
            finally:
                for _ in batch:
                    self._to_save.task_done()
