"""Repository of callbacks. Stages work on the session it is given; never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from callcenter.domain.callbacks import CallbackRequest, CallbackState
from callcenter.storage.agent_tables import CallbackRow
from callcenter.storage.tables import CallRow


def _request(r: CallbackRow) -> CallbackRequest:
    return CallbackRequest(r.id, r.call, r.number, r.seat, r.requested_by, r.requested_at,
                           CallbackState(r.state), r.detail, r.channel_id, r.kind, r.ticket_id)


class CallbacksRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_key(self, key: str) -> CallbackRequest | None:
        row = self.s.scalar(select(CallbackRow).where(CallbackRow.key == key))
        return _request(row) if row is not None else None

    def get(self, callback_id: int) -> CallbackRequest | None:
        row = self.s.get(CallbackRow, callback_id)
        return _request(row) if row is not None else None

    def add(self, key: str, call: str, number: str, seat: str, actor: str, channel_id: str,
            now: datetime, kind: str = "missed", ticket_id: int | None = None) -> None:
        """The key is unique: a second request made at the same moment fails at commit
        (IntegrityError) and the caller reads the first."""
        self.s.execute(insert(CallbackRow).values(
            key=key, kind=kind, call=call, ticket_id=ticket_id, number=number, seat=seat,
            requested_by=actor, requested_at=now, state=CallbackState.PENDING.value,
            detail="", channel_id=channel_id, updated_at=now))

    def again(self, callback_id: int, seat: str, actor: str, channel_id: str,
              expected: Collection[CallbackState], now: datetime) -> bool:
        """Ask once more for a callback that did not get through (only from those states)."""
        done = self.s.execute(update(CallbackRow).where(
            CallbackRow.id == callback_id,
            CallbackRow.state.in_([s.value for s in expected])).values(
            state=CallbackState.PENDING.value, seat=seat, requested_by=actor,
            requested_at=now, detail="", channel_id=channel_id, updated_at=now))
        return int(getattr(done, "rowcount", 0)) == 1

    def take_pending(self, now: datetime, limit: int) -> list[CallbackRequest]:
        rows = self.s.scalars(select(CallbackRow).where(
            CallbackRow.state == CallbackState.PENDING.value).order_by(CallbackRow.id)
            .limit(limit)).all()
        taken = []
        for r in rows:
            done = self.s.execute(update(CallbackRow).where(
                CallbackRow.id == r.id, CallbackRow.state == CallbackState.PENDING.value)
                .values(state=CallbackState.PLACING.value, updated_at=now))
            if int(getattr(done, "rowcount", 0)) == 1:
                taken.append(_request(r))
        return taken

    def fail_placing(self, detail: str, now: datetime) -> int:
        """Callbacks a stopped controller left under way: their outcome is not known."""
        done = self.s.execute(update(CallbackRow).where(
            CallbackRow.state == CallbackState.PLACING.value).values(
            state=CallbackState.FAILED.value, detail=detail, updated_at=now))
        return int(getattr(done, "rowcount", 0))

    def write(self, channel_id: str, state: CallbackState, detail: str, now: datetime) -> bool:
        """The outcome of the leg placed (matched by its channel id: a late word about an
        older attempt changes nothing)."""
        done = self.s.execute(update(CallbackRow).where(CallbackRow.channel_id == channel_id)
                              .values(state=state.value, detail=detail[:200], updated_at=now))
        return int(getattr(done, "rowcount", 0)) == 1

    def recent_at(self, seats: Sequence[str], limit: int) -> list[CallbackRequest]:
        """The newest callbacks placed from these seats, newest first."""
        rows = self.s.scalars(select(CallbackRow).where(CallbackRow.seat.in_(list(seats)))
                              .order_by(CallbackRow.id.desc()).limit(limit))
        return [_request(r) for r in rows]

    def of_calls(self, calls: Sequence[str]) -> dict[str, CallbackRequest]:
        if not calls:
            return {}
        rows = self.s.scalars(select(CallbackRow).where(CallbackRow.call.in_(list(calls))))
        return {r.call: _request(r) for r in rows}

    def missed_calls(self, dispositions: Sequence[str], since: datetime | None,
                     limit: int) -> Sequence[CallRow]:
        q = select(CallRow).where(CallRow.disposition.in_(list(dispositions)))
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        return self.s.scalars(q.order_by(CallRow.started_at.desc()).limit(limit)).all()

    def calls_from(self, numbers: Sequence[str], after: datetime) -> dict[str, list[datetime]]:
        """When each of these numbers called (after a time): a number that called again
        needs no callback."""
        out: dict[str, list[datetime]] = {}
        if not numbers:
            return out
        for number, at in self.s.execute(select(CallRow.caller_number, CallRow.started_at)
                                         .where(CallRow.caller_number.in_(list(numbers)),
                                                CallRow.started_at > after)):
            out.setdefault(number, []).append(at)
        return out
