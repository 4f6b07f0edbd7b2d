"""Use case: the wallboard's live numbers (实时监控).

The line now (citizens in the menu, waiting and since when, talking) is what the controller
saw on its own events and wrote to the store; agents by state and time in state come from the
stored statuses; the last 24 hours' figures (answered within 15 s, abandoned in the menu and in
the queue, the answer rate) are counted in SQL with the definitions of domain/figures.py —
per queue and in all. Nothing is read from app_queue's counters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from callcenter.domain.access import desk as access
from callcenter.domain.figures import FigureJson, call_figures
from callcenter.domain.privacy import Viewer
from callcenter.services.agents import AgentDesk, SeatView
from callcenter.services.errors import require
from callcenter.services.ports import UnitsOfWork

WINDOW = timedelta(hours=24)



class LineView(TypedDict):
    in_menu: int
    talking: int
    waiting: int
    longest_wait_s: float


class AgentsView(TypedDict):
    by_state: dict[str, int]
    paused_by_reason: dict[str, int]
    seats: list[SeatView]


class QueueView(TypedDict):
    waiting: int
    longest_wait_s: float
    last_24h: dict[str, FigureJson]  # each with numerator and denominator (docs/figures.md)


class WallboardView(TypedDict):
    """The line now as the controller saw it, the agents, and the last 24 h per queue."""

    at: str
    line_seen_s: float | None
    line: LineView
    agents: AgentsView
    queues: dict[str, QueueView]
    last_24h: dict[str, FigureJson]

class Wallboard:
    def __init__(self, uow: UnitsOfWork, desk: AgentDesk,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.desk = desk
        self.clock = clock

    def record_line(self, state: dict[str, Any]) -> None:
        """The controller's side: the line as it sees it now."""
        with self.uow() as uow:
            uow.line_state.put(state, self.clock())

    def view(self, viewer: Viewer) -> WallboardView:
        require(access.wallboard(viewer))
        now = self.clock()
        with self.uow(read_only=True) as uow:
            line = uow.line_state.get()
            counts = uow.figures.counts(now - WINDOW, now)
        seats = self.desk.statuses(viewer)
        state: dict[str, Any] = {"ivr": 0, "talking": 0, "waiting": []}
        seen: datetime | None = None
        if line is not None:
            state, seen = line
        waits = [(w["queue"], now.timestamp() - w["since"]) for w in state["waiting"]]
        queues = sorted({q for q, _ in waits} | {q for q in counts if q not in (None, "*")})
        return WallboardView(
            at=now.isoformat(),
            # How old the controller's picture is: a stopped controller shows here first.
            line_seen_s=round((now - seen).total_seconds(), 1) if seen else None,
            line=LineView(in_menu=state["ivr"], talking=state["talking"], waiting=len(waits),
                          longest_wait_s=round(max((w for _, w in waits), default=0.0), 1)),
            agents=AgentsView(by_state=dict(Counter(s["state"] for s in seats)),
                              paused_by_reason=dict(Counter(s["reason"] for s in seats
                                                            if s["state"] == "paused")),
                              seats=seats),
            queues={q: QueueView(waiting=sum(1 for x, _ in waits if x == q),
                                 longest_wait_s=round(max((w for x, w in waits if x == q),
                                                          default=0.0), 1),
                                 last_24h=call_figures(counts.get(q, {}))) for q in queues},
            last_24h=call_figures(counts["*"]))
