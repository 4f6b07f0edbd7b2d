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


def first_contact_late(t: Ticket, now: datetime, ctx: RulesContext) -> bool:
    due = due_times(t, ctx).first_contact
    if due is None:
        return False
    return (t.first_contact_at or now) > due


def supervision_reasons(t: Ticket, now: datetime) -> list[str]:
    """Reasons the sweeper finds on its own; chases and repeats are counted as they happen."""
    reasons = []
    # A pending (not yet approved) extension request does not stop the clock.
    if t.status in WITH_UNIT and t.due_at is not None and now > t.due_at:
        reasons.append(OVERDUE)
    if any(contradictory(a, b) for a, b in combinations(t.replies, 2)):
        reasons.append(CONTRADICTORY)
    return [r for r in reasons if r not in t.supervision_reasons]
