"""Repository of agent statuses. Stages work on the session it is given; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from callcenter.domain.agents import AgentState, AgentStatus
from callcenter.storage.agent_tables import AgentStatusRow


def _status(r: AgentStatusRow) -> AgentStatus:
    return AgentStatus(r.seat, r.agent, AgentState(r.state), r.reason, r.since)


# Built once: storing a call asks it for every ring the call made.
_AGENT_AT = (select(AgentStatusRow.agent, AgentStatusRow.state)
             .where(AgentStatusRow.seat == bindparam("seat"),
                    AgentStatusRow.since <= bindparam("at"))
             .order_by(AgentStatusRow.id.desc()).limit(1))


class AgentsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, status: AgentStatus, actor: str) -> None:
        self.s.execute(insert(AgentStatusRow).values(
            seat=status.seat, agent=status.agent, state=status.state.value,
            reason=status.reason, since=status.since, actor=actor))

    def current(self) -> dict[str, AgentStatus]:
        """Each seat's latest status."""
        latest = select(func.max(AgentStatusRow.id)).group_by(AgentStatusRow.seat)
        rows = self.s.scalars(select(AgentStatusRow).where(AgentStatusRow.id.in_(latest)))
        return {r.seat: _status(r) for r in rows}

    def generation(self) -> int:
        """Grows with every change: a reader that saw the same number has seen them all."""
        return int(self.s.scalar(select(func.coalesce(func.max(AgentStatusRow.id), 0))) or 0)

    def agent_at(self, seat: str, at: datetime) -> str:
        """domain/agents.agent_at: the agent of the seat's last change made at or before
        `at` ("" when it was a logout, or when there is none)."""
        row = self.s.execute(_AGENT_AT, {"seat": seat, "at": at}).first()
        return "" if row is None or row.state == AgentState.LOGGED_OUT.value else row.agent

    def history(self, seat: str, limit: int) -> list[tuple[AgentStatus, str]]:
        """The seat's latest changes, newest first, with who made each."""
        rows = self.s.scalars(select(AgentStatusRow).where(AgentStatusRow.seat == seat)
                              .order_by(AgentStatusRow.id.desc()).limit(limit))
        return [(_status(r), r.actor) for r in rows]
