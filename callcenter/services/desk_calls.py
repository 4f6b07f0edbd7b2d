"""Use case: an agent pulls the responsible unit into the live call (三方通话) or leaves it.

The request is stored; the controller takes it, carries it out on the line and writes back how
it went (callcenter/telephony/desk/). An agent asks for their own seat only; a
supervisor (班长) for any seat. Requests and outcomes stay stored: who asked, for which call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

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
from callcenter.storage.agents_repo import AgentsRepo
from callcenter.storage.desk_requests_repo import DeskRequestsRepo
from callcenter.storage.units_repo import UnitsRepo
from callcenter.storage.uow import UnitOfWork

__all__ = ["DeskCallError", "DeskCalls"]


def view(r: DeskRequest) -> dict[str, Any]:
    return {"id": r.id, "seat": r.seat, "command": r.command, "target": r.target,
            "actor": r.actor, "requested_at": r.requested_at.isoformat(),
            "state": r.state.value, "detail": r.detail, "call": r.call or None}


class DeskCalls:
    def __init__(self, engine: Engine, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.seats = tuple(seats)
        self.clock = clock

    def request(self, seat: str, command: str, target: str, viewer: Viewer) -> dict[str, Any]:
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        require(access.call_command(viewer, command))
        with UnitOfWork(self.engine) as uow:
            check_own_seat(AgentsRepo(uow.session), seat, viewer)
            numbers = None
            code = unit_of(command, target)
            if code is not None:
                unit = UnitsRepo(uow.session).get(code)
                numbers = numbers_to_try(unit.phone, unit.duty_phone) if unit else None
            check_request(command, target, numbers, self.seats, seat)
            repo = DeskRequestsRepo(uow.session)
            rid = repo.add(seat, command, target, f"{viewer.role.value}:{viewer.id}",
                           self.clock())
            found = repo.get(rid)
        assert found is not None
        return view(found)

    def get(self, request_id: int, viewer: Viewer) -> dict[str, Any]:
        require(access.seats(viewer))
        with UnitOfWork(self.engine, read_only=True) as uow:
            found = DeskRequestsRepo(uow.session).get(request_id)
        if found is None:
            raise NotFound(f"no desk request {request_id}")
        return view(found)

    # -- the controller's side -----------------------------------------------------------
    def take(self, limit: int = 20) -> list[DeskRequest]:
        with UnitOfWork(self.engine) as uow:
            return DeskRequestsRepo(uow.session).take_pending(self.clock(), limit)

    def listen_started(self, request: DeskRequest, call: str, channel_id: str) -> None:
        """Audit: who listens in on whom (the agent at the seat now), which call, how."""
        spied, _, mode = request.target.partition(":")
        with UnitOfWork(self.engine) as uow:
            current = AgentsRepo(uow.session).current().get(spied)
            DeskRequestsRepo(uow.session).listen_started(
                request.actor, request.seat, spied, current.agent if current else "", call,
                mode or "listen", channel_id, self.clock())

    def listen_ended(self, channel_id: str) -> None:
        with UnitOfWork(self.engine) as uow:
            DeskRequestsRepo(uow.session).listen_ended(channel_id, self.clock())

    def listening(self, viewer: Viewer, limit: int = 100) -> list[dict[str, Any]]:
        """The audit of listening in, newest first (supervisors)."""
        require(access.listening_audit(viewer))
        with UnitOfWork(self.engine, read_only=True) as uow:
            return DeskRequestsRepo(uow.session).listening(min(limit, 500))

    def abandon_working(self) -> int:
        """At the controller's start: what a stopped one left half done is failed, not left
        "working" for ever (the call it was for is gone or no longer the desk's)."""
        with UnitOfWork(self.engine) as uow:
            return DeskRequestsRepo(uow.session).fail_working(rules.ABANDONED, self.clock())

    def numbers(self, unit_code: str) -> list[str]:
        with UnitOfWork(self.engine, read_only=True) as uow:
            unit = UnitsRepo(uow.session).get(unit_code)
        return numbers_to_try(unit.phone, unit.duty_phone) if unit else []

    def write(self, request_id: int, state: RequestState, detail: str, call: str = "") -> None:
        with UnitOfWork(self.engine) as uow:
            DeskRequestsRepo(uow.session).write(request_id, state, detail, call, self.clock())
