"""The periodic sweep: overdue tickets come under supervision, units get chase notices.

Idempotent and safe to run twice, or in two processes at once: supervision is raised only if
the ticket does not carry that reason yet (and saves are version-checked), and a notice is
unique per ticket, kind and local day in the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.policy import SlaState
from callcenter.domain.supervision import OVERDUE, first_contact_late, sla
from callcenter.domain.tickets import WITH_UNIT, RulesContext, Status, Supervise, apply
from callcenter.services.tickets import SYSTEM
from callcenter.storage.ticket_tables import NoticeRow
from callcenter.storage.tickets_repo import ConcurrentUpdate, StoredTicket, TicketsRepo
from callcenter.storage.uow import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 500
SOON_WINDOW = timedelta(days=2)  # candidates for "due soon"; the profile's fraction decides


@dataclass
class SweepReport:
    supervised: int = 0
    notices: int = 0
    conflicts: int = 0


class Sweeper:
    def __init__(self, engine: Engine, ctx: RulesContext,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.ctx = ctx
        self.clock = clock

    def run(self) -> SweepReport:
        now = self.clock()
        report = SweepReport()
        self._overdue(now, report)
        self._due_soon(now, report)
        self._first_contact(now, report)
        return report

    def _overdue(self, now: datetime, report: SweepReport) -> None:
        after_id = 0
        while True:
            with UnitOfWork(self.engine) as uow:
                ids = TicketsRepo(uow.session).due_before(now, sorted(WITH_UNIT), BATCH, after_id)
            if not ids:
                return
            after_id = ids[-1]
            for tid in ids:
                try:
                    with UnitOfWork(self.engine) as uow:
                        repo = TicketsRepo(uow.session)
                        st = repo.get(tid, for_update=True)
                        if st is None or st.ticket.status not in WITH_UNIT:
                            continue
                        if OVERDUE not in st.ticket.supervision_reasons:
                            t = apply(st.ticket, Supervise(OVERDUE), SYSTEM, now, self.ctx)
                            repo.save(t, st.version, len(st.ticket.history))
                            report.supervised += 1
                        report.notices += self._notice(uow.session, st, "overdue", now,
                                                       "工单已超期，请立即办理并反馈")
                except ConcurrentUpdate:
                    report.conflicts += 1  # someone else acted on it; the next sweep sees it

    def _due_soon(self, now: datetime, report: SweepReport) -> None:
        with UnitOfWork(self.engine) as uow:
            repo = TicketsRepo(uow.session)
            for tid in repo.due_between(now, now + SOON_WINDOW, sorted(WITH_UNIT)):
                st = repo.get(tid)
                if st is not None and sla(st.ticket, now, self.ctx) is SlaState.DUE_SOON:
                    report.notices += self._notice(uow.session, st, "due_soon", now,
                                                   "工单即将到期，请抓紧办理")

    def _first_contact(self, now: datetime, report: SweepReport) -> None:
        with UnitOfWork(self.engine) as uow:
            repo = TicketsRepo(uow.session)
            for tid in repo.ids_in_status(Status.DISPATCHED):
                st = repo.get(tid)
                if st is not None and first_contact_late(st.ticket, now, self.ctx):
                    report.notices += self._notice(uow.session, st, "first_contact", now,
                                                   "请尽快与市民先行联系")

    def _notice(self, s: Session, st: StoredTicket, kind: str, now: datetime,
                text: str) -> int:
        unit = st.ticket.lead_unit
        if unit is None:
            return 0
        day = now.astimezone(self.ctx.tz).date().isoformat()
        exists = s.scalar(select(NoticeRow.id).where(
            NoticeRow.ticket_id == st.ticket.id, NoticeRow.kind == kind, NoticeRow.day == day))
        if exists is not None:
            return 0
        try:
            with s.begin_nested():  # a parallel sweep may have written it since we looked
                s.execute(insert(NoticeRow).values(ticket_id=st.ticket.id, unit=unit, kind=kind,
                                                   day=day, created_at=now,
                                                   text=f"#{st.ticket.id} {text}"))
        except IntegrityError:
            return 0
        return 1
