"""Use cases of the work order: register, act, read, link calls, merge.

Every use case runs in one transaction, checks who may do it (domain/permissions.py,
domain/privacy.py), applies the pure state machine and stores the result with its audit
entries. A unit asking for a ticket it may not read gets `NotFound`, never a hint that the
ticket exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from callcenter.domain.permissions import may_command
from callcenter.domain.privacy import Role, Viewer, is_hotline, may_read_ticket
from callcenter.domain.registration import Registration, problems
from callcenter.domain.supervision import CONTRADICTORY, repeat_effect, supervision_reasons
from callcenter.domain.tickets import (
    ALLOWED,
    Absorb,
    Actor,
    AnswerDirectly,
    Command,
    Dispatch,
    MergeInto,
    RulesContext,
    SendToRevisit,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
    apply,
)
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.kb import KnowledgeBase
from callcenter.services.rules import Rules, as_source
from callcenter.services.ticket_views import audit_view, summary_view, ticket_view
from callcenter.services.units import UnitsDirectory
from callcenter.storage.tickets_repo import StoredTicket, TicketsRepo
from callcenter.storage.uow import UnitOfWork

SYSTEM = Actor("system", "rules")


def actor_of(viewer: Viewer) -> Actor:
    # A unit acts as the unit; the person is kept in the id as unit/person.
    if viewer.role is Role.UNIT:
        return Actor(viewer.role.value, f"{viewer.unit}/{viewer.id}")
    return Actor(viewer.role.value, viewer.id)


class TicketService:
    def __init__(self, engine: Engine, rules: Rules,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.rules = as_source(rules)
        self.clock = clock
        self.units = UnitsDirectory(engine)
        self.kb = KnowledgeBase(engine, self.rules, clock)

    @property
    def ctx(self) -> RulesContext:
        return self.rules()

    # -- writes ---------------------------------------------------------------------------
    def register(self, form: Registration, viewer: Viewer, linkedid: str | None = None) -> int:
        if not is_hotline(viewer):
            raise Forbidden("only the hotline registers tickets")
        errors = problems(form)
        if errors:
            raise ValidationFailed(errors)
        t = Ticket(kind=form.kind, urgency=form.urgency, registered_at=self.clock())
        with UnitOfWork(self.engine) as uow:
            return TicketsRepo(uow.session).add(t, form, viewer.id,
                                                [linkedid] if linkedid else [])

    def command(self, ticket_id: int, cmd: Command, viewer: Viewer) -> dict[str, Any]:
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            if isinstance(cmd, Dispatch):
                unknown = self.units.missing(uow.session, [cmd.lead_unit, *cmd.co_units])
                if unknown:
                    raise ValidationFailed({
                        "lead_unit" if cmd.lead_unit in unknown else "co_units":
                        f"not in the units directory: {', '.join(unknown)}"})
            repo = TicketsRepo(uow.session)
            st = self._readable(repo, ticket_id, viewer, for_update=True)
            why_not = may_command(viewer, cmd, st.ticket)
            if why_not:
                raise Forbidden(why_not)
            t = apply(st.ticket, cmd, actor_of(viewer), now, self.ctx)
            if isinstance(cmd, SubmitReply) and CONTRADICTORY in supervision_reasons(t, now):
                t = apply(t, Supervise(CONTRADICTORY), SYSTEM, now, self.ctx)
            version = repo.save(t, st.version, len(st.ticket.history))
            if isinstance(cmd, AnswerDirectly) and cmd.kb_article is not None:
                self.kb.link_ticket(uow.session, ticket_id, cmd.kb_article)
            return ticket_view(replace(st, ticket=t, version=version), viewer, now, self.ctx)

    def add_call(self, ticket_id: int, linkedid: str, viewer: Viewer) -> dict[str, Any]:
        """A citizen calls again about a ticket: link the call and count the repeat."""
        if not is_hotline(viewer):
            raise Forbidden("only the hotline links calls to tickets")
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            repo = TicketsRepo(uow.session)
            st = self._readable(repo, ticket_id, viewer, for_update=True)
            if not repo.add_call(ticket_id, linkedid):
                return ticket_view(st, viewer, now, self.ctx)
            local = now.astimezone(self.ctx.tz)
            year_start = datetime(local.year, 1, 1, tzinfo=self.ctx.tz)
            year_end = datetime(local.year + 1, 1, 1, tzinfo=self.ctx.tz)
            repeats = repo.count_from_caller(st.form.reporter_phone, st.form.category,
                                             year_start, year_end) \
                if st.form.reporter_phone else 1
            t = self._repeat_rules(st.ticket, repeats, now)
            version = repo.save(t, st.version, len(st.ticket.history)) \
                if t is not st.ticket else st.version
            return ticket_view(replace(st, ticket=t, version=version, calls=(*st.calls, linkedid)),
                               viewer, now, self.ctx)

    def _repeat_rules(self, t: Ticket, repeats: int, now: datetime) -> Ticket:
        effect = repeat_effect(repeats)
        reason = f"{repeats} calls this year on this matter"
        if effect.supervise and t.status in ALLOWED[Supervise] and not t.supervised:
            t = apply(t, Supervise(reason), SYSTEM, now, self.ctx)
        if effect.revisit and t.status in (Status.REPLIED, Status.CALLED_BACK):
            t = apply(t, SendToRevisit(reason), SYSTEM, now, self.ctx)
        return t

    def merge(self, source_id: int, target_id: int, viewer: Viewer, reason: str) -> None:
        """并单: the source ends as merged; both keep their histories; calls follow."""
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            repo = TicketsRepo(uow.session)
            src = self._readable(repo, source_id, viewer, for_update=True)
            dst = self._readable(repo, target_id, viewer, for_update=True)
            for st, cmd in ((src, MergeInto(target_id, reason)), (dst, Absorb(source_id, reason))):
                why_not = may_command(viewer, cmd, st.ticket)
                if why_not:
                    raise Forbidden(why_not)
                t = apply(st.ticket, cmd, actor_of(viewer), now, self.ctx)
                repo.save(t, st.version, len(st.ticket.history))
            for lid in src.calls:
                repo.add_call(target_id, lid)

    # -- reads ----------------------------------------------------------------------------
    def get(self, ticket_id: int, viewer: Viewer) -> dict[str, Any]:
        with UnitOfWork(self.engine, read_only=True) as uow:
            st = self._readable(TicketsRepo(uow.session), ticket_id, viewer)
            return ticket_view(st, viewer, self.clock(), self.ctx)

    def audit(self, ticket_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        with UnitOfWork(self.engine, read_only=True) as uow:
            st = self._readable(TicketsRepo(uow.session), ticket_id, viewer)
            return audit_view(list(st.ticket.history))

    def list(self, viewer: Viewer, status: Status | None = None, limit: int = 50,
             offset: int = 0) -> list[dict[str, Any]]:
        if viewer.role is Role.PUBLIC:
            raise Forbidden("the public reads published outcomes, not the ticket list")
        now = self.clock()
        with UnitOfWork(self.engine, read_only=True) as uow:
            page = TicketsRepo(uow.session).page(
                viewer.unit if viewer.role is Role.UNIT else None, status, min(limit, 500), offset)
            return [summary_view(st, viewer, now, self.ctx) for st in page]

    def _readable(self, repo: TicketsRepo, ticket_id: int, viewer: Viewer,
                  for_update: bool = False) -> StoredTicket:
        st = repo.get(ticket_id, for_update=for_update)
        if st is None or not may_read_ticket(viewer, st.ticket.lead_unit, st.ticket.co_units):
            raise NotFound(f"no ticket {ticket_id}")
        return st

