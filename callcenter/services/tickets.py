"""Use cases of the work order: register, act, read, link calls, merge, callbacks to make.

Every use case runs in one transaction, checks who may do it (domain/permissions.py,
domain/privacy.py), applies the pure state machine and stores the result with its audit
entries. A unit asking for a ticket it may not read gets `NotFound`, never a hint that the
ticket exists. The actor of every command is the authenticated person (with their role in
their unit), so approvals and signatures are theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from callcenter.domain.access import office as office_access
from callcenter.domain.access import tickets as access
from callcenter.domain.access.commands import may_command
from callcenter.domain.policy import SlaState
from callcenter.domain.privacy import Role, Viewer, may_read_ticket
from callcenter.domain.registration import Registration, problems
from callcenter.domain.repeats import repeat_effect, same_citizen
from callcenter.domain.replies import lint_wording
from callcenter.domain.supervision import CONTRADICTORY, supervision_reasons
from callcenter.domain.ticket_deadlines import set_dispatch_due
from callcenter.domain.tickets import (
    ALLOWED,
    WITH_UNIT,
    Absorb,
    Actor,
    AnswerDirectly,
    AuditEntry,
    Command,
    DecideExtension,
    Dispatch,
    MergeInto,
    RulesContext,
    SendToRevisit,
    SignParking,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
)
from callcenter.domain.transitions import apply, supervise
from callcenter.search.phrases import key_phrases
from callcenter.services.errors import NotFound, ValidationFailed, require
from callcenter.services.kb import KnowledgeBase
from callcenter.services.ports import UnitOfWork, UnitsOfWork
from callcenter.services.rules import Rules, as_source
from callcenter.services.ticket_views import (
    AuditView,
    OfficeBoard,
    TicketSummary,
    TicketView,
    audit_view,
    summary_view,
    ticket_view,
)
from callcenter.services.units import UnitsDirectory

if TYPE_CHECKING:
    from callcenter.storage.notices import OfficeNotice
    from callcenter.storage.tickets_repo import StoredTicket, TicketsRepo

SYSTEM = Actor("system", "rules")


def actor_of(viewer: Viewer, parent_unit: str | None = None) -> Actor:
    # A unit acts as the unit; the person is kept in the id as unit/person.
    if viewer.role is Role.UNIT:
        return Actor(viewer.role.value, f"{viewer.unit}/{viewer.id}", viewer.unit,
                     viewer.unit_role.value, parent_unit)
    return Actor(viewer.role.value, viewer.id)


class TicketService:
    def __init__(self, uow: UnitsOfWork, rules: Rules, clock: Callable[[], datetime],
                 units: UnitsDirectory, kb: KnowledgeBase) -> None:
        self.uow = uow
        self.rules = as_source(rules)
        self.clock = clock
        self.units = units
        self.kb = kb

    @property
    def ctx(self) -> RulesContext:
        return self.rules()

    # -- writes ---------------------------------------------------------------------------
    def register(self, form: Registration, viewer: Viewer, linkedid: str | None = None) -> int:
        require(access.register(viewer))
        errors = problems(form)
        if errors:
            raise ValidationFailed(errors)
        now, ctx = self.clock(), self.ctx
        t = set_dispatch_due(Ticket(kind=form.kind, urgency=form.urgency, registered_at=now),
                             now, ctx)
        with self.uow() as uow:
            repo = uow.tickets
            tid = repo.add(t, form, viewer.id, [linkedid] if linkedid else [],
                           key_phrases(form.matter))
            t = replace(t, id=tid)
            counted = self._count_repeats(repo, t, form, now, ctx)
            if counted is not t:
                repo.save(counted, 1, 0)  # the row just added: version 1, no audit yet
            return tid

    def command(self, ticket_id: int, cmd: Command, viewer: Viewer) -> TicketView:
        now, ctx = self.clock(), self.ctx
        with self.uow() as uow:
            if isinstance(cmd, Dispatch):
                unknown = uow.units.missing([cmd.lead_unit, *cmd.co_units])
                if unknown:
                    raise ValidationFailed({
                        "lead_unit" if cmd.lead_unit in unknown else "co_units":
                        f"not in the units directory: {', '.join(unknown)}"})
            repo = uow.tickets
            # The unit one level up (the unit below the lead unit signs parking too).
            parent = None if viewer.unit is None else uow.units.parent_of(viewer.unit)
            st = repo.get(ticket_id, for_update=True)
            # The head of a unit below the lead unit reads enough to sign its parking.
            signs_below = isinstance(cmd, SignParking) and st is not None and \
                parent is not None and parent == st.ticket.lead_unit
            if st is None or not (signs_below or may_read_ticket(
                    viewer, st.ticket.lead_unit, st.ticket.co_units)):
                raise NotFound(f"no ticket {ticket_id}")
            require(may_command(viewer, cmd, st.ticket, parent))
            t = apply(st.ticket, cmd, actor_of(viewer, parent), now, ctx)
            if isinstance(cmd, SubmitReply) and CONTRADICTORY in supervision_reasons(t, now):
                t = apply(t, Supervise(CONTRADICTORY), SYSTEM, now, ctx)
            version = repo.save(t, st.version, len(st.ticket.history))
            if isinstance(cmd, AnswerDirectly) and cmd.kb_article is not None:
                if uow.kb.article(cmd.kb_article) is None:
                    raise ValidationFailed({"kb_article": f"no article {cmd.kb_article}"})
                uow.kb.link_ticket(ticket_id, cmd.kb_article)
            self._tell(uow, t, cmd, now, ctx)
            return ticket_view(replace(st, ticket=t, version=version), viewer, now, ctx)

    def _tell(self, uow: UnitOfWork, t: Ticket, cmd: Command, now: datetime,
              ctx: RulesContext) -> None:
        """Notices a command owes: the unit tells the citizen of an approved extension (001
        §六2); an unsolved reply is flagged to the office (§五 杜绝未解决)."""
        day = now.astimezone(ctx.tz).date().isoformat()
        if isinstance(cmd, DecideExtension) and cmd.approve and t.lead_unit and t.due_at:
            uow.notices.send_to_units([{
                "ticket_id": t.id, "unit": t.lead_unit, "kind": "extension", "day": day,
                "created_at": now, "text": f"#{t.id} 延期已批准，新的办结时限 "
                f"{t.due_at.astimezone(ctx.tz):%Y-%m-%d %H:%M}，请及时告知反映人"}])
        if isinstance(cmd, SubmitReply) and cmd.reply.result == "unsolved":
            uow.notices.send_to_office(f"unsolved:{t.id}", day, now,
                                       f"#{t.id} 承办单位答复为未解决：{cmd.reply.reason}")

    def add_call(self, ticket_id: int, linkedid: str, viewer: Viewer) -> TicketView:
        """A citizen calls again about a ticket: link the call and count the repeat."""
        require(access.link_call(viewer))
        now, ctx = self.clock(), self.ctx
        with self.uow() as uow:
            repo = uow.tickets
            st = self._readable(repo, ticket_id, viewer, for_update=True)
            if not repo.add_call(ticket_id, linkedid, now):
                return ticket_view(st, viewer, now, ctx)
            t = self._count_repeats(repo, st.ticket, st.form, now, ctx)
            version = repo.save(t, st.version, len(st.ticket.history)) \
                if t is not st.ticket else st.version
            return ticket_view(replace(st, ticket=t, version=version, calls=(*st.calls, linkedid)),
                               viewer, now, ctx)

    def _count_repeats(self, repo: TicketsRepo, t: Ticket, form: Registration, now: datetime,
                       ctx: RulesContext) -> Ticket:
        """The ticket with this year's contacts on its matter counted (domain/repeats.py) and
        their effect applied: the 3rd reopens a replied or closed ticket for review, the 5th
        brings supervision and the unit head's sign-off."""
        assert t.id is not None
        local = now.astimezone(ctx.tz)
        start = datetime(local.year, 1, 1, tzinfo=ctx.tz)
        end = datetime(local.year + 1, 1, 1, tzinfo=ctx.tz)
        n = max(1, repo.contacts(repo.matching(form, t.id, start, end), start, end))
        if n == t.repeats:
            return t
        effect = repeat_effect(n)
        reason = f"{n} calls this year on this matter"
        t = replace(t, repeats=n)
        if effect.supervise and not t.supervised:
            if t.status in ALLOWED[Supervise]:
                t = apply(t, Supervise(reason), SYSTEM, now, ctx)
            elif t.status in (Status.REGISTERED, Status.RETURNED):
                # Not with a unit yet: it carries supervision into its dispatch.
                t = supervise(t, reason)
                t = replace(t, history=(*t.history, AuditEntry(
                    now, SYSTEM, "CountRepeats", t.status, t.status, reason)))
        if effect.revisit and t.status in ALLOWED[SendToRevisit]:
            t = apply(t, SendToRevisit(reason), SYSTEM, now, ctx)
        return t

    def merge(self, source_id: int, target_id: int, viewer: Viewer, reason: str) -> None:
        """并单: the source ends as merged; both keep their histories; its calls move to the
        target (none copied), with its supervision and revisits; the target's repeats are
        counted again. Tickets of different citizens merge only by a supervisor."""
        if not reason.strip():
            raise ValidationFailed({"reason": "required"})
        now, ctx = self.clock(), self.ctx
        with self.uow() as uow:
            repo = uow.tickets
            src = self._readable(repo, source_id, viewer, for_update=True)
            dst = self._readable(repo, target_id, viewer, for_update=True)
            require(access.merge_citizens(viewer, same_citizen(src.form, dst.form)))
            absorb = Absorb(source_id, reason, src.ticket.supervision_reasons,
                            src.ticket.revisits)
            for st, cmd in ((src, MergeInto(target_id, reason)), (dst, absorb)):
                require(may_command(viewer, cmd, st.ticket))
                t = apply(st.ticket, cmd, actor_of(viewer), now, ctx)
                repo.save(t, st.version, len(st.ticket.history))
            repo.move_calls(source_id, target_id)
            survivor = repo.get(target_id, for_update=True)
            assert survivor is not None
            counted = self._count_repeats(repo, survivor.ticket, survivor.form, now, ctx)
            if counted is not survivor.ticket:
                repo.save(counted, survivor.version, len(survivor.ticket.history))

    # -- reads ----------------------------------------------------------------------------
    def get(self, ticket_id: int, viewer: Viewer) -> TicketView:
        with self.uow(read_only=True) as uow:
            st = self._readable(uow.tickets, ticket_id, viewer)
            return ticket_view(st, viewer, self.clock(), self.ctx)

    def audit(self, ticket_id: int, viewer: Viewer) -> list[AuditView]:
        with self.uow(read_only=True) as uow:
            st = self._readable(uow.tickets, ticket_id, viewer)
            return audit_view(list(st.ticket.history))

    def callbacks_due(self, viewer: Viewer, limit: int = 50,
                      offset: int = 0) -> list[TicketSummary]:
        """Closed tickets sampled for a satisfaction callback, not called back yet."""
        require(access.callbacks_due(viewer))
        now, ctx = self.clock(), self.ctx
        with self.uow(read_only=True) as uow:
            page = uow.tickets.callbacks_due(min(limit, 500), offset)
            return [summary_view(st, viewer, now, ctx) for st in page]

    def office_notices(self, viewer: Viewer, limit: int = 50) -> list[OfficeNotice]:
        """What the sweeper and the rules told the hotline office, newest first."""
        require(access.office_notices(viewer))
        with self.uow(read_only=True) as uow:
            return uow.notices.for_office(min(limit, 500))

    def office_board(self, viewer: Viewer, per_status: int = 200) -> OfficeBoard:
        """The office's board, from the newest `per_status` tickets of each status; overdue
        by the domain's SLA (the summaries' `sla`), never a second copy of the rule."""
        require(office_access.board(viewer))
        now, ctx = self.clock(), self.ctx
        awaiting, with_unit = [], []
        with self.uow(read_only=True) as uow:
            repo = uow.tickets
            for status in (Status.RETURN_REQUESTED, Status.PARKING_REQUESTED, Status.REPLIED):
                awaiting += repo.page(None, status, per_status)
            for status in sorted(WITH_UNIT | {Status.REPLIED}):
                with_unit += repo.page(None, status, per_status)
        agreed = [st for st in with_unit if st.ticket.pending_extension is not None
                  and st.ticket.pending_extension.agreed_by is not None]
        summaries = [summary_view(st, viewer, now, ctx) for st in with_unit]
        return OfficeBoard(
            awaiting=_by_id([summary_view(st, viewer, now, ctx) for st in awaiting + agreed]),
            overdue=_by_id([s for s in summaries if s["sla"] == SlaState.OVERDUE]),
            supervised=_by_id([s for s in summaries if s["supervised"]]))

    def lint_reply(self, viewer: Viewer, public_points: str,
                   completion_report: str = "") -> list[str]:
        """What the wording rules say of a reply as it is being written (the same rules
        SubmitReply applies), for the form to show as the person types."""
        require(access.list_tickets(viewer))
        return lint_wording(public_points[:5000], completion_report[:20000], self.ctx.replies)

    def list(self, viewer: Viewer, status: Status | None = None, limit: int = 50,
             offset: int = 0) -> list[TicketSummary]:
        require(access.list_tickets(viewer))
        now, ctx = self.clock(), self.ctx
        with self.uow(read_only=True) as uow:
            page = uow.tickets.page(
                viewer.unit if viewer.role is Role.UNIT else None, status, min(limit, 500), offset)
            return [summary_view(st, viewer, now, ctx) for st in page]

    def _readable(self, repo: TicketsRepo, ticket_id: int, viewer: Viewer,
                  for_update: bool = False) -> StoredTicket:
        st = repo.get(ticket_id, for_update=for_update)
        if st is None or not may_read_ticket(viewer, st.ticket.lead_unit, st.ticket.co_units):
            raise NotFound(f"no ticket {ticket_id}")
        return st


def _by_id(items: list[TicketSummary]) -> list[TicketSummary]:
    return sorted(items, key=lambda s: s["id"] or 0)
