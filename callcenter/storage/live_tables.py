"""Live assist: the audio streams of calls under way and what each has heard so far.

Short-lived by design: a stream's words are purged a while after it closes (the batch
transcript of the recording is the call's record); they are what a citizen said."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime


class LiveStreamRow(Base):
    """One speaker of one call, spied into the live recogniser; `id` is the AudioSocket
    stream's UUID, which is all Asterisk tells the recogniser."""

    __tablename__ = "live_streams"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    speaker: Mapped[str] = mapped_column(String(16))  # citizen | agent
    seat: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class LiveHeardRow(Base):
    """One utterance of a stream as heard so far: replaced as it grows, final once closed."""

    __tablename__ = "live_heard"
    stream: Mapped[str] = mapped_column(ForeignKey("live_streams.id", ondelete="CASCADE"),
                                        primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    final: Mapped[bool] = mapped_column(Boolean)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # when it last changed
