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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from callcenter.domain.topics import Spot
from callcenter.storage import word_index
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.topic_spots import put_spots
from callcenter.storage.transcript_tables import SegmentRow, TranscriptionJobRow
from callcenter.storage.uow import UnitOfWork

SPEAKERS = {"citizen": "citizen", "seat": "agent"}  # recording kind -> who speaks on it
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    recording_id: int
    call_id: int
    path: str
    sha256: str | None
    kind: str


@dataclass(frozen=True)
class Segment:
    speaker: str
    start_s: float
    end_s: float
    text: str
    words: str
    conf: float


class TranscriptionQueue:
    def __init__(self, engine: Engine, worker: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 lease: timedelta = LEASE) -> None:
        self.engine = engine
        self.worker = worker
        self.clock = clock
        self.lease = lease

    def enqueue_pending(self, since: datetime | None = None, call_id: int | None = None) -> int:
        """A job for every readable leg recording of an answered call that has none yet."""
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            q = (select(RecordingRow.id, RecordingRow.call_id)
                 .join(CallRow, CallRow.id == RecordingRow.call_id)
                 .outerjoin(TranscriptionJobRow,
                            TranscriptionJobRow.recording_id == RecordingRow.id)
                 .where(RecordingRow.kind.in_(list(SPEAKERS)), CallRow.answered_at.is_not(None),
                        # a call under way is still being recorded
                        CallRow.disposition != "in_progress",
                        TranscriptionJobRow.recording_id.is_(None)))
            if since is not None:
                q = q.where(CallRow.started_at >= since)
            if call_id is not None:
                q = q.where(CallRow.id == call_id)
            rows = [{"recording_id": rid, "call_id": cid, "state": "queued", "worker": "",
                     "attempts": 0, "error": "", "queued_at": self.clock()}
                    for rid, cid in s.execute(q)]
            if rows:
                s.execute(insert(TranscriptionJobRow), rows)
            return len(rows)

    def requeue(self, call_id: int | None = None, since: datetime | None = None) -> int:
        """Transcribe again (e.g. with a better model) one call's recordings, or those of every
        call since a time. A job being worked on is left to finish."""
        q = update(TranscriptionJobRow).where(TranscriptionJobRow.state != "running")
        if call_id is not None:
            q = q.where(TranscriptionJobRow.call_id == call_id)
        if since is not None:
            q = q.where(TranscriptionJobRow.call_id.in_(
                select(CallRow.id).where(CallRow.started_at >= since)))
        with UnitOfWork(self.engine) as uow:
            done = uow.session.execute(
                q.values(state="queued", worker="", lease_until=None, error="", attempts=0))
            return int(done.rowcount)  # type: ignore[attr-defined]

    def claim(self) -> Job | None:
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            # A recording that killed or hung its worker MAX_ATTEMPTS times is not retried
            # forever: it is failed, with the reason, for someone to look at.
            s.execute(update(TranscriptionJobRow).where(
                TranscriptionJobRow.state == "running", TranscriptionJobRow.lease_until < now,
                TranscriptionJobRow.attempts >= MAX_ATTEMPTS).values(
                state="failed", lease_until=None, done_at=now,
                error=f"its worker died or hung {MAX_ATTEMPTS} times"))
            ready = or_(TranscriptionJobRow.state == "queued",
                        and_(TranscriptionJobRow.state == "running",
                             TranscriptionJobRow.lease_until < now))
            q = (select(TranscriptionJobRow, RecordingRow)
                 .join(RecordingRow, RecordingRow.id == TranscriptionJobRow.recording_id)
                 .where(ready).order_by(TranscriptionJobRow.queued_at).limit(1))
            if s.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True, of=TranscriptionJobRow)
            found = s.execute(q).first()
            if found is None:
                return None
            job, rec = found
            job.state, job.worker = "running", self.worker
            job.lease_until, job.attempts = now + self.lease, job.attempts + 1
            return Job(rec.id, rec.call_id, rec.path, rec.sha256, rec.kind)

    def _held(self, recording_id: int) -> ColumnElement[bool]:
        return and_(TranscriptionJobRow.recording_id == recording_id,
                    TranscriptionJobRow.state == "running",
                    TranscriptionJobRow.worker == self.worker)

    def renew(self, job: Job) -> bool:
        """Extend our lease while decoding a long recording; False if it was lost."""
        with UnitOfWork(self.engine) as uow:
            done = uow.session.execute(update(TranscriptionJobRow).where(
                self._held(job.recording_id)).values(lease_until=self.clock() + self.lease))
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def release(self) -> int:
        """Give back every job this worker holds (it is stopping): queued again at once,
        the attempt not counted against the recording."""
        with UnitOfWork(self.engine) as uow:
            done = uow.session.execute(
                update(TranscriptionJobRow).where(TranscriptionJobRow.state == "running",
                                                  TranscriptionJobRow.worker == self.worker)
                .values(state="queued", worker="", lease_until=None,
                        attempts=TranscriptionJobRow.attempts - 1))
            return int(done.rowcount)  # type: ignore[attr-defined]

    def finish(self, job: Job, segments: Sequence[Segment], audio_s: float,
               spots: Sequence[Spot] = ()) -> bool:
        """Store the segments and topic spots and close the job, if the lease is still ours."""
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            mine = s.execute(update(TranscriptionJobRow).where(self._held(job.recording_id))
                             .values(state="done", done_at=self.clock(), audio_s=audio_s,
                                     lease_until=None, error=""))
            if mine.rowcount != 1:  # type: ignore[attr-defined]
                return False  # lease lost: someone else owns (or finished) this job now
            old = list(s.scalars(delete(SegmentRow).where(
                SegmentRow.recording_id == job.recording_id).returning(SegmentRow.id)))
            word_index.drop(s, word_index.SEGMENTS, old)
            if segments:
                new = s.execute(
                    insert(SegmentRow).returning(SegmentRow.id, SegmentRow.words,
                                                 sort_by_parameter_order=True),
                    [{"recording_id": job.recording_id, "call_id": job.call_id,
                      "speaker": g.speaker, "start_s": g.start_s, "end_s": g.end_s,
                      "text": g.text, "words": g.words, "conf": g.conf} for g in segments])
                word_index.put(s, word_index.SEGMENTS, [(i, w) for i, w in new])
            put_spots(s, job.recording_id, job.call_id, SPEAKERS[job.kind], spots)
            return True

    def flag(self, job: Job, state: str, error: str) -> bool:
        """Close a job as `flagged` (the recording is damaged: never silently skipped) or
        `failed` (decoding failed), keeping the reason."""
        if state not in ("flagged", "failed"):
            raise ValueError(state)
        with UnitOfWork(self.engine) as uow:
            done = uow.session.execute(
                update(TranscriptionJobRow).where(self._held(job.recording_id))
                .values(state=state, error=error[:1000], lease_until=None,
                        done_at=self.clock()))
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def problems(self, limit: int = 100) -> list[dict[str, Any]]:
        """Recordings that were flagged (damaged, changed, missing) or failed, newest first,
        with the reason: someone has to look at each."""
        with UnitOfWork(self.engine, read_only=True) as uow:
            rows = uow.session.execute(
                select(TranscriptionJobRow, RecordingRow.path, RecordingRow.kind,
                       CallRow.linkedid)
                .join(RecordingRow, RecordingRow.id == TranscriptionJobRow.recording_id)
                .join(CallRow, CallRow.id == TranscriptionJobRow.call_id)
                .where(TranscriptionJobRow.state.in_(["flagged", "failed"]))
                .order_by(TranscriptionJobRow.done_at.desc()).limit(limit))
            return [{"call": lid, "kind": kind, "path": path, "state": job.state,
                     "error": job.error, "attempts": job.attempts,
                     "at": job.done_at.isoformat() if job.done_at else None}
                    for job, path, kind, lid in rows]

    def counts(self) -> dict[str, int]:
        """Jobs per state. Counted by the store: `transcribe` asks every second while it
        waits for other workers, and the table holds every recording ever transcribed."""
        with UnitOfWork(self.engine, read_only=True) as uow:
            return {state: n for state, n in uow.session.execute(
                select(TranscriptionJobRow.state, func.count())
                .group_by(TranscriptionJobRow.state))}
