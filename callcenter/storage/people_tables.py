"""The console's people, their sessions, and the access audit (who saw, played or downloaded
what). The audit is append-only: triggers refuse an update or a delete (migration 0024)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit_role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, "" until one is set
    # A one-time sign-in link (its SHA-256) and until when it works: the first sign-in, or
    # a forgotten password, without a password travelling.
    link_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    link_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class ConsoleSessionRow(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is kept."""

    __tablename__ = "console_sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                        index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccessAuditRow(Base):
    """One access to what a citizen said or who they are: a recording played or downloaded,
    a transcript or a ticket's identity opened. Never updated, never deleted."""

    __tablename__ = "access_audit"
    __table_args__ = (Index("ix_access_audit_person_at", "person", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    role: Mapped[str] = mapped_column(String(16))
    person: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))   # played | downloaded | opened
    subject: Mapped[str] = mapped_column(String(128))  # e.g. call:1700000000.12/mix
    detail: Mapped[str] = mapped_column(Text)          # JSON: range, unit, ...
