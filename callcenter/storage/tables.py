"""SQLAlchemy 2.0 tables for calls, their legs, events and recordings."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CallRow(Base):
    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    dialled_number: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ivr_choice: Mapped[str | None] = mapped_column(String(8))
    route: Mapped[str | None] = mapped_column(String(16))
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    queue: Mapped[str | None] = mapped_column(String(64))
    queue_joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wait_s: Mapped[float | None] = mapped_column(Float)
    seat: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    talk_s: Mapped[float | None] = mapped_column(Float)
    hung_up_by: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(24), index=True)
    disposition_reason: Mapped[str] = mapped_column(String(200), default="")
    legs: Mapped[list[LegRow]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                              order_by="LegRow.uniqueid")
    recordings: Mapped[list[RecordingRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RecordingRow.kind")


class LegRow(Base):
    __tablename__ = "call_legs"
    __table_args__ = (UniqueConstraint("call_id", "uniqueid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hangup_cause: Mapped[int | None] = mapped_column(Integer)


class CallHourRow(Base):
    """One UTC hour's call figures, rolled up (storage/call_hours_repo.py). Triggers on
    `calls`, `call_rings` and `topic_spots` (storage/hour_triggers.py) bump `gen` whenever
    a call of the hour, or a ring or topic of one, is written; the roll-up is good while
    `rolled` equals it."""

    __tablename__ = "call_hours"
    hour: Mapped[str] = mapped_column(String(13), primary_key=True)  # sql_time.hour_key
    gen: Mapped[int] = mapped_column(Integer)
    rolled: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str | None] = mapped_column(Text)
    waits: Mapped[str | None] = mapped_column(Text)
    talks: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[str | None] = mapped_column(Text)


class PartyRow(Base):
    """A party the desk dialled into the call (a unit's phone of a three-way call)."""

    __tablename__ = "call_parties"
    __table_args__ = (UniqueConstraint("call_id", "leg"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    leg: Mapped[str] = mapped_column(String(16))
    uniqueid: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[str] = mapped_column(String(32))
    dialled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))


class RingRow(Base):
    """The queue rang a seat for a call (domain/calls.Ring). A ring counts in the period its
    call arrived in, so the call's arrival is kept beside it: the seat figures are then a
    range of this table alone, and the calls' hourly roll-up holds them (migration 0021's
    triggers bump the hour of `arrived_at`)."""

    __tablename__ = "call_rings"
    __table_args__ = (Index("ix_call_rings_arrived", "arrived_at", "seat", "agent",
                            "answered"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seat: Mapped[str] = mapped_column(String(32))
    rung_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered: Mapped[bool] = mapped_column(Boolean)
    # Who was logged in at the seat when it rang (domain/agents.agent_at); "" for nobody.
    agent: Mapped[str] = mapped_column(String(64), server_default="")


class TrailRow(Base):
    """The raw AMI trail of a call, kept for audit (see storage/trails.py for the format)."""

    __tablename__ = "call_trails"
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"),
                                         primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class RecordingRow(Base):
    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("call_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # mix | citizen | seat | unit1 | unit1-mix …
    path: Mapped[str] = mapped_column(String(255))  # relative to the recording root
    # Where the file starts in the call's recording time (a unit's leg joins later): its
    # utterances are stored at offset + their time in the file.
    offset_s: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(200), default="")
