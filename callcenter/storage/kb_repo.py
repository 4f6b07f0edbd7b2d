"""Repository of the knowledge base: articles with their word index, requests, and which
articles answered which tickets. Stages work on the session it is given; never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from callcenter.storage import word_index
from callcenter.storage.kb_tables import KbArticleRow, KbRequestRow, TicketKbRow


class KbRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def article(self, article_id: int) -> KbArticleRow | None:
        return self.s.get(KbArticleRow, article_id)

    def save_article(self, values: dict[str, Any], article_id: int | None = None) -> int:
        """Insert (no id) or update the article, and index its words (`values["words"]`)."""
        if article_id is None:
            article_id = int(self.s.execute(insert(KbArticleRow).values(**values)
                                            .returning(KbArticleRow.id)).scalar_one())
        else:
            self.s.execute(update(KbArticleRow).where(KbArticleRow.id == article_id)
                           .values(**values))
        word_index.drop(self.s, word_index.KB, [article_id])
        word_index.put(self.s, word_index.KB, [(article_id, values["words"])])
        return article_id

    def search(self, words: list[str], valid_on: date | None, limit: int,
               every: bool = True) -> list[KbArticleRow]:
        """Articles holding every word (or any), best first; only those valid on `valid_on`
        if given."""
        q = word_index.ranked(self.s, word_index.KB, select(KbArticleRow), KbArticleRow.id,
                              words, every)
        if valid_on is not None:
            q = q.where(KbArticleRow.valid_from <= valid_on,
                        or_(KbArticleRow.valid_to.is_(None), KbArticleRow.valid_to >= valid_on))
        return list(self.s.scalars(q.limit(limit)))

    def add_request(self, **values: Any) -> int:
        return int(self.s.execute(insert(KbRequestRow).values(**values)
                                  .returning(KbRequestRow.id)).scalar_one())

    def request(self, request_id: int) -> KbRequestRow | None:
        return self.s.get(KbRequestRow, request_id)

    def open_requests(self, unit: str | None) -> list[KbRequestRow]:
        """Unresolved requests, soonest due first; only this unit's if given."""
        q = select(KbRequestRow).where(KbRequestRow.resolved_at.is_(None)).order_by(
            KbRequestRow.due_at)
        if unit is not None:
            q = q.where(KbRequestRow.unit == unit)
        return list(self.s.scalars(q))

    def link_ticket(self, ticket_id: int, article_id: int) -> None:
        if self.s.get(TicketKbRow, (ticket_id, article_id)) is None:
            self.s.add(TicketKbRow(ticket_id=ticket_id, article_id=article_id))

    def tickets_answered_by(self, article_id: int) -> list[int]:
        return list(self.s.scalars(select(TicketKbRow.ticket_id).where(
            TicketKbRow.article_id == article_id).order_by(TicketKbRow.ticket_id)))
