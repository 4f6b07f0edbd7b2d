"""Agent statuses at seats (one row per change, so durations are differences of rows), and the
desk's requests to the controller (three-way calls, leaving one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
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


class DeskRequestRow(Base):
    """What an agent asked of the line (conference a unit, leave), for the controller to carry
    out; its outcome is written back. The store is the only way in: the API and the CLI never
    talk to the controller directly."""

    __tablename__ = "desk_requests"
    __table_args__ = (Index("ix_desk_requests_state", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seat: Mapped[str] = mapped_column(String(8))
    command: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))  # pending | working | done | failed
    detail: Mapped[str] = mapped_column(String(200))
    call: Mapped[str] = mapped_column(String(64))   # the call's Linkedid, once known
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DutyModeRow(Base):
    """Day or night forced by a supervisor, or back to the schedule (auto): one row per
    change, with who made it."""

    __tablename__ = "duty_modes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CallbackRow(Base):
    """A call back to a citizen (回拨 a missed call, 回访 a closed ticket): one row per thing
    to call back, so a request made twice is the same request and rings once."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_state", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # missed:<call> | ticket:<id>
    kind: Mapped[str] = mapped_column(String(16))       # missed | satisfaction
    call: Mapped[str] = mapped_column(String(64))       # the missed call ("" for a ticket)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32))
    seat: Mapped[str] = mapped_column(String(8))        # the desk that takes it ("": queue)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LineStateRow(Base):
    """The line as the controller sees it now (calls in the menu, waiting, talking), written
    by the controller when it changes: the wallboard reads it, never app_queue's counters."""

    __tablename__ = "line_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ListenRow(Base):
    """Every use of listening in (监听, 耳语, 强插): who, on whom, which call, how long."""

    __tablename__ = "listen_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    from_seat: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(8))
    agent: Mapped[str] = mapped_column(String(64))
    call: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))
    channel_id: Mapped[str] = mapped_column(String(80), unique=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
