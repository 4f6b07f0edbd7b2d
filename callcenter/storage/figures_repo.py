"""The figures of domain/figures.py tallied in SQL: streamed aggregation, a few grouped
queries per report and never the rows in Python. Each CASE mirrors one predicate there;
tests/test_figures.py checks the two tallies are equal on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from callcenter.domain.figures import (
    AGENT_CALLBACKS,
    CALLBACK_PREDICATES,
    FINISHED_ELSEWHERE,
    NIGHT_ROUTE,
    PLACED,
    QUEUE_FIGURES,
    REPEAT_FROM,
    WITHIN_S,
    Tally,
)
from callcenter.storage.agent_tables import CallbackRow
from callcenter.storage.call_hours_repo import HOUR, CallHoursRepo, into_tally
from callcenter.storage.sql_time import hour_of, hour_start, whole
from callcenter.storage.tables import CallRow, PartyRow, RingRow
from callcenter.storage.ticket_tables import TicketRow

_PICKED_UP = and_(CallRow.answered_at.is_not(None), CallRow.disposition != "in_progress")
_ANSWERED = and_(CallRow.queue_joined_at.is_not(None), _PICKED_UP)
MIRRORS: Mapping[str, ColumnElement[bool]] = {
    "calls_total": true(),
    "calls_offered": CallRow.queue_joined_at.is_not(None),
    "calls_answered": _ANSWERED,
    "answered_within_15s": and_(_ANSWERED, CallRow.wait_s.is_not(None),
                                CallRow.wait_s <= WITHIN_S),
    "abandoned_ivr": CallRow.disposition == "abandoned_ivr",
    "abandoned_queue": CallRow.disposition == "abandoned_queue",
    "calls_after_hours": CallRow.route == NIGHT_ROUTE,
    "after_hours_answered": and_(CallRow.route == NIGHT_ROUTE, _PICKED_UP),
}

RING_MIRRORS: Mapping[str, ColumnElement[bool]] = {
    "rings": true(),
    "rings_answered": RingRow.answered.is_(True),
}

T = TicketRow
_JUDGED = and_(T.due_at.is_not(None), T.status.not_in(sorted(FINISHED_ELSEWHERE)))
_ON_TIME = and_(_JUDGED, T.replied_at.is_not(None), T.replied_at <= T.due_at)


def _between(col: Any) -> Callable[[datetime, datetime], ColumnElement[bool]]:
    return lambda start, end: and_(col >= start, col < end)


def _judged_by_deadline(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(T.due_at >= start, T.due_at < end)


def _judged_by_registration(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(T.due_at.is_(None), T.registered_at >= start, T.registered_at < end)


def _judged(start: datetime, end: datetime) -> ColumnElement[bool]:
    """domain/figures.when_judged: the deadline's period, or the registration's without one
    (two ranges, not a coalesce, so each can use its index; a full tally reads them apart)."""
    return or_(_judged_by_deadline(start, end), _judged_by_registration(start, end))


# Which tickets a period holds -> (name, condition): domain/figures.TICKET_PREDICATES
TICKET_MIRRORS: tuple[tuple[Callable[[datetime, datetime], ColumnElement[bool]],
                            tuple[tuple[str, Any], ...]], ...] = (
    (_between(T.registered_at), (
        ("tickets_registered", true()),
        ("answered_directly", T.status == "answered_directly"),
        ("dispatched", T.dispatched_at.is_not(None)),
        ("supervised", T.supervised.is_(True)),
        ("extended", T.extensions > 0),
        ("returned", T.returns > 0),
        ("parked", T.status == "parked"),
        ("revisited", T.revisits > 0),
        ("repeat_tickets", T.repeats >= REPEAT_FROM))),
    (_between(T.due_at), (
        ("due", _JUDGED),
        ("on_time", _ON_TIME),
        ("overdue", and_(_JUDGED, ~_ON_TIME)))),
    (_between(T.first_contact_due), (
        ("contact_due", T.first_contact_due.is_not(None)),
        ("contacted_in_time", and_(T.first_contact_at.is_not(None),
                                   T.first_contact_at <= T.first_contact_due)))),
    (_judged, (
        ("called_back", T.cb_reached.is_(True)),
        ("callback_unreached", T.cb_reached.is_(False)),
        ("solved", and_(T.cb_reached.is_(True), T.cb_solved.is_(True))),
        ("satisfied", and_(T.cb_reached.is_(True), T.cb_satisfied.is_(True))))),
)


def _sum(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def _arrived(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(CallRow.started_at >= start, CallRow.started_at < end)


# The roll-up's columns (storage/call_hours_repo.py) and how each is counted from the calls.
_LIVE = {"counts": "_count_calls", "waits": "_count_waits", "talks": "_count_talks"}


def parts(unit: str | None, light: bool) -> list[str]:
    """The FiguresRepo methods that together make a tally; each fills its own fields, so
    they may run on separate connections at once and be summed (Tally.add)."""
    if light:
        return ([] if unit else ["call_counts"]) + ["ticket_totals"]
    calls = [] if unit else ["call_counts", "call_talks", "call_repeats", "call_waits",
                             "callbacks"]
    return [*calls, "tickets_registered", "tickets_due", "tickets_judged",
            "tickets_judged_undue", "tickets_contact", "ticket_groups", "parties"]


class FiguresRepo:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.dialect = session.get_bind().dialect.name

    def _whole(self, col: Any) -> ColumnElement[int]:
        """Whole seconds, truncated (domain/figures.whole_seconds)."""
        return whole(col, self.dialect)


    def counts(self, since: datetime, until: datetime) -> dict[str | None, dict[str, int]]:
        """Per queue (None: calls that never reached one) and for all ("*"), the calls that
        arrived in [since, until) counted by each of the live numbers."""
        cols = [_sum(MIRRORS[name]).label(name) for name in QUEUE_FIGURES]
        q = (select(CallRow.queue, *cols).where(CallRow.started_at >= since,
                                                CallRow.started_at < until)
             .group_by(CallRow.queue))
        out: dict[str | None, dict[str, int]] = {}
        total = dict.fromkeys(QUEUE_FIGURES, 0)
        for row in self.s.execute(q):
            counts = {name: int(getattr(row, name) or 0) for name in QUEUE_FIGURES}
            out[row.queue] = counts
            for name, n in counts.items():
                total[name] += n
        out["*"] = total
        return out

    def tally(self, start: datetime, end: datetime, unit: str | None = None,
              light: bool = False) -> Tally:
        """Everything the reports count for [start, end); with `unit`, that unit's tickets and
        dialled legs only (calls are the hotline's and are left out). `light`: the counts of
        calls and tickets only (a report's comparison with the period before)."""
        t = Tally()
        for part in parts(unit, light):
            getattr(self, part)(t, start, end, unit)
        return t

    def call_counts(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        """Calls per predicate and per hour (from `start`)."""
        self._rolled("counts", t, start, end)

    def _count_calls(self, t: Tally, start: datetime, end: datetime, origin: datetime) -> None:
        """Calls per predicate, in one pass with the hours (UTC hour keys)."""
        hour = hour_of(CallRow.started_at, self.dialect).label("hour")
        sums = [_sum(c).label(n) for n, c in MIRRORS.items()]
        for row in self.s.execute(select(hour, func.count().label("n"), *sums)
                                  .where(_arrived(start, end)).group_by(hour)):
            t.per_hour[int((hour_start(row.hour) - origin).total_seconds() // 3600)] += row.n
            t.calls.update({n: int(getattr(row, n) or 0) for n in MIRRORS})

    def _rolled(self, column: str, t: Tally, start: datetime, end: datetime) -> None:
        """A call part from the hourly roll-up where it is good, from the calls elsewhere."""
        count = getattr(self, _LIVE[column])
        for a, b in CallHoursRepo(self.s).fold(column, into_tally(column, t), start, end):
            count(t, a, b, start)
        t.calls = +t.calls

    def hour(self, start: datetime) -> Tally:
        """Everything the roll-up keeps of the hour from `start`, counted from the calls."""
        t = Tally()
        for live in _LIVE.values():
            getattr(self, live)(t, start, start + HOUR, start)
        t.calls = +t.calls
        return t

    def callbacks(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        """Callbacks asked for in the period (domain/figures.CALLBACK_PREDICATES)."""
        placed = CallbackRow.state.in_(sorted(PLACED))
        row = self.s.execute(
            select(func.count().label("callbacks_requested"),
                   _sum(placed).label("callbacks_placed"),
                   _sum(CallbackRow.state == "answered").label("callbacks_connected"))
            .where(CallbackRow.requested_at >= start, CallbackRow.requested_at < end)).one()
        t.calls.update({n: int(getattr(row, n) or 0) for n in CALLBACK_PREDICATES})
        t.calls = +t.calls

    def call_waits(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        self._rolled("waits", t, start, end)

    def _count_waits(self, t: Tally, start: datetime, end: datetime, origin: datetime) -> None:
        wait = self._whole(CallRow.wait_s)
        for s, n, total in self.s.execute(
                select(wait, func.count(), func.sum(CallRow.wait_s))
                .where(_arrived(start, end), _ANSWERED, CallRow.wait_s.is_not(None))
                .group_by(wait)):
            t.wait.bins[int(s)] += n
            t.wait.total += float(total or 0)

    def call_talks(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        """Talk times and the seats that answered."""
        self._rolled("talks", t, start, end)

    def _count_talks(self, t: Tally, start: datetime, end: datetime, origin: datetime) -> None:
        """Talk times and the seats that answered, in one pass; and the rings of the seats
        (of the calls that arrived in the period)."""
        for row in self.s.execute(
                select(RingRow.seat, RingRow.agent,
                       *(_sum(c).label(n) for n, c in RING_MIRRORS.items()))
                .where(RingRow.arrived_at >= start, RingRow.arrived_at < end)
                .group_by(RingRow.seat, RingRow.agent)):
            rung = t.seats.setdefault(row.seat, Counter())
            by = t.agents.setdefault(row.agent, Counter()) if row.agent else Counter()
            for name in RING_MIRRORS:
                n = int(getattr(row, name) or 0)
                rung[name] += n
                by[name] += n
                t.calls[name] += n
        talk = self._whole(CallRow.talk_s)
        for seat, s, n, total in self.s.execute(
                select(CallRow.seat, talk, func.count(), func.sum(CallRow.talk_s))
                .where(_arrived(start, end), _ANSWERED).group_by(CallRow.seat, talk)):
            if s is not None:
                t.talk.bins[int(s)] += n
                t.talk.total += float(total or 0)
            if seat:
                c = t.seats.setdefault(seat, Counter())
                c["calls_answered"] += n
                c["talk_s"] += int(s or 0) * n

    def call_repeats(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        callers = (select(CallRow.caller_number)
                   .where(_arrived(start, end), CallRow.caller_number != "")
                   .group_by(CallRow.caller_number)
                   .having(func.count() >= REPEAT_FROM).subquery())
        t.repeat_callers = int(self.s.scalar(select(func.count()).select_from(callers)) or 0)

    def _mirror(self, which: int, t: Tally, start: datetime, end: datetime,
                unit: str | None, light: bool = False,
                held: Callable[[datetime, datetime], ColumnElement[bool]] | None = None
                ) -> None:
        """One time that places a ticket in a period: its predicates, per lead unit (`held`:
        a share of the tickets the time places there, read apart)."""
        placed, named = TICKET_MIRRORS[which]
        held = held or placed
        mine = T.lead_unit == unit if unit is not None else true()
        # The callbacks' figures also go to the agent who registered the ticket.
        agents = not light and any(n in AGENT_CALLBACKS for n, _ in named)
        keys = [T.lead_unit, T.registered_by] if agents else [T.lead_unit]
        q = (select(*keys, *(_sum(c).label(n) for n, c in named))
             .where(held(start, end), mine).group_by(*keys))
        for row in self.s.execute(q):
            for name, _ in named:
                n = int(getattr(row, name) or 0)
                if n:
                    t.tickets[name] += n
                    if row.lead_unit:
                        t.units.setdefault(row.lead_unit, Counter())[name] += n
                    if agents and name in AGENT_CALLBACKS:
                        t.agents.setdefault(row.registered_by, Counter())[name] += n
                    if name == "tickets_registered" and not light:  # tickets_by unit
                        t.by.setdefault("unit", Counter())[row.lead_unit or "-"] += n

    def tickets_registered(self, t: Tally, start: datetime, end: datetime,
                           unit: str | None) -> None:
        self._mirror(0, t, start, end, unit)

    def tickets_due(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        self._mirror(1, t, start, end, unit)

    def tickets_contact(self, t: Tally, start: datetime, end: datetime,
                        unit: str | None) -> None:
        self._mirror(2, t, start, end, unit)

    def tickets_judged(self, t: Tally, start: datetime, end: datetime,
                       unit: str | None) -> None:
        """The callbacks' figures of tickets whose deadline falls in the period..."""
        self._mirror(3, t, start, end, unit, held=_judged_by_deadline)

    def tickets_judged_undue(self, t: Tally, start: datetime, end: datetime,
                             unit: str | None) -> None:
        """...and of tickets without one, registered in it: each range on its own index."""
        self._mirror(3, t, start, end, unit, held=_judged_by_registration)

    def ticket_totals(self, t: Tally, start: datetime, end: datetime, unit: str | None
                      ) -> None:
        for which in range(len(TICKET_MIRRORS)):
            self._mirror(which, t, start, end, unit, light=True)

    def ticket_groups(self, t: Tally, start: datetime, end: datetime, unit: str | None
                      ) -> None:
        """Tickets registered by channel, kind and category; and by agent."""
        registered = and_(T.registered_at >= start, T.registered_at < end,
                          T.lead_unit == unit if unit is not None else true())
        for channel, kind, category, n in self.s.execute(
                select(T.channel, T.kind, T.category, func.count()).where(registered)
                .group_by(T.channel, T.kind, T.category)):
            for group, value in (("channel", channel), ("kind", kind),
                                 ("category", category)):
                t.by.setdefault(group, Counter())[value or "-"] += n
        by_agent = (select(T.registered_by, func.count(), _sum(T.status == "answered_directly"))
                    .where(registered).group_by(T.registered_by))
        for agent, n, direct in self.s.execute(by_agent):
            t.agents.setdefault(agent, Counter()).update(
                +Counter(tickets_registered=n, answered_directly=int(direct or 0)))

    def parties(self, t: Tally, start: datetime, end: datetime, unit: str | None) -> None:
        q = (select(PartyRow.unit, func.count(), _sum(PartyRow.answered_at.is_not(None)))
             .where(PartyRow.dialled_at >= start, PartyRow.dialled_at < end)
             .group_by(PartyRow.unit))
        if unit is not None:
            q = q.where(PartyRow.unit == unit)
        for u, dialled, answered in self.s.execute(q):
            c = t.units.setdefault(u, Counter())
            c["unit_dialled"] += dialled
            c["unit_answered"] += int(answered or 0)
            t.tickets["unit_dialled"] += dialled
            t.tickets["unit_answered"] += int(answered or 0)
        t.tickets = +t.tickets
