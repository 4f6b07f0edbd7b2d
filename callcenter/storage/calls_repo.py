"""Repository of calls: reads and stages writes on the session it is given; never commits.

Writes go through Core statements in batches (one executemany per table per batch): the
controller stores calls as fast as Asterisk can produce them, and the ORM's unit-of-work
bookkeeping cost more than everything else on that path. Reads for people use the ORM rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.calls import CallRecord, Ring, Trail
from callcenter.storage import trails
from callcenter.storage.agents_repo import AgentsRepo
from callcenter.storage.tables import (
    CallRow,
    LegRow,
    PartyRow,
    RecordingRow,
    RingRow,
    TrailRow,
)

# The mapped classes' tables, typed as tables (Core statements need a Table, not a FromClause).
CALLS, LEGS, TRAILS, RECORDINGS, PARTIES, RINGS = (
    cast(Table, c.__table__)
    for c in (CallRow, LegRow, TrailRow, RecordingRow, PartyRow, RingRow))
_FIELDS = ("caller_number", "dialled_number", "started_at", "ended_at", "ivr_choice", "route",
           "fallback", "queue", "queue_joined_at", "wait_s", "seat", "answered_at", "talk_s",
           "disposition_reason")
# SQLite allows 32k bound parameters per statement; PostgreSQL 65k. Stay well inside both.
_IN_CHUNK = 500


def _among(column: Any) -> Any:
    return column.in_(bindparam("keys", expanding=True))


# The statements of the call-storing path, built once: building one (its IN list, its cache
# key) cost more than running it on SQLite, for the one or two calls a batch holds under load.
_IDS_OF = select(CALLS.c.linkedid, CALLS.c.id).where(_among(CALLS.c.linkedid))
_TRAILS_OF = select(TRAILS.c.call_id, TRAILS.c.body).where(_among(TRAILS.c.call_id))
_INSERT_CALLS = insert(CALLS).returning(CALLS.c.linkedid, CALLS.c.id,
                                        sort_by_parameter_order=True)
_UPDATE_CALL = update(CALLS).where(CALLS.c.id == bindparam("_id"))
_DROP_LEGS = delete(LEGS).where(_among(LEGS.c.call_id))
_DROP_PARTIES = delete(PARTIES).where(_among(PARTIES.c.call_id))
_RINGS_OF = select(RINGS.c.call_id, RINGS.c.seat, RINGS.c.rung_at, RINGS.c.agent).where(
    _among(RINGS.c.call_id))
_DROP_RINGS = delete(RINGS).where(_among(RINGS.c.call_id))
_ADD_LEGS, _ADD_PARTIES, _ADD_RINGS, _ADD_TRAILS, _ADD_RECORDINGS = (
    insert(t) for t in (LEGS, PARTIES, RINGS, TRAILS, RECORDINGS))
_UPDATE_TRAIL = update(TRAILS).where(TRAILS.c.call_id == bindparam("_cid"))
_DROP_RECORDING = delete(RECORDINGS).where(RECORDINGS.c.call_id == bindparam("_cid"),
                                           RECORDINGS.c.kind == bindparam("_kind"))


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i:i + _IN_CHUNK]


def _call_values(record: CallRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _FIELDS}
    values["hung_up_by"] = record.hung_up_by.value
    values["disposition"] = record.disposition.value
    return values


class CallsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def ids_of(self, linkedids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(linkedids):
            out.update((lid, cid) for lid, cid in self.s.execute(_IDS_OF, {"keys": chunk}))
        return out

    def in_progress_ids(self, limit: int) -> dict[str, int]:
        q = (select(CALLS.c.linkedid, CALLS.c.id)
             .where(CALLS.c.disposition == "in_progress").order_by(CALLS.c.id).limit(limit))
        return {lid: cid for lid, cid in self.s.execute(q)}

    def trails_of(self, call_ids: Sequence[int]) -> dict[int, Trail]:
        """Stored trails by call id."""
        out: dict[int, Trail] = {cid: {} for cid in call_ids}
        for chunk in _chunks(call_ids):
            for cid, body in self.s.execute(_TRAILS_OF, {"keys": chunk}):
                out[cid] = trails.decode(body)
        return out

    def insert_calls(self, records: Sequence[CallRecord]) -> dict[str, int]:
        if not records:
            return {}
        rows = [{"linkedid": r.linkedid, **_call_values(r)} for r in records]
        return {lid: cid for lid, cid in self.s.execute(_INSERT_CALLS, rows)}

    def update_calls(self, records: Sequence[CallRecord], ids: Mapping[str, int]) -> None:
        if not records:
            return
        self.s.execute(_UPDATE_CALL,
                       [{"_id": ids[r.linkedid], **_call_values(r)} for r in records])

    def replace_legs(self, records: Sequence[CallRecord], ids: Mapping[str, int],
                     existing: Sequence[int]) -> None:
        for chunk in _chunks(existing):
            self.s.execute(_DROP_LEGS, {"keys": chunk})
        rows = [{"call_id": ids[r.linkedid], "uniqueid": g.uniqueid, "channel": g.channel,
                 "role": g.role, "started_at": g.started_at, "ended_at": g.ended_at,
                 "hangup_cause": g.hangup_cause} for r in records for g in r.legs]
        if rows:
            self.s.execute(_ADD_LEGS, rows)
        for chunk in _chunks(existing):
            self.s.execute(_DROP_PARTIES, {"keys": chunk})
        parties = [{"call_id": ids[r.linkedid], "leg": p.leg, "uniqueid": p.uniqueid,
                    "unit": p.unit, "number": p.number, "dialled_at": p.dialled_at,
                    "answered_at": p.answered_at, "ended_at": p.ended_at,
                    "outcome": p.outcome.value} for r in records for p in r.parties]
        if parties:
            self.s.execute(_ADD_PARTIES, parties)
        # Who was at a seat when it rang never changes afterwards: a ring stored before keeps
        # its agent, and only a new ring asks the statuses (a call is saved several times).
        agent_of: dict[tuple[int, str, datetime], str] = {}
        for chunk in _chunks(existing):
            agent_of.update(((cid, seat, at), agent) for cid, seat, at, agent in self.s.execute(
                _RINGS_OF, {"keys": chunk}))
            self.s.execute(_DROP_RINGS, {"keys": chunk})
        agents = AgentsRepo(self.s)

        def agent(call_id: int, ring: Ring) -> str:
            known = (call_id, ring.seat, ring.rung_at)
            return agent_of[known] if known in agent_of else agents.agent_at(ring.seat,
                                                                              ring.rung_at)

        rings = [{"call_id": ids[r.linkedid], "arrived_at": r.started_at, "seat": g.seat,
                  "rung_at": g.rung_at, "answered": g.answered,
                  "agent": agent(ids[r.linkedid], g)} for r in records for g in r.rings]
        if rings:
            self.s.execute(_ADD_RINGS, rings)

    def live_at_seat(self, seat: str) -> CallRow | None:
        """The call a seat is on now: stored under way (the checkpoint at answer) with it."""
        return self.s.scalar(select(CallRow).where(
            CallRow.seat == seat, CallRow.disposition == "in_progress")
            .order_by(CallRow.answered_at.desc()).limit(1))

    def live_at_seats(self, seats: Sequence[str]) -> dict[str, str]:
        """seat -> the call (Linkedid) it is on now, for these seats, in one read."""
        rows = self.s.execute(select(CallRow.seat, CallRow.linkedid).where(
            CallRow.seat.in_(list(seats)), CallRow.disposition == "in_progress")
            .order_by(CallRow.answered_at))
        return {seat: lid for seat, lid in rows if seat is not None}  # the latest answered wins

    def from_number(self, number: str, before: datetime, limit: int) -> Sequence[CallRow]:
        return self.s.scalars(select(CallRow).where(
            CallRow.caller_number == number, CallRow.started_at < before)
            .order_by(CallRow.started_at.desc()).limit(limit)).all()

    def by_linkedid(self, linkedid: str) -> CallRow | None:
        return self.s.scalar(select(CallRow).where(CallRow.linkedid == linkedid))

    def callers_of(self, linkedids: Sequence[str]) -> list[str]:
        """The calling numbers of these calls."""
        if not linkedids:
            return []
        return list(self.s.scalars(select(CallRow.caller_number).where(
            CallRow.linkedid.in_(list(linkedids)))))

    def parties_of(self, call_id: int) -> Sequence[PartyRow]:
        return self.s.scalars(select(PartyRow).where(PartyRow.call_id == call_id)
                              .order_by(PartyRow.leg)).all()

    def save_trails(self, new: Mapping[int, Trail], changed: Mapping[int, Trail]) -> None:
        """Write the whole trail of each call: insert for calls stored for the first time,
        replace for calls whose trail grew."""
        if new:
            self.s.execute(_ADD_TRAILS, [
                {"call_id": cid, "events": len(t), "body": trails.encode(t)}
                for cid, t in new.items()])
        if changed:
            self.s.execute(_UPDATE_TRAIL, [{"_cid": cid, "events": len(t), "body": trails.encode(t)}
                               for cid, t in changed.items()])

    def set_recordings(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Each row: call_id, kind, path, size_bytes, duration_s, sha256, error; replaces the
        stored facts of that call's recording of that kind."""
        if not rows:
            return
        self.s.execute(_DROP_RECORDING,
                       [{"_cid": r["call_id"], "_kind": r["kind"]} for r in rows])
        self.s.execute(_ADD_RECORDINGS, list(rows))

    def recording_files(self) -> list[tuple[str, str, int]]:
        """Every recording file the store vouches for: (path, SHA-256, size)."""
        rows = self.s.execute(select(RecordingRow.path, RecordingRow.sha256,
                                     RecordingRow.size_bytes)
                              .where(RecordingRow.sha256.is_not(None))
                              .order_by(RecordingRow.path))
        return [(p, h, n or 0) for p, h, n in rows if h]

    def linkedids_since(self, since: datetime) -> list[str]:
        return list(self.s.scalars(select(CallRow.linkedid).where(CallRow.started_at >= since)))

    def list(self, since: datetime | None = None, limit: int = 100) -> Sequence[CallRow]:
        q = select(CallRow).order_by(CallRow.started_at.desc()).limit(limit)
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        return self.s.scalars(q).all()
