"""Knowledge base tables. The word index beside them is dialect-specific and made by
migration 0004: an FTS5 table `kb_fts` on SQLite, a generated tsvector column with a GIN index
on PostgreSQL (both over `words`, the segmented text; search/cjk.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime


class KbArticleRow(Base):
    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    policy_source: Mapped[str] = mapped_column(String(200))  # 政策依据
    owner_unit: Mapped[str] = mapped_column(String(64), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date] = mapped_column(Date, index=True)
    words: Mapped[str] = mapped_column(Text)  # segmented question + answer
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class KbRequestRow(Base):
    """查无 (nothing found for a question) and 纠错 (an article is wrong) requests to units."""

    __tablename__ = "kb_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # not_found | correction
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id",
                                                              ondelete="SET NULL"))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")


class TicketKbRow(Base):
    """Which articles answered which tickets."""

    __tablename__ = "ticket_kb"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
