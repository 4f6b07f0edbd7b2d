"""Repeat calls (重复来电, 001 §十二 "当年度累积重复投诉3次以上（含3次）"): which calls count
toward a ticket's repeats, and what the count does.

- A call counts in the calendar year of the call (in the hotline's time zone), not of the
  ticket's registration: a matter raised in December and again in January starts a new year.
- The same citizen: the same phone number, or the same reporter — the same name at the same
  home address, both given (a second phone of the same person).
- The same matter: the same ticket; or another ticket of the same citizen with the same
  category at the same place (`address_key`) that is open, or was closed (办结, parked or
  answered directly) in the year counted. Merged tickets hand their calls to the survivor
  and count no more.
- A ticket registered without a call (web, mail …) is one contact at its registration.

storage/tickets_repo.py mirrors `same_matter` in SQL (`TicketsRepo.matching`); a test checks
both select the same tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.registration import Registration, address_key
from callcenter.domain.tickets import FINISHED, Status

REPEATS_FOR_REVISIT = 3       # the same caller, same matter, same calendar year (001 §十二)
REPEATS_FOR_SUPERVISION = 5   # ... and the unit head signs the close (001 §十四)


@dataclass(frozen=True)
class RepeatEffect:
    revisit: bool
    supervise: bool


def repeat_effect(repeats_this_year: int) -> RepeatEffect:
    """What the n-th call of one caller on one matter in a calendar year does to its ticket
    (the first call counts as 1)."""
    return RepeatEffect(revisit=repeats_this_year >= REPEATS_FOR_REVISIT,
                        supervise=repeats_this_year >= REPEATS_FOR_SUPERVISION)


def same_citizen(a: Registration, b: Registration) -> bool:
    if a.reporter_phone and a.reporter_phone == b.reporter_phone:
        return True
    return bool(a.reporter_name and a.home_address) and (
        a.reporter_name == b.reporter_name and a.home_address == b.home_address)


def same_matter(form: Registration, other: Registration, other_status: Status,
                other_closed_at: datetime | None, year_start: datetime,
                year_end: datetime) -> bool:
    """Whether another ticket (`other`, in `other_status`) is the same matter of the same
    citizen as `form`, for the year [year_start, year_end)."""
    if other_status is Status.MERGED or not same_citizen(form, other):
        return False
    if form.category != other.category or address_key(form.address) != address_key(
            other.address):
        return False
    if other_status not in FINISHED:
        return True
    return other_closed_at is not None and year_start <= other_closed_at < year_end
