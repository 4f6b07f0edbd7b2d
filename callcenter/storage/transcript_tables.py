"""Transcription jobs (one per recording leg) and the transcript segments they produce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime


class TranscriptionJobRow(Base):
    """queued -> running (leased to a worker until lease_until) -> done | flagged | failed.
    A running job whose lease has expired is queued work again: its worker died."""

    __tablename__ = "transcription_jobs"
    __table_args__ = (Index("ix_transcription_jobs_state_lease", "state", "lease_until"),)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"),
                                              primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    audio_s: Mapped[float | None] = mapped_column(Float)


class SegmentRow(Base):
    """One utterance of one speaker: words between pauses, with their times in the call."""

    __tablename__ = "transcript_segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"),
                                              index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    speaker: Mapped[str] = mapped_column(String(16))  # citizen | agent | unit
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[str] = mapped_column(Text)  # segmented for search (search/cjk.py)
    conf: Mapped[float] = mapped_column(Float)


class SearchAuditRow(Base):
    """Every transcript search and who ran it: recordings hold citizens' voices."""

    __tablename__ = "search_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    role: Mapped[str] = mapped_column(String(16))
    person: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[str] = mapped_column(Text)  # JSON
    results: Mapped[str] = mapped_column(Text)  # JSON list of [call linkedid, segment id]


class TopicSpotRow(Base):
    """A hot-topic keyword heard in a call: which topic, which word, who said it, when."""

    __tablename__ = "topic_spots"
    __table_args__ = (Index("ix_topic_spots_topic_call", "topic", "call_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"),
                                              index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    word: Mapped[str] = mapped_column(String(32))
    speaker: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
