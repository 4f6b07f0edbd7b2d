"""The working-day calendar as the hotline office watches it: which years are official and
which provisional, the open tickets whose due times wait for a year's arrangement, and their
recomputation once it is published (`callcenter calendar status|reload`,
`GET /api/v1/calendar`, the sweeper's daily notice to the office).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypedDict

from callcenter.domain.ticket_deadlines import recompute_deadlines, time_of
from callcenter.domain.tickets import (
    Actor,
    ConcurrentUpdate,
    RulesContext,
)
from callcenter.services.ports import UnitsOfWork
from callcenter.services.rules import Rules, as_source

log = logging.getLogger(__name__)
CALENDAR = Actor("system", "calendar")
WARN_DAYS = 60  # the next year unknown this close to its start is a problem to act on
PAGE = 500


def _next_year(ctx: RulesContext, today: date) -> tuple[int, int, bool]:
    """Next calendar year, days until it starts, and whether it is unknown and that close."""
    nxt = today.year + 1
    days = (date(nxt, 1, 1) - today).days
    return nxt, days, not ctx.calendar.knows(nxt) and days <= WARN_DAYS


@dataclass
class RecomputeReport:
    changed: int = 0
    conflicts: int = 0



class YearSpan(TypedDict):
    first: int
    last: int


class NextYear(TypedDict):
    year: int
    official: bool  # its arrangement is published (chinesecalendar or the workdays file)
    days_away: int


class ProvisionalDue(TypedDict):
    ticket: int | None
    due: str  # which due time: completion, first_contact, extension_window …
    at: str


class CalendarStatus(TypedDict):
    """The working-day calendar as the office watches it; `ok` False is exit status 1."""

    today: str
    official_years: YearSpan | None
    provisional_years: list[int]
    next_year: NextYear
    open_provisional_tickets: int
    earliest_provisional: ProvisionalDue | None
    ok: bool
    problems: list[str]

class CalendarService:
    def __init__(self, uow: UnitsOfWork, rules: Rules,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.rules = as_source(rules)
        self.clock = clock

    def status(self) -> CalendarStatus:
        """The facts and the problems; `ok` is False (exit status 1) while the next calendar
        year is unknown and WARN_DAYS or fewer days away, or any open ticket carries a
        provisional due time."""
        ctx = self.rules()
        today = self.clock().astimezone(ctx.tz).date()
        nxt, days_to_next, soon_unknown = _next_year(ctx, today)
        count, earliest = self._provisional_open(ctx)
        official = ctx.calendar.official_years()
        years = {today.year, nxt} | ({date.fromisoformat(earliest["at"][:10]).year}
                                     if earliest else set())
        problems = []
        if soon_unknown:
            problems.append(f"the working-day calendar of {nxt} is not published yet "
                            f"({days_to_next} days away): add [years.{nxt}] to the workdays "
                            f"file or install a newer chinesecalendar, then run "
                            f"`callcenter calendar reload`")
        if count:
            problems.append(f"{count} open tickets carry provisional due times "
                            f"(earliest {earliest['at'] if earliest else '?'})")
        return CalendarStatus(
            today=today.isoformat(),
            official_years=YearSpan(first=official[0], last=official[-1]) if official else None,
            provisional_years=sorted(y for y in years if not ctx.calendar.knows(y)),
            next_year=NextYear(year=nxt, official=ctx.calendar.knows(nxt),
                               days_away=days_to_next),
            open_provisional_tickets=count, earliest_provisional=earliest,
            ok=not problems, problems=problems)

    def _provisional_open(self, ctx: RulesContext) -> tuple[int, ProvisionalDue | None]:
        count, best, after = 0, None, 0
        with self.uow(read_only=True) as uow:
            while page := uow.tickets.provisional(after, PAGE):
                after = page[-1].ticket.id or after
                for st in page:
                    count += 1
                    for name in st.ticket.provisional:
                        at = time_of(st.ticket, name)
                        if at is not None and (best is None or at < best[2]):
                            best = (st.ticket.id, name, at)
        if best is None:
            return count, None
        return count, ProvisionalDue(ticket=best[0], due=best[1],
                                     at=best[2].astimezone(ctx.tz).isoformat())

    def recompute(self) -> RecomputeReport:
        """Every open provisional due time computed again on the calendar in force, one audit
        entry per changed ticket; safe to run in several processes at once."""
        ctx, now, report, after = self.rules(), self.clock(), RecomputeReport(), 0
        while True:
            # The pure check on an unlocked read first: while no year a ticket waits for is
            # published, a pass reads the provisional tickets and locks none of them.
            with self.uow(read_only=True) as uow:
                page = uow.tickets.provisional(after, PAGE)
            if not page:
                return report
            after = page[-1].ticket.id or after
            due = [st.ticket.id for st in page
                   if recompute_deadlines(st.ticket, CALENDAR, now, ctx) is not None]
            if not due:
                continue
            with self.uow() as uow:
                repo = uow.tickets
                for tid in due:
                    assert tid is not None
                    try:
                        with uow.savepoint():
                            st = repo.get(tid, for_update=True)
                            t = None if st is None else recompute_deadlines(st.ticket, CALENDAR,
                                                                            now, ctx)
                            if st is None or t is None:
                                continue
                            repo.save(t, st.version, len(st.ticket.history))
                            report.changed += 1
                    except ConcurrentUpdate:
                        report.conflicts += 1  # changed meanwhile; the next pass sees it

    def notify_office(self) -> bool:
        """The daily notice to the hotline office while the status is not ok; True if one
        was sent now (at most one per local day)."""
        now, ctx = self.clock(), self.rules()
        local = now.astimezone(ctx.tz).date()
        _, _, soon_unknown = _next_year(ctx, local)
        # Cheap questions first: a sweep runs every few seconds, the notice once a day.
        with self.uow(read_only=True) as uow:
            if uow.notices.office_sent("calendar", local.isoformat()):
                return False
            if not soon_unknown and not uow.tickets.count_provisional():
                return False
        status = self.status()
        if status["ok"]:
            return False
        with self.uow() as uow:
            return uow.notices.send_to_office("calendar", status["today"], now,
                                      "工作日历需要处理: " + "; ".join(status["problems"]))
