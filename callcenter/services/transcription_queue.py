"""The transcription work queue in the store, shared by any number of transcriber processes.

- `enqueue_pending` makes one job per recorded leg (citizen, seat) of answered calls.
- `claim` leases one job to a worker: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
  workers on many machines never take the same job; on SQLite writers are serialised
  (BEGIN IMMEDIATE), which is correct but one worker is all SQLite is for.
- A job whose lease ran out (its worker died or hung) is claimed again by someone else.
- `finish` writes the segments and marks the job done only if this worker still holds the
  lease (fencing): a worker that comes back after losing its lease writes nothing, so a
  recording is transcribed into the store exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from callcenter.domain.topics import Spot
from callcenter.domain.transcription import SPEAKERS, Job, Segment
from callcenter.services.ports import UnitsOfWork

if TYPE_CHECKING:
    from callcenter.storage.jobs_repo import Problem

__all__ = ["LEASE", "MAX_ATTEMPTS", "SPEAKERS", "Job", "Segment", "TranscriptionQueue"]
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3


class TranscriptionQueue:
    def __init__(self, uow: UnitsOfWork, worker: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 lease: timedelta = LEASE) -> None:
        self.uow = uow
        self.worker = worker
        self.clock = clock
        self.lease = lease

    def enqueue_pending(self, since: datetime | None = None, call_id: int | None = None) -> int:
        """A job for every readable leg recording of an answered call that has none yet."""
        with self.uow() as uow:
            return uow.jobs.enqueue_pending(self.clock(), SPEAKERS, since, call_id)

    def requeue(self, call_id: int | None = None, since: datetime | None = None) -> int:
        """Transcribe again (e.g. with a better model) one call's recordings, or those of every
        call since a time. A job being worked on is left to finish."""
        with self.uow() as uow:
            return uow.jobs.requeue(call_id, since)

    def claim(self) -> Job | None:
        now = self.clock()
        with self.uow() as uow:
            repo = uow.jobs
            # A recording that killed or hung its worker MAX_ATTEMPTS times is not retried
            # forever: it is failed, with the reason, for someone to look at.
            repo.fail_exhausted(now, MAX_ATTEMPTS)
            return repo.claim(now, self.worker, now + self.lease)

    def renew(self, job: Job) -> bool:
        """Extend our lease while decoding a long recording; False if it was lost."""
        with self.uow() as uow:
            return uow.jobs.renew(job.recording_id, self.worker,
                                               self.clock() + self.lease)

    def release(self) -> int:
        """Give back every job this worker holds (it is stopping): queued again at once,
        the attempt not counted against the recording."""
        with self.uow() as uow:
            return uow.jobs.release(self.worker)

    def finish(self, job: Job, segments: Sequence[Segment], audio_s: float,
               spots: Sequence[Spot] = ()) -> bool:
        """Store the segments and topic spots and close the job, if the lease is still ours."""
        with self.uow() as uow:
            repo = uow.jobs
            if not repo.close(job.recording_id, self.worker, "done", self.clock(), "",
                              audio_s):
                return False  # lease lost: someone else owns (or finished) this job now
            repo.replace_segments(job, segments)
            uow.topics.put_spots(job.recording_id, job.call_id,
                                              SPEAKERS[job.kind], spots)
            return True

    def flag(self, job: Job, state: str, error: str) -> bool:
        """Close a job as `flagged` (the recording is damaged: never silently skipped) or
        `failed` (decoding failed), keeping the reason."""
        if state not in ("flagged", "failed"):
            raise ValueError(state)
        with self.uow() as uow:
            return uow.jobs.close(job.recording_id, self.worker, state,
                                               self.clock(), error[:1000])

    def problems(self, limit: int = 100) -> list[Problem]:
        """Recordings that were flagged (damaged, changed, missing) or failed, newest first,
        with the reason: someone has to look at each."""
        with self.uow(read_only=True) as uow:
            return uow.jobs.problems(limit)

    def counts(self) -> dict[str, int]:
        """Jobs per state. Counted by the store: `transcribe` asks every second while it
        waits for other workers, and the table holds every recording ever transcribed."""
        with self.uow(read_only=True) as uow:
            return uow.jobs.counts()
