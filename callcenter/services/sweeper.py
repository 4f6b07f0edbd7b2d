"""The periodic sweep: overdue tickets come under supervision, units get chase notices.

Idempotent and safe to run twice, or in two processes at once: supervision is raised only if
the ticket does not carry that reason yet (and saves are version-checked), and a notice is
unique per ticket, kind and local day in the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from callcenter.domain.supervision import OVERDUE, overdue
from callcenter.domain.tickets import ConcurrentUpdate, RulesContext, Supervise
from callcenter.domain.transitions import apply
from callcenter.services.calendar import CalendarService
from callcenter.services.ports import UnitsOfWork
from callcenter.services.rules import Rules, as_source, current_generation
from callcenter.services.tickets import SYSTEM

if TYPE_CHECKING:
    from callcenter.storage.notices import NoticesRepo

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepReport:
    supervised: int = 0
    notices: int = 0
    conflicts: int = 0
    recomputed: int = 0      # tickets whose provisional due times were computed again
    office_notices: int = 0  # e.g. "next year's calendar is not published"


class Sweeper:
    def __init__(self, uow: UnitsOfWork, rules: Rules,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.rules = as_source(rules)
        self.clock = clock
        self._recomputed_for: int | None = None  # calendar generation last recomputed for

    @property
    def ctx(self) -> RulesContext:
        return self.rules()

    def run(self) -> SweepReport:
        now = self.clock()
        report = SweepReport()
        # Deadlines first: a year published since the last sweep may have moved some. A
        # process recomputes at its first sweep (a newer package, a file changed while it
        # was down) and whenever the calendar file changes.
        calendar = CalendarService(self.uow, self.rules, self.clock)
        generation = current_generation(self.rules)
        if generation != self._recomputed_for:
            again = calendar.recompute()
            report.recomputed, report.conflicts = again.changed, again.conflicts
            if not again.conflicts:
                self._recomputed_for = generation
        report.office_notices = int(calendar.notify_office())
        self._overdue(now, report)
        self._dispatch_late(now, report)
        self._due_soon(now, report)
        self._first_contact(now, report)
        return report

    def _overdue(self, now: datetime, report: SweepReport) -> None:
        # Supervision: only tickets not under supervision yet need loading and a transition
        # (one already supervised, for this or another reason, needs the unit head anyway).
        after_id = 0
        while True:
            with self.uow(read_only=True) as uow:
                ids = uow.tickets.overdue(now, BATCH, after_id,
                                                       unsupervised_only=True)
            if not ids:
                break
            after_id = ids[-1][0]
            # One transaction per page, one savepoint per ticket: a ticket someone changed
            # meanwhile is skipped alone, and the page costs one commit, not one per ticket.
            with self.uow() as uow:
                repo = uow.tickets
                for tid, _ in ids:
                    try:
                        with uow.savepoint():
                            st = repo.get(tid, for_update=True)
                            if st is None or not overdue(st.ticket, now) \
                                    or st.ticket.supervised:
                                continue
                            t = apply(st.ticket, Supervise(OVERDUE), SYSTEM, now, self.ctx)
                            repo.save(t, st.version, len(st.ticket.history))
                            report.supervised += 1
                    except ConcurrentUpdate:
                        report.conflicts += 1  # someone else acted on it; the next sweep sees it
        # The daily chase of every overdue ticket, set-based.
        after_id = 0
        while True:
            with self.uow() as uow:
                found = uow.tickets.overdue(now, BATCH * 10, after_id)
                if not found:
                    return
                after_id = found[-1][0]
                report.notices += self._notices(uow.notices, found, "overdue", now,
                                                "工单已超期，请立即办理并反馈")

    def _dispatch_late(self, now: datetime, report: SweepReport) -> None:
        """Registered or returned tickets the hotline has not dispatched in time."""
        day = now.astimezone(self.ctx.tz).date().isoformat()
        with self.uow() as uow:
            for tid in uow.tickets.dispatch_late(now):
                report.office_notices += uow.notices.send_to_office(
                    f"dispatch_late:{tid}", day, now, f"#{tid} 工单超时未派发，请尽快转办")

    def _due_soon(self, now: datetime, report: SweepReport) -> None:
        with self.uow() as uow:
            found = uow.tickets.due_soon(now)
            report.notices += self._notices(uow.notices, found, "due_soon", now,
                                            "工单即将到期，请抓紧办理")

    def _first_contact(self, now: datetime, report: SweepReport) -> None:
        with self.uow() as uow:
            found = uow.tickets.awaiting_first_contact(now)
            report.notices += self._notices(uow.notices, found, "first_contact", now,
                                            "请尽快与市民先行联系")

    def _notices(self, notices: NoticesRepo, tickets: list[tuple[int, str]], kind: str,
                 now: datetime, text: str) -> int:
        """One notice per ticket, kind and local day; those already sent are skipped by the
        store's unique key, so a parallel sweep cannot send one twice."""
        tickets = [(tid, unit) for tid, unit in tickets if unit]
        if not tickets:
            return 0
        day = now.astimezone(self.ctx.tz).date().isoformat()
        return notices.send_to_units([{"ticket_id": tid, "unit": unit, "kind": kind, "day": day,
                                       "created_at": now, "text": f"#{tid} {text}"}
                                      for tid, unit in tickets])
