"""Due times, SLA state and the reasons a ticket comes under supervision (督办).

Pure functions of a ticket and the time; the sweeper applies them periodically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from callcenter.domain.policy import SlaState, sla_state
from callcenter.domain.replies import contradictory
from callcenter.domain.tickets import WITH_UNIT, RulesContext, Status, Ticket

OVERDUE = "overdue without approved extension"
CONTRADICTORY = "contradictory replies"


@dataclass(frozen=True)
class DueTimes:
    first_contact: datetime | None
    completion: datetime | None
    extension_window: datetime | None
    return_window: datetime | None


def due_times(t: Ticket, ctx: RulesContext) -> DueTimes:
    if t.dispatched_at is None:
        return DueTimes(None, t.due_at, None, None)
    p = ctx.profile
    # Stored at dispatch; computed only for tickets dispatched before they were stored.
    return DueTimes(
        first_contact=t.first_contact_due or ctx.after(p.first_contact, t.dispatched_at),
        completion=t.due_at,
        extension_window=t.extension_until or ctx.after(p.extension_request_within,
                                                        t.dispatched_at),
        return_window=t.return_until or ctx.after(p.return_within, t.dispatched_at))


def sla(t: Ticket, now: datetime, ctx: RulesContext) -> SlaState | None:
    """None when no deadline runs (not dispatched yet, or finished)."""
    if t.status not in WITH_UNIT or t.due_at is None:
        return None
    start = t.revisit_started_at if t.status is Status.REVISIT and t.revisit_started_at \
        else t.dispatched_at
    assert start is not None
    return sla_state(now, start, t.due_at, ctx.profile.due_soon)


def overdue(t: Ticket, now: datetime) -> bool:
    """The unit holds the ticket and its completion deadline has passed. A pending (not yet
    approved) extension request does not stop the clock. `TicketsRepo.overdue` mirrors this
    in SQL; tests/test_rule_mirrors.py checks both select the same tickets."""
    return t.status in WITH_UNIT and t.due_at is not None and now > t.due_at


def due_soon(t: Ticket, now: datetime) -> bool:
    """In the last share of its time (the profile's `due_soon`), not yet overdue. Mirrored
    by `TicketsRepo.due_soon`."""
    return (t.status in WITH_UNIT and t.due_soon_at is not None and t.due_at is not None
            and t.due_soon_at <= now <= t.due_at)


def awaiting_first_contact(t: Ticket, now: datetime) -> bool:
    """The unit holds the ticket, has not contacted the citizen yet and its first-contact
    time has passed: the unit is chased. Mirrored by `TicketsRepo.awaiting_first_contact`."""
    return (t.status in WITH_UNIT and t.first_contact_at is None
            and t.first_contact_due is not None and now > t.first_contact_due)


def first_contact_late(t: Ticket, now: datetime, ctx: RulesContext) -> bool:
    """Whether the first contact was (or, not made yet, is) late: the 先行联系 figure of a
    ticket, whatever its status now."""
    due = due_times(t, ctx).first_contact
    if due is None:
        return False
    return (t.first_contact_at or now) > due


def supervision_reasons(t: Ticket, now: datetime) -> list[str]:
    """Reasons the sweeper finds on its own; chases and repeats are counted as they happen."""
    reasons = []
    if overdue(t, now):
        reasons.append(OVERDUE)
    if any(contradictory(a, b) for a, b in combinations(t.replies, 2)):
        reasons.append(CONTRADICTORY)
    return [r for r in reasons if r not in t.supervision_reasons]
