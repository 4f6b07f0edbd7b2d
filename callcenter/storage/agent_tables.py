"""Agent statuses at seats: one row per change, so durations are differences of rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime


class AgentStatusRow(Base):
    __tablename__ = "agent_statuses"
    __table_args__ = (Index("ix_agent_statuses_seat_id", "seat", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seat: Mapped[str] = mapped_column(String(8))
    agent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
