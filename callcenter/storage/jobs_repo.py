"""Repository of the transcription queue: jobs with leases and fences, and the segments a
finished job writes. Stages work on the session it is given; never commits.

On PostgreSQL a claim takes its row `FOR UPDATE SKIP LOCKED`, so workers on many machines
never take the same job; on SQLite writers are serialised (BEGIN IMMEDIATE) instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from callcenter.domain.transcription import Job, Segment
from callcenter.storage import word_index
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.transcript_tables import SegmentRow, TranscriptionJobRow

J = TranscriptionJobRow


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


class Problem(TypedDict):
    """A recording that was flagged (damaged, changed, missing) or failed, with why."""

    call: str
    kind: str  # the leg: mix, citizen, agent, unit …
    path: str
    state: str  # flagged | failed
    error: str
    attempts: int
    at: str | None


class JobsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def enqueue_pending(self, now: datetime, kinds: Iterable[str], since: datetime | None,
                        call_id: int | None) -> int:
        """A job for every leg recording (of these kinds) of an answered call with none yet."""
        q = (select(RecordingRow.id, RecordingRow.call_id)
             .join(CallRow, CallRow.id == RecordingRow.call_id)
             .outerjoin(J, J.recording_id == RecordingRow.id)
             .where(RecordingRow.kind.in_(list(kinds)),
                    # an after-hours message was answered by nobody, and is the citizen's word
                    or_(CallRow.answered_at.is_not(None), RecordingRow.kind == "message"),
                    # a call under way is still being recorded
                    CallRow.disposition != "in_progress", J.recording_id.is_(None)))
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        if call_id is not None:
            q = q.where(CallRow.id == call_id)
        rows = [{"recording_id": rid, "call_id": cid, "state": "queued", "worker": "",
                 "attempts": 0, "error": "", "queued_at": now} for rid, cid in self.s.execute(q)]
        if rows:
            self.s.execute(insert(J), rows)
        return len(rows)

    def requeue(self, call_id: int | None, since: datetime | None) -> int:
        """Jobs not being worked on, of one call or every call since a time, queued again."""
        q = update(J).where(J.state != "running")
        if call_id is not None:
            q = q.where(J.call_id == call_id)
        if since is not None:
            q = q.where(J.call_id.in_(select(CallRow.id).where(CallRow.started_at >= since)))
        return _rowcount(self.s.execute(
            q.values(state="queued", worker="", lease_until=None, error="", attempts=0)))

    def fail_exhausted(self, now: datetime, max_attempts: int) -> None:
        """Jobs whose lease ran out `max_attempts` times fail, with the reason."""
        self.s.execute(update(J).where(
            J.state == "running", J.lease_until < now, J.attempts >= max_attempts).values(
            state="failed", lease_until=None, done_at=now,
            error=f"its worker died or hung {max_attempts} times"))

    def claim(self, now: datetime, worker: str, lease_until: datetime) -> Job | None:
        """The oldest job queued or with a lease run out, leased to `worker`."""
        ready = or_(J.state == "queued", and_(J.state == "running", J.lease_until < now))
        q = (select(J, RecordingRow).join(RecordingRow, RecordingRow.id == J.recording_id)
             .where(ready).order_by(J.queued_at).limit(1))
        if self.s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True, of=J)
        found = self.s.execute(q).first()
        if found is None:
            return None
        job, rec = found
        job.state, job.worker = "running", worker
        job.lease_until, job.attempts = lease_until, job.attempts + 1
        return Job(rec.id, rec.call_id, rec.path, rec.sha256, rec.kind, rec.offset_s)

    @staticmethod
    def _held(recording_id: int, worker: str) -> ColumnElement[bool]:
        return and_(J.recording_id == recording_id, J.state == "running", J.worker == worker)

    def renew(self, recording_id: int, worker: str, lease_until: datetime) -> bool:
        return _rowcount(self.s.execute(update(J).where(self._held(recording_id, worker))
                                        .values(lease_until=lease_until))) == 1

    def release(self, worker: str) -> int:
        """Every job the worker holds queued again, the attempt not counted."""
        return _rowcount(self.s.execute(
            update(J).where(J.state == "running", J.worker == worker)
            .values(state="queued", worker="", lease_until=None, attempts=J.attempts - 1)))

    def close(self, recording_id: int, worker: str, state: str, now: datetime, error: str,
              audio_s: float | None = None) -> bool:
        """The fence: closes the job only while `worker` holds its lease."""
        values: dict[str, Any] = {"state": state, "done_at": now, "lease_until": None,
                                  "error": error}
        if audio_s is not None:
            values["audio_s"] = audio_s
        return _rowcount(self.s.execute(update(J).where(self._held(recording_id, worker))
                                        .values(**values))) == 1

    def replace_segments(self, job: Job, segments: Sequence[Segment]) -> None:
        """The recording's utterances and their word index, replaced whole."""
        old = list(self.s.scalars(delete(SegmentRow).where(
            SegmentRow.recording_id == job.recording_id).returning(SegmentRow.id)))
        word_index.drop(self.s, word_index.SEGMENTS, old)
        if segments:
            new = self.s.execute(
                insert(SegmentRow).returning(SegmentRow.id, SegmentRow.words,
                                             sort_by_parameter_order=True),
                [{"recording_id": job.recording_id, "call_id": job.call_id,
                  "speaker": g.speaker, "start_s": g.start_s, "end_s": g.end_s,
                  "text": g.text, "words": g.words, "conf": g.conf} for g in segments])
            word_index.put(self.s, word_index.SEGMENTS, [(i, w) for i, w in new])

    def problems(self, limit: int) -> list[Problem]:
        """Flagged or failed jobs, newest first, with the call, leg and reason."""
        rows = self.s.execute(
            select(J, RecordingRow.path, RecordingRow.kind, CallRow.linkedid)
            .join(RecordingRow, RecordingRow.id == J.recording_id)
            .join(CallRow, CallRow.id == J.call_id)
            .where(J.state.in_(["flagged", "failed"]))
            .order_by(J.done_at.desc()).limit(limit))
        return [Problem(call=lid, kind=kind, path=path, state=job.state, error=job.error,
                        attempts=job.attempts,
                        at=job.done_at.isoformat() if job.done_at else None)
                for job, path, kind, lid in rows]

    def counts(self) -> dict[str, int]:
        return {state: n for state, n in self.s.execute(
            select(J.state, func.count()).group_by(J.state))}
