"""Use case: the public page — a citizen checks a ticket by its number and the last four
digits of the phone that reported it, and anyone reads the published outcomes (004 §四(三):
what was accepted, which unit, progress, result, the citizen's evaluation) with personal
data removed.

A wrong number and wrong digits read the same, so the page tells nothing about other
people's tickets; tries are limited per address and per ticket number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from threading import Lock
from typing import TypedDict

from callcenter.domain.privacy import mask_address, mask_speech
from callcenter.domain.self_service import SPOKEN, last_four_match, ticket_number
from callcenter.domain.throttle import Throttle
from callcenter.domain.tickets import FINISHED, WITH_UNIT, Status, Ticket
from callcenter.services.ports import UnitsOfWork

PUBLISHED = tuple(sorted(FINISHED - {Status.MERGED}))
NO_MATCH = "no ticket matches that number and phone"
TOO_MANY = "too many checks: try again in a minute"


class PublicRefused(Exception):
    def __init__(self, rule: str, throttled: bool = False) -> None:
        super().__init__(rule)
        self.throttled = throttled


class PublicStatus(TypedDict):
    ticket: int
    status: str              # a status word (domain/self_service.SPOKEN)
    registered_on: str | None
    due_on: str | None       # while a unit holds it
    closed_on: str | None
    reply: str               # the public reply points, once accepted; identity masked


class Outcome(TypedDict):
    ticket: int
    registered_on: str | None
    category: str
    district: str
    unit: str
    status: str
    reply: str
    evaluation: str          # satisfied | dissatisfied | not_called_back


def _day(at: datetime | None, tz: tzinfo) -> str | None:
    return at.astimezone(tz).date().isoformat() if at is not None else None


def public_reply(t: Ticket) -> str:
    """The reply points once the office accepted them; never the internal report."""
    if t.status not in FINISHED or not t.replies:
        return ""
    return mask_speech(t.replies[-1].public_points)


def evaluation(t: Ticket) -> str:
    reached = [c for c in t.callbacks if c.reached]
    if not reached:
        return "not_called_back"
    return "satisfied" if reached[-1].satisfied else "dissatisfied"


class PublicDesk:
    def __init__(self, uow: UnitsOfWork, tz: tzinfo, clock: Callable[[], datetime],
                 per_address: Throttle | None = None,
                 per_ticket: Throttle | None = None) -> None:
        self.uow = uow
        self.tz = tz
        self.clock = clock
        self.per_address = per_address or Throttle(10, timedelta(minutes=1))
        self.per_ticket = per_ticket or Throttle(10, timedelta(minutes=1))
        self._lock = Lock()

    def check(self, number: str, last_four: str, address: str) -> PublicStatus:
        now = self.clock()
        tid = ticket_number(number.strip())
        with self._lock:
            ok = self.per_address.attempt(address, now)
            ok = self.per_ticket.attempt(str(tid or number.strip()[:20]), now) and ok
        if not ok:
            raise PublicRefused(TOO_MANY, throttled=True)
        if tid is None:
            raise PublicRefused(NO_MATCH)
        with self.uow(read_only=True) as uow:
            stored = uow.tickets.get(tid)
            numbers = [] if stored is None else [
                stored.form.reporter_phone, *uow.calls.callers_of(list(stored.calls))]
        if stored is None or not last_four_match(last_four.strip(), numbers):
            raise PublicRefused(NO_MATCH)
        t = stored.ticket
        assert t.id is not None
        return PublicStatus(
            ticket=t.id, status=SPOKEN[t.status], registered_on=_day(t.registered_at, self.tz),
            due_on=_day(t.due_at, self.tz) if t.status in WITH_UNIT else None,
            closed_on=_day(t.closed_at, self.tz), reply=public_reply(t))

    def outcomes(self, limit: int = 50, offset: int = 0) -> list[Outcome]:
        with self.uow(read_only=True) as uow:
            found = uow.tickets.finished(PUBLISHED, max(1, min(limit, 200)), max(0, offset))
            names = {u.code: u.name for u in uow.units.all()}
        out = []
        for st in found:
            t = st.ticket
            assert t.id is not None
            out.append(Outcome(
                ticket=t.id, registered_on=_day(t.registered_at, self.tz),
                category=st.form.category, district=mask_address(st.form.address),
                unit=names.get(t.lead_unit or "", ""), status=SPOKEN[t.status],
                reply=public_reply(t), evaluation=evaluation(t)))
        return out
