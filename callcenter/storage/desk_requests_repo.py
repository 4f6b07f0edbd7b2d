"""Repository of the desk's requests to the controller. Stages work on the session it is given;
never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypedDict

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.storage.agent_tables import DeskRequestRow, ListenRow


def _request(r: DeskRequestRow) -> DeskRequest:
    return DeskRequest(r.id, r.seat, r.command, r.target, r.actor, r.requested_at,
                       RequestState(r.state), r.detail, r.call)


class Listened(TypedDict):
    """One use of listening in, as the audit shows it."""

    actor: str  # the supervisor
    from_seat: str  # whose phone listened
    seat: str  # the seat listened to
    agent: str
    call: str
    mode: str  # listen | whisper | barge
    started_at: str
    ended_at: str | None
    seconds: float | None


class DeskRequestsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, seat: str, command: str, target: str, actor: str, now: datetime) -> int:
        return int(self.s.execute(insert(DeskRequestRow).values(
            seat=seat, command=command, target=target, actor=actor, requested_at=now,
            state=RequestState.PENDING.value, detail="", call="", updated_at=now)
            .returning(DeskRequestRow.id)).scalar_one())

    def get(self, request_id: int) -> DeskRequest | None:
        row = self.s.get(DeskRequestRow, request_id)
        return _request(row) if row is not None else None

    def take_pending(self, now: datetime, limit: int) -> list[DeskRequest]:
        """The oldest pending requests, marked working (each taken by one controller: the
        update names the state it expects)."""
        rows = self.s.scalars(select(DeskRequestRow).where(
            DeskRequestRow.state == RequestState.PENDING.value)
            .order_by(DeskRequestRow.id).limit(limit)).all()
        taken = []
        for r in rows:
            done = self.s.execute(update(DeskRequestRow).where(
                DeskRequestRow.id == r.id, DeskRequestRow.state == RequestState.PENDING.value)
                .values(state=RequestState.WORKING.value, updated_at=now))
            if getattr(done, "rowcount", 0) == 1:
                taken.append(replace(_request(r), state=RequestState.WORKING))
        return taken

    def fail_working(self, detail: str, now: datetime) -> int:
        """Requests left half done (a controller stopped on them) marked failed."""
        done = self.s.execute(update(DeskRequestRow).where(
            DeskRequestRow.state == RequestState.WORKING.value).values(
            state=RequestState.FAILED.value, detail=detail, updated_at=now))
        return int(getattr(done, "rowcount", 0))

    def write(self, request_id: int, state: RequestState, detail: str, call: str,
              now: datetime) -> None:
        values: dict[str, object] = {"state": state.value, "detail": detail[:200],
                                     "updated_at": now}
        if call:
            values["call"] = call
        self.s.execute(update(DeskRequestRow).where(DeskRequestRow.id == request_id)
                       .values(**values))

    def recent_at(self, seats: Sequence[str], limit: int) -> list[DeskRequest]:
        """The newest requests at these seats, newest first."""
        rows = self.s.scalars(select(DeskRequestRow).where(DeskRequestRow.seat.in_(list(seats)))
                              .order_by(DeskRequestRow.id.desc()).limit(limit))
        return [_request(r) for r in rows]


    def listen_started(self, actor: str, from_seat: str, seat: str, agent: str, call: str,
                       mode: str, channel_id: str, now: datetime) -> None:
        self.s.execute(insert(ListenRow).values(
            actor=actor, from_seat=from_seat, seat=seat, agent=agent, call=call, mode=mode,
            channel_id=channel_id, started_at=now, ended_at=None))

    def listen_ended(self, channel_id: str, now: datetime) -> None:
        self.s.execute(update(ListenRow).where(ListenRow.channel_id == channel_id,
                                               ListenRow.ended_at.is_(None))
                       .values(ended_at=now))

    def listening(self, limit: int) -> list[Listened]:
        rows = self.s.scalars(select(ListenRow).order_by(ListenRow.id.desc()).limit(limit))
        return [Listened(actor=r.actor, from_seat=r.from_seat, seat=r.seat, agent=r.agent,
                         call=r.call, mode=r.mode, started_at=r.started_at.isoformat(),
                         ended_at=r.ended_at.isoformat() if r.ended_at else None,
                         seconds=round((r.ended_at - r.started_at).total_seconds(), 1)
                         if r.ended_at else None) for r in rows]
