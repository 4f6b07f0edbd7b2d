"""Use case: missed calls listed, and called back from the desk (回拨).

The desk asks; the controller rings the agent's phone first, then the citizen, with a channel
id naming the attempt (telephony/callback_placer.py), and writes the outcome back. Asking again
for a call whose callback is pending, under way or answered returns that request: the citizen
is rung once. Numbers are masked for every role: the line dials them, nobody needs to read them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from callcenter.domain.access import callbacks as access
from callcenter.domain.agents import AgentState
from callcenter.domain.callbacks import (
    MAX_ATTEMPTS,
    MISSED,
    RETRYABLE,
    CallbackRequest,
    CallbackState,
    attempt_of,
    called_again,
    due_by_policy,
    leg_id,
    missed_key,
    ticket_key,
)
from callcenter.domain.conflicts import AlreadyStored
from callcenter.domain.desk_calls import DeskCallError
from callcenter.domain.privacy import Viewer, mask_number
from callcenter.domain.registration import valid_phone
from callcenter.domain.tickets import Status
from callcenter.services.agents import check_own_seat
from callcenter.services.errors import NotFound, require
from callcenter.services.ports import UnitsOfWork

if TYPE_CHECKING:
    from callcenter.storage.callbacks_repo import CallbacksRepo


class CallbackView(TypedDict):
    """A callback as the desk follows it; the citizen's number masked."""

    id: int
    kind: str  # missed | satisfaction
    ticket: int | None
    call: str
    number: str
    seat: str
    requested_by: str
    requested_at: str  # ISO time
    state: str  # CallbackState: pending, placing, answered, no_answer, busy, failed
    detail: str
    attempt: int



class MissedCall(TypedDict):
    """A call nobody answered, and what became of it."""

    call: str
    number: str  # masked
    missed_at: str
    disposition: str
    called_again: bool  # the citizen called the line again since
    due_by_policy: bool  # the policy says call back now (staffed, within its time)
    callback: CallbackView | None

def view(r: CallbackRequest) -> CallbackView:
    return CallbackView(id=r.id, kind=r.kind, ticket=r.ticket_id, call=r.call,
                        number=mask_number(r.number), seat=r.seat,
                        requested_by=r.requested_by,
                        requested_at=r.requested_at.isoformat(), state=r.state.value,
                        detail=r.detail, attempt=attempt_of(r.channel_id))


def _ask(repo: CallbacksRepo, key: str, call: str, number: str, seat: str, actor: str,
         now: datetime, ticket_id: int | None = None, first: int = 1) -> None:
    """One request per key: made if there is none, made again as the next attempt if the last
    did not get through; pending, under way or answered, it stands (no second ring)."""
    asked = repo.by_key(key)
    if asked is None:
        repo.add(key, call, number, seat, actor, leg_id(call, first), now,
                 "missed" if ticket_id is None else "satisfaction", ticket_id)
    elif asked.state in RETRYABLE:
        attempt = attempt_of(asked.channel_id) + 1
        if attempt > MAX_ATTEMPTS:
            raise DeskCallError("callbacks.attempts", f"{MAX_ATTEMPTS} attempts made already")
        repo.again(asked.id, seat, actor, leg_id(call, attempt), RETRYABLE, now)


class Callbacks:
    def __init__(self, uow: UnitsOfWork, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 within: timedelta = timedelta(minutes=30),
                 staffed: Callable[[], bool] = lambda: True) -> None:
        self.uow = uow
        self.seats = tuple(seats)
        self.clock = clock
        self.within = within      # the policy: call back within this time of the missed call
        self.staffed = staffed    # the line is in its day hours (services/duty.py)

    def missed(self, viewer: Viewer, since: datetime | None = None,
               limit: int = 100) -> list[MissedCall]:
        """Missed calls, newest first: whether the number called again since, whether the
        policy says to call back now, and the callback's state."""
        require(access.callbacks(viewer))
        now, staffed = self.clock(), self.staffed()
        with self.uow(read_only=True) as uow:
            repo = uow.callbacks
            rows = repo.missed_calls(sorted(MISSED), since, min(limit, 500))
            oldest = min((r.started_at for r in rows), default=now)
            later = repo.calls_from(sorted({r.caller_number for r in rows}), oldest)
            asked = repo.of_calls([r.linkedid for r in rows])
        out = []
        for r in rows:
            again = called_again(r.started_at, later.get(r.caller_number, []))
            cb = asked.get(r.linkedid)
            out.append(MissedCall(
                call=r.linkedid, number=mask_number(r.caller_number),
                missed_at=r.started_at.isoformat(), disposition=r.disposition,
                called_again=again,
                due_by_policy=not again and cb is None and valid_phone(r.caller_number)
                and due_by_policy(r.started_at, now, self.within, staffed),
                callback=view(cb) if cb is not None else None))
        return out

    def request(self, call: str, seat: str, viewer: Viewer) -> CallbackView:
        """Call back a missed call from a seat (the agent's phone rings first)."""
        require(access.callbacks(viewer))
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        actor = f"{viewer.role.value}:{viewer.id}"
        now = self.clock()
        try:
            with self.uow() as uow:
                check_own_seat(uow.agents, seat, viewer)
                row = uow.calls.by_linkedid(call)
                if row is None or row.disposition not in MISSED:
                    raise NotFound(f"no missed call {call}")
                if not valid_phone(row.caller_number):
                    raise DeskCallError("callbacks.number", "the caller's number is unknown")
                repo = uow.callbacks
                if called_again(row.started_at, repo.calls_from(
                        [row.caller_number], row.started_at).get(row.caller_number, [])):
                    raise DeskCallError("callbacks.called_again",
                                        "the citizen has called the line again since")
                _ask(repo, missed_key(call), call, row.caller_number, seat, actor, now)
        except AlreadyStored:
            pass  # asked twice at the same moment: the other request stands
        return self._view_of(missed_key(call))

    def request_survey(self, ticket_id: int, viewer: Viewer, seat: str = "") -> CallbackView:
        """The satisfaction callback of a closed ticket (回访) on the same path: by the agent
        at `seat` (who records the scores on the ticket), or, without a seat, by keys (the
        line asks the four questions and records the answers)."""
        require(access.callbacks(viewer))
        if seat and seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        now = self.clock()
        try:
            with self.uow() as uow:
                stored = uow.tickets.get(ticket_id)
                if stored is None:
                    raise NotFound(f"no ticket {ticket_id}")
                if stored.ticket.status is not Status.CLOSED:
                    raise DeskCallError("callbacks.not_closed",
                                        "only a closed ticket is called back for satisfaction")
                if not stored.calls:
                    raise DeskCallError("callbacks.no_call", "the ticket came from no call; "
                                        "call from the desk's phone and record the answers")
                call = stored.calls[-1]
                row = uow.calls.by_linkedid(call)
                number = stored.form.reporter_phone if valid_phone(
                    stored.form.reporter_phone) else (row.caller_number if row else "")
                if not valid_phone(number):
                    raise DeskCallError("callbacks.number", "the citizen's number is unknown")
                repo = uow.callbacks
                # A leg name not used on this call yet (its missed-call callback may have one).
                used = repo.of_calls([call]).get(call)
                _ask(repo, ticket_key(ticket_id), call, number, seat,
                     f"{viewer.role.value}:{viewer.id}", now, ticket_id,
                     attempt_of(used.channel_id) + 1 if used is not None else 1)
        except AlreadyStored:
            pass  # asked twice at the same moment: the other request stands
        return self._view_of(ticket_key(ticket_id))

    def _view_of(self, key: str) -> CallbackView:
        with self.uow(read_only=True) as uow:
            found = uow.callbacks.by_key(key)
        assert found is not None  # just stored, or stored by the request that won
        return view(found)

    def get(self, callback_id: int, viewer: Viewer) -> CallbackView:
        require(access.callbacks(viewer))
        with self.uow(read_only=True) as uow:
            found = uow.callbacks.get(callback_id)
        if found is None:
            raise NotFound(f"no callback {callback_id}")
        return view(found)

    def place_due(self) -> list[str]:
        """The policy's callbacks (回拨 by policy): each missed call due now (within the
        policy's time, the line staffed, not called again, none asked for yet) given to a
        ready seat with no call and no callback under way, one per seat. Returns the calls."""
        now = self.clock()
        if not self.staffed():
            return []
        placed: list[str] = []
        with self.uow() as uow:
            repo, calls = uow.callbacks, uow.calls
            rows = repo.missed_calls(sorted(MISSED), now - self.within, 200)
            later = repo.calls_from(sorted({r.caller_number for r in rows}),
                                    min((r.started_at for r in rows), default=now))
            asked = repo.of_calls([r.linkedid for r in rows])
            busy = {c.seat for c in repo.recent_at(self.seats, 200)
                    if c.state in (CallbackState.PENDING, CallbackState.PLACING)}
            free = [seat for seat, st in sorted(uow.agents.current().items())
                    if st.state is AgentState.READY and seat in self.seats
                    and seat not in busy and calls.live_at_seat(seat) is None]
            for r in sorted(rows, key=lambda r: r.started_at):  # the longest waiting first
                if not free:
                    break
                if r.linkedid in asked or not valid_phone(r.caller_number) or called_again(
                        r.started_at, later.get(r.caller_number, [])) or not due_by_policy(
                        r.started_at, now, self.within, True):
                    continue
                repo.add(missed_key(r.linkedid), r.linkedid, r.caller_number, free.pop(0),
                         "system:policy", leg_id(r.linkedid, 1), now)
                placed.append(r.linkedid)
        return placed

    # -- the controller's side -----------------------------------------------------------
    def take(self, limit: int = 20) -> list[CallbackRequest]:
        with self.uow() as uow:
            return uow.callbacks.take_pending(self.clock(), limit)

    def abandon_placing(self) -> int:
        with self.uow() as uow:
            return uow.callbacks.fail_placing(
                "line.restarted: the controller stopped while placing it; ask again",
                self.clock())

    def write(self, channel_id: str, state: CallbackState, detail: str = "") -> bool:
        with self.uow() as uow:
            return uow.callbacks.write(channel_id, state, detail, self.clock())
