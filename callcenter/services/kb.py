"""Use cases of the knowledge base: write articles, search them in Chinese, and track the
"not found" and "correction" requests units must settle within the profile's deadlines
(Shanghai: 5 and 2 working days)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.orm import Session

from callcenter.domain.kb import Article, RequestKind, article_problems
from callcenter.domain.privacy import Role, Viewer, is_hotline
from callcenter.domain.tickets import RulesContext
from callcenter.search.cjk import query_words, segment
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.rules import Rules, as_source
from callcenter.storage import word_index
from callcenter.storage.kb_tables import KbArticleRow, KbRequestRow, TicketKbRow
from callcenter.storage.uow import UnitOfWork


def _may_edit(viewer: Viewer, owner_unit: str) -> bool:
    return viewer.role is Role.SUPERVISOR or (viewer.role is Role.UNIT
                                              and viewer.unit == owner_unit)


def _article(r: KbArticleRow) -> dict[str, Any]:
    return {"id": r.id, "question": r.question, "answer": r.answer,
            "policy_source": r.policy_source, "owner_unit": r.owner_unit,
            "valid_from": r.valid_from.isoformat(),
            "valid_to": r.valid_to.isoformat() if r.valid_to else None,
            "review_due": r.review_due.isoformat()}


class KnowledgeBase:
    def __init__(self, engine: Engine, rules: Rules,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.rules = as_source(rules)
        self.clock = clock

    @property
    def ctx(self) -> RulesContext:
        return self.rules()

    def save(self, article: Article, viewer: Viewer, article_id: int | None = None) -> int:
        problems = article_problems(article)
        if problems:
            raise ValidationFailed(problems)
        if not _may_edit(viewer, article.owner_unit):
            raise Forbidden("articles are written by the hotline office or their owner unit")
        values = {**asdict(article), "updated_at": self.clock(),
                  "words": segment(f"{article.question} {article.answer}")}
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            if article_id is None:
                article_id = int(s.execute(insert(KbArticleRow).values(**values)
                                           .returning(KbArticleRow.id)).scalar_one())
            else:
                row = s.get(KbArticleRow, article_id)
                if row is None:
                    raise NotFound(f"no article {article_id}")
                if not _may_edit(viewer, row.owner_unit):
                    raise Forbidden("only the hotline office or the owner unit edits it")
                s.execute(update(KbArticleRow).where(KbArticleRow.id == article_id)
                          .values(**values))
            word_index.drop(s, word_index.KB, [article_id])
            word_index.put(s, word_index.KB, [(article_id, values["words"])])
        return article_id

    def get(self, article_id: int) -> dict[str, Any]:
        with UnitOfWork(self.engine, read_only=True) as uow:
            row = uow.session.get(KbArticleRow, article_id)
            if row is None:
                raise NotFound(f"no article {article_id}")
            return _article(row)

    def search(self, query: str, limit: int = 20, include_expired: bool = False
               ) -> list[dict[str, Any]]:
        """Articles containing every word of the query, best first; by default only those
        valid today (in the hotline's time zone)."""
        words = query_words(query)
        if not words:
            return []
        today = self.clock().astimezone(self.ctx.tz).date()
        limit = max(1, min(limit, 100))
        with UnitOfWork(self.engine, read_only=True) as uow:
            s = uow.session
            q = word_index.ranked(s, word_index.KB, select(KbArticleRow), KbArticleRow.id,
                                  words)
            if not include_expired:
                q = q.where(KbArticleRow.valid_from <= today,
                            or_(KbArticleRow.valid_to.is_(None), KbArticleRow.valid_to >= today))
            out = []
            for r in s.scalars(q.limit(limit)):
                valid = r.valid_from <= today and (r.valid_to is None or today <= r.valid_to)
                out.append(_article(r) | {"valid": valid})
            return out

    # -- requests -------------------------------------------------------------------------
    def request(self, kind: RequestKind, text_: str, viewer: Viewer, unit: str | None = None,
                article_id: int | None = None) -> int:
        if not is_hotline(viewer):
            raise Forbidden("the hotline files knowledge base requests")
        if not text_.strip():
            raise ValidationFailed({"text": "required"})
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            if kind is RequestKind.CORRECTION:
                row = s.get(KbArticleRow, article_id) if article_id is not None else None
                if row is None:
                    raise ValidationFailed({"article_id": "a correction names an article"})
                unit = row.owner_unit
                span = self.ctx.profile.kb_correction
            else:
                span = self.ctx.profile.kb_not_found
            if not unit:
                raise ValidationFailed({"unit": "say which unit should answer"})
            return int(s.execute(insert(KbRequestRow).values(
                kind=kind.value, article_id=article_id, unit=unit, text=text_,
                created_by=viewer.id, created_at=now, due_at=self.ctx.after(span, now),
                resolution="").returning(KbRequestRow.id)).scalar_one())

    def resolve(self, request_id: int, resolution: str, viewer: Viewer) -> None:
        with UnitOfWork(self.engine) as uow:
            row = uow.session.get(KbRequestRow, request_id)
            if row is None or not (_may_edit(viewer, row.unit)):
                raise NotFound(f"no request {request_id}")
            if row.resolved_at is not None:
                raise ValidationFailed({"request": "already resolved"})
            if not resolution.strip():
                raise ValidationFailed({"resolution": "required"})
            row.resolved_at, row.resolution = self.clock(), resolution

    def open_requests(self, viewer: Viewer) -> list[dict[str, Any]]:
        now = self.clock()
        q = select(KbRequestRow).where(KbRequestRow.resolved_at.is_(None)).order_by(
            KbRequestRow.due_at)
        if viewer.role is Role.UNIT:
            q = q.where(KbRequestRow.unit == viewer.unit)
        elif not is_hotline(viewer):
            raise Forbidden("requests are for the hotline and units")
        ctx = self.ctx
        with UnitOfWork(self.engine, read_only=True) as uow:
            return [{"id": r.id, "kind": r.kind, "unit": r.unit, "text": r.text,
                     "article_id": r.article_id, "due_at": r.due_at.isoformat(),
                     "overdue": now > r.due_at,
                     # Resting on a calendar year not published yet: may come a day later.
                     "provisional": ctx.calendar.any_provisional(
                         r.created_at.astimezone(ctx.tz).date(),
                         r.due_at.astimezone(ctx.tz).date())}
                    for r in uow.session.scalars(q)]

    # -- which articles answered which tickets --------------------------------------------
    def link_ticket(self, s: Session, ticket_id: int, article_id: int) -> None:
        """Inside the caller's transaction (the ticket's)."""
        if s.get(KbArticleRow, article_id) is None:
            raise ValidationFailed({"kb_article": f"no article {article_id}"})
        exists = s.get(TicketKbRow, (ticket_id, article_id))
        if exists is None:
            s.add(TicketKbRow(ticket_id=ticket_id, article_id=article_id))

    def tickets_answered_by(self, article_id: int) -> list[int]:
        with UnitOfWork(self.engine, read_only=True) as uow:
            return list(uow.session.scalars(select(TicketKbRow.ticket_id).where(
                TicketKbRow.article_id == article_id).order_by(TicketKbRow.ticket_id)))
