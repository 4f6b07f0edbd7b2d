"""Use cases of the knowledge base: write articles, search them in Chinese, and track the
"not found" and "correction" requests units must settle within the profile's deadlines
(Shanghai: 5 and 2 working days)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

from callcenter.domain.access import kb as access
from callcenter.domain.kb import Article, RequestKind, article_problems
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import RulesContext
from callcenter.search.cjk import query_words, segment
from callcenter.services.errors import NotFound, ValidationFailed, require
from callcenter.services.ports import UnitsOfWork
from callcenter.services.rules import Rules, as_source

if TYPE_CHECKING:
    from callcenter.storage.kb_tables import KbArticleRow


MAX_WORDS = 32  # of a query; a longer one adds nothing a person could have meant


class ArticleView(TypedDict):
    id: int
    question: str
    answer: str
    policy_source: str
    owner_unit: str
    valid_from: str  # ISO date
    valid_to: str | None
    review_due: str


class FoundArticle(ArticleView):
    valid: bool  # valid today (an expired one is found only when asked for)


class RequestView(TypedDict):
    """A not-found or correction request, with the due time its owner answers by."""

    id: int
    kind: str  # not_found | correction
    unit: str
    text: str
    article_id: int | None
    due_at: str  # ISO time
    overdue: bool
    provisional: bool  # the due time rests on a calendar year not published yet


def _article(r: KbArticleRow) -> ArticleView:
    return ArticleView(id=r.id, question=r.question, answer=r.answer,
                       policy_source=r.policy_source, owner_unit=r.owner_unit,
                       valid_from=r.valid_from.isoformat(),
                       valid_to=r.valid_to.isoformat() if r.valid_to else None,
                       review_due=r.review_due.isoformat())


class KnowledgeBase:
    def __init__(self, uow: UnitsOfWork, rules: Rules,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.rules = as_source(rules)
        self.clock = clock

    @property
    def ctx(self) -> RulesContext:
        return self.rules()

    def save(self, article: Article, viewer: Viewer, article_id: int | None = None) -> int:
        problems = article_problems(article)
        if problems:
            raise ValidationFailed(problems)
        require(access.write(viewer, article.owner_unit))
        values = {**asdict(article), "updated_at": self.clock(),
                  "words": segment(f"{article.question} {article.answer}")}
        with self.uow() as uow:
            repo = uow.kb
            if article_id is not None:
                row = repo.article(article_id)
                if row is None:
                    raise NotFound(f"no article {article_id}")
                require(access.rewrite(viewer, row.owner_unit))
            return repo.save_article(values, article_id)

    def get(self, article_id: int) -> ArticleView:
        with self.uow(read_only=True) as uow:
            row = uow.kb.article(article_id)
            if row is None:
                raise NotFound(f"no article {article_id}")
            return _article(row)

    def search(self, query: str, limit: int = 20, include_expired: bool = False,
               every: bool = True) -> list[FoundArticle]:
        """Articles containing every word of the query (or, not `every`, any: the words of a
        call are many and loose), best first; by default only those valid today (in the
        hotline's time zone)."""
        words = query_words(query)[:MAX_WORDS]
        if not words:
            return []
        today = self.clock().astimezone(self.ctx.tz).date()
        limit = max(1, min(limit, 100))
        with self.uow(read_only=True) as uow:
            out = []
            for r in uow.kb.search(words, None if include_expired else today, limit, every):
                valid = r.valid_from <= today and (r.valid_to is None or today <= r.valid_to)
                out.append(FoundArticle(**_article(r), valid=valid))
            return out

    # -- requests -------------------------------------------------------------------------
    def request(self, kind: RequestKind, text_: str, viewer: Viewer, unit: str | None = None,
                article_id: int | None = None) -> int:
        require(access.file_request(viewer))
        if not text_.strip():
            raise ValidationFailed({"text": "required"})
        now = self.clock()
        with self.uow() as uow:
            repo = uow.kb
            if kind is RequestKind.CORRECTION:
                row = repo.article(article_id) if article_id is not None else None
                if row is None:
                    raise ValidationFailed({"article_id": "a correction names an article"})
                unit = row.owner_unit
                span = self.ctx.profile.kb_correction
            else:
                span = self.ctx.profile.kb_not_found
            if not unit:
                raise ValidationFailed({"unit": "say which unit should answer"})
            return repo.add_request(
                kind=kind.value, article_id=article_id, unit=unit, text=text_,
                created_by=viewer.id, created_at=now, due_at=self.ctx.after(span, now),
                resolution="")

    def resolve(self, request_id: int, resolution: str, viewer: Viewer) -> None:
        with self.uow() as uow:
            row = uow.kb.request(request_id)
            if row is None or not (access.may_edit(viewer, row.unit)):
                raise NotFound(f"no request {request_id}")
            if row.resolved_at is not None:
                raise ValidationFailed({"request": "already resolved"})
            if not resolution.strip():
                raise ValidationFailed({"resolution": "required"})
            row.resolved_at, row.resolution = self.clock(), resolution

    def open_requests(self, viewer: Viewer) -> list[RequestView]:
        now = self.clock()
        require(access.read_requests(viewer))
        ctx = self.ctx
        with self.uow(read_only=True) as uow:
            return [RequestView(
                id=r.id, kind=r.kind, unit=r.unit, text=r.text, article_id=r.article_id,
                due_at=r.due_at.isoformat(), overdue=now > r.due_at,
                # Resting on a calendar year not published yet: may come a day later.
                provisional=ctx.calendar.any_provisional(
                    r.created_at.astimezone(ctx.tz).date(), r.due_at.astimezone(ctx.tz).date()))
                    for r in uow.kb.open_requests(
                        viewer.unit if viewer.role is Role.UNIT else None)]

    # -- which articles answered which tickets --------------------------------------------
    def tickets_answered_by(self, article_id: int) -> list[int]:
        with self.uow(read_only=True) as uow:
            return uow.kb.tickets_answered_by(article_id)
