"""Use case: agents log in at seats, get ready, pause with a reason and log out.

An agent changes only their own seat; a supervisor (班长) any seat, and logs an agent in by
name. Every change is stored with who made it; the controller makes the queue follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NotRequired, TypedDict

from callcenter.domain.access import desk as access
from callcenter.domain.agents import (
    AFTER_CALL,
    NO_ANSWER,
    AgentError,
    AgentState,
    AgentStatus,
    after_call_over,
    change,
    system_pause_applies,
)
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.errors import NotFound, require
from callcenter.services.ports import UnitsOfWork

if TYPE_CHECKING:
    from callcenter.storage.agents_repo import AgentsRepo

__all__ = ["AgentDesk", "AgentError"]
SYSTEM = "system:after_call"  # the actor of after-call work's beginning and end


def check_own_seat(repo: AgentsRepo, seat: str, viewer: Viewer) -> None:
    """An agent acts only at the seat they are logged in at (a supervisor at any)."""
    if viewer.role is Role.AGENT:
        current = repo.current().get(seat)
        require(access.own_seat(viewer, seat, current.agent if current else None))


class AgentDesk:
    def __init__(self, uow: UnitsOfWork, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.seats = tuple(seats)
        self.clock = clock

    def act(self, seat: str, command: str, viewer: Viewer, reason: str = "",
            agent: str = "") -> SeatView:
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        require(access.seats(viewer))
        with self.uow() as uow:
            repo = uow.agents
            statuses = repo.current()
            current = statuses.get(seat)
            if viewer.role is Role.AGENT:
                if command == "login":
                    agent = viewer.id  # an agent logs in as themselves, whatever the body says
                else:
                    require(access.own_seat(viewer, seat, current.agent if current else None))
            new = change(current, seat, command, agent, reason, self.clock(), statuses)
            repo.add(new, f"{viewer.role.value}:{viewer.id}")
        return _view(new, self.clock())

    def statuses(self, viewer: Viewer) -> list[SeatView]:
        """Every configured seat with its state and the time in it."""
        require(access.seats(viewer))
        return self.views(self.current())

    def views(self, current: Mapping[str, AgentStatus]) -> list[SeatView]:
        """The seats as shown, from statuses already read."""
        now = self.clock()
        return [_view(current[s], now) if s in current else
                SeatView(seat=s, agent="", state="unmanaged", reason="", since=None,
                         seconds=None) for s in self.seats]

    def begin_after_call(self, seat: str) -> bool:
        """A call ended at the seat: paused for after-call work if it was ready."""
        return self._system_pause(seat, AFTER_CALL, SYSTEM)

    def pause_unanswered(self, seat: str) -> bool:
        """The seat rang unanswered too often: paused (未接自动示忙) if it was ready."""
        return self._system_pause(seat, NO_ANSWER, "system:no_answer")

    def _system_pause(self, seat: str, reason: str, actor: str) -> bool:
        with self.uow() as uow:
            repo = uow.agents
            current = repo.current().get(seat)
            if not system_pause_applies(current):
                return False
            assert current is not None
            repo.add(AgentStatus(seat, current.agent, AgentState.PAUSED, reason,
                                 self.clock()), actor)
            return True

    def end_after_call(self, span: timedelta, seats: Sequence[str] | None = None) -> list[str]:
        """Seats whose after-call work has lasted `span` made ready again; which ones."""
        now = self.clock()
        with self.uow() as uow:
            repo = uow.agents
            over = [st for st in repo.current().values()
                    if (seats is None or st.seat in seats) and after_call_over(st, now, span)]
            for st in over:
                repo.add(AgentStatus(st.seat, st.agent, AgentState.READY, "", now), SYSTEM)
            return [st.seat for st in over]

    def history(self, seat: str, viewer: Viewer, limit: int = 50) -> list[SeatChange]:
        """The seat's latest changes, newest first, each with who made it and how long it
        lasted (the newest: so far)."""
        require(access.seats(viewer))
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        with self.uow(read_only=True) as uow:
            rows = uow.agents.history(seat, limit)
        out: list[SeatChange] = []
        until = self.clock()
        for status, actor in rows:
            out.append(SeatChange(**_view(status, until), actor=actor))
            until = status.since
        return out

    def current(self) -> dict[str, AgentStatus]:
        with self.uow(read_only=True) as uow:
            return uow.agents.current()

    def generation(self) -> int:
        with self.uow(read_only=True) as uow:
            return uow.agents.generation()


class SeatView(TypedDict):
    """A seat as the desk shows it; `unmanaged` (nobody ever logged in there) has no time in
    the state and no `logged_in`."""

    seat: str
    agent: str
    state: str  # AgentState, or "unmanaged"
    reason: str
    since: str | None  # ISO time
    seconds: float | None  # in this state, so far
    logged_in: NotRequired[bool]


class SeatChange(SeatView):
    actor: str  # who made the change: role:id, or system:after_call / system:no_answer


def _view(s: AgentStatus, now: datetime) -> SeatView:
    return SeatView(seat=s.seat, agent=s.agent, state=s.state.value, reason=s.reason,
                    since=s.since.isoformat(),
                    seconds=round((now - s.since).total_seconds(), 1),
                    logged_in=s.state is not AgentState.LOGGED_OUT)
