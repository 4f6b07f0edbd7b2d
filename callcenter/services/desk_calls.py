"""Use case: an agent pulls the responsible unit into the live call (三方通话) or leaves it.

The request is stored; the controller takes it, carries it out on the line and writes back how
it went (callcenter/telephony/desk/). An agent asks for their own seat only; a
supervisor (班长) for any seat. Requests and outcomes stay stored: who asked, for which call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

from callcenter.domain import desk_calls as rules
from callcenter.domain.access import desk as access
from callcenter.domain.desk_calls import (
    DeskCallError,
    DeskRequest,
    RequestState,
    check_request,
    numbers_to_try,
    unit_of,
)
from callcenter.domain.privacy import Viewer
from callcenter.services.agents import check_own_seat
from callcenter.services.errors import NotFound, require
from callcenter.services.ports import UnitsOfWork

if TYPE_CHECKING:
    from callcenter.storage.desk_requests_repo import Listened

__all__ = ["DeskCallError", "DeskCalls"]


class RequestView(TypedDict):
    """A desk's request on a live call as the desk follows it."""

    id: int
    seat: str
    command: str
    target: str
    actor: str
    requested_at: str  # ISO time
    state: str  # RequestState: pending, working, done, failed
    detail: str  # what the line said last (dialling …, connected …, why not)
    call: str | None  # the call it acted on, once known


def view(r: DeskRequest) -> RequestView:
    return RequestView(id=r.id, seat=r.seat, command=r.command, target=r.target,
                       actor=r.actor, requested_at=r.requested_at.isoformat(),
                       state=r.state.value, detail=r.detail, call=r.call or None)


class DeskCalls:
    def __init__(self, uow: UnitsOfWork, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.seats = tuple(seats)
        self.clock = clock

    def request(self, seat: str, command: str, target: str, viewer: Viewer) -> RequestView:
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        require(access.call_command(viewer, command))
        with self.uow() as uow:
            check_own_seat(uow.agents, seat, viewer)
            numbers = None
            code = unit_of(command, target)
            if code is not None:
                unit = uow.units.get(code)
                numbers = numbers_to_try(unit.phone, unit.duty_phone) if unit else None
            check_request(command, target, numbers, self.seats, seat)
            repo = uow.desk_requests
            rid = repo.add(seat, command, target, f"{viewer.role.value}:{viewer.id}",
                           self.clock())
            found = repo.get(rid)
        assert found is not None
        return view(found)

    def get(self, request_id: int, viewer: Viewer) -> RequestView:
        require(access.seats(viewer))
        with self.uow(read_only=True) as uow:
            found = uow.desk_requests.get(request_id)
        if found is None:
            raise NotFound(f"no desk request {request_id}")
        return view(found)

    # -- the controller's side -----------------------------------------------------------
    def take(self, limit: int = 20) -> list[DeskRequest]:
        with self.uow() as uow:
            return uow.desk_requests.take_pending(self.clock(), limit)

    def listen_started(self, request: DeskRequest, call: str, channel_id: str) -> None:
        """Audit: who listens in on whom (the agent at the seat now), which call, how."""
        spied, _, mode = request.target.partition(":")
        with self.uow() as uow:
            current = uow.agents.current().get(spied)
            uow.desk_requests.listen_started(
                request.actor, request.seat, spied, current.agent if current else "", call,
                mode or "listen", channel_id, self.clock())

    def listen_ended(self, channel_id: str) -> None:
        with self.uow() as uow:
            uow.desk_requests.listen_ended(channel_id, self.clock())

    def listening(self, viewer: Viewer, limit: int = 100) -> list[Listened]:
        """The audit of listening in, newest first (supervisors)."""
        require(access.listening_audit(viewer))
        with self.uow(read_only=True) as uow:
            return uow.desk_requests.listening(min(limit, 500))

    def abandon_working(self) -> int:
        """At the controller's start: what a stopped one left half done is failed, not left
        "working" for ever (the call it was for is gone or no longer the desk's)."""
        with self.uow() as uow:
            return uow.desk_requests.fail_working(rules.ABANDONED, self.clock())

    def numbers(self, unit_code: str) -> list[str]:
        with self.uow(read_only=True) as uow:
            unit = uow.units.get(unit_code)
        return numbers_to_try(unit.phone, unit.duty_phone) if unit else []

    def write(self, request_id: int, state: RequestState, detail: str, call: str = "") -> None:
        with self.uow() as uow:
            uow.desk_requests.write(request_id, state, detail, call, self.clock())
