"""Repository of calls: reads and stages writes on the session it is given; never commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.calls import CallRecord, Event, digest, timestamp
from callcenter.storage.tables import CallRow, EventRow, LegRow, RecordingRow


class CallsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, linkedid: str) -> CallRow | None:
        return self.s.scalar(select(CallRow).where(CallRow.linkedid == linkedid))

    def events_of(self, call_id: int) -> list[Event]:
        bodies = self.s.scalars(select(EventRow.body).where(EventRow.call_id == call_id))
        return [json.loads(b) for b in bodies]

    def add_events(self, call: CallRow, events: Iterable[Event], known: set[str]) -> None:
        rows = []
        for e in events:
            d = digest(e)
            if d in known:
                continue
            known.add(d)
            rows.append(EventRow(call_id=call.id, digest=d, ts=timestamp(e),
                                 name=e.get("Event", ""), body=json.dumps(e, ensure_ascii=False)))
        self.s.add_all(rows)

    def digests_of(self, call_id: int) -> set[str]:
        return set(self.s.scalars(select(EventRow.digest).where(EventRow.call_id == call_id)))

    def upsert(self, record: CallRecord) -> CallRow:
        row = self.get(record.linkedid)
        if row is None:
            row = CallRow(linkedid=record.linkedid)
            self.s.add(row)
        for name in ("caller_number", "dialled_number", "started_at", "ended_at", "ivr_choice",
                     "route", "fallback", "queue", "queue_joined_at", "wait_s", "seat",
                     "answered_at", "talk_s", "disposition_reason"):
            setattr(row, name, getattr(record, name))
        row.hung_up_by = record.hung_up_by.value
        row.disposition = record.disposition.value
        by_uid = {leg.uniqueid: leg for leg in row.legs}
        for leg in record.legs:
            lr = by_uid.get(leg.uniqueid) or LegRow(uniqueid=leg.uniqueid)
            if leg.uniqueid not in by_uid:
                row.legs.append(lr)
            lr.channel, lr.role = leg.channel, leg.role
            lr.started_at, lr.ended_at, lr.hangup_cause = leg.started_at, leg.ended_at, \
                leg.hangup_cause
        self.s.flush()
        return row

    def set_recording(self, row: CallRow, kind: str, path: str, size: int | None,
                      duration: float | None, sha256: str | None, error: str) -> None:
        rec = next((r for r in row.recordings if r.kind == kind), None)
        if rec is None:
            rec = RecordingRow(kind=kind)
            row.recordings.append(rec)
        rec.path, rec.size_bytes, rec.duration_s, rec.sha256, rec.error = (
            path, size, duration, sha256, error)

    def list(self, since: datetime | None = None, limit: int = 100) -> Sequence[CallRow]:
        q = select(CallRow).order_by(CallRow.started_at.desc()).limit(limit)
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        return self.s.scalars(q).all()
