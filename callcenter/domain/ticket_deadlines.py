"""A ticket's due times: set at dispatch, on revisit and on an approved extension, marked
provisional while they rest on a calendar year not yet published, and recomputed when it is
(never earlier than what the unit was told)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from callcenter.domain.policy import Deadline, Span, Urgency
from callcenter.domain.tickets import (
    ALLOWED,
    COMPLETION,
    DISPATCH,
    EXTENSION_WINDOW,
    FIRST_CONTACT,
    RETURN_WINDOW,
    TO_DISPATCH,
    WITH_UNIT,
    Actor,
    AuditEntry,
    RequestExtension,
    RequestReturn,
    RulesContext,
    Status,
    Ticket,
)


def dispatch_times(now: datetime, urgency: Urgency, ctx: RulesContext) -> dict[str, Deadline]:
    p = ctx.profile
    return {FIRST_CONTACT: ctx.deadline(p.first_contact, now),
            COMPLETION: ctx.deadline(p.completion[urgency], now),
            EXTENSION_WINDOW: ctx.deadline(p.extension_request_within, now),
            RETURN_WINDOW: ctx.deadline(p.return_within, now)}


def with_provisional(t: Ticket, name: str, provisional: bool) -> tuple[str, ...]:
    others = tuple(n for n in t.provisional if n != name)
    return tuple(sorted((*others, name) if provisional else others))


def set_due(t: Ticket, start: datetime, spans: tuple[Span, ...], due: Deadline,
            ctx: RulesContext) -> Ticket:
    """Set the deadline, what it is made of, and the moment it becomes "due soon" (the
    profile's last fraction)."""
    return replace(t, due_at=due.at, due_soon_at=_soon(start, due.at, ctx), due_from=start,
                   due_spans=spans, provisional=with_provisional(t, COMPLETION, due.provisional))


def _soon(start: datetime, due: datetime, ctx: RulesContext) -> datetime:
    """From then on the SLA state is "due soon": the profile's last fraction of the time."""
    return due - (due - start) * ctx.profile.due_soon


def set_dispatch_due(t: Ticket, start: datetime, ctx: RulesContext) -> Ticket:
    """Registered or returned: the hotline dispatches by the profile's dispatch_within."""
    d = ctx.deadline(ctx.profile.dispatch_within, start)
    return replace(t, dispatch_due=d.at, provisional=with_provisional(t, DISPATCH,
                                                                      d.provisional))


def to_revisit(t: Ticket, now: datetime, ctx: RulesContext) -> Ticket:
    t2 = replace(t, status=Status.REVISIT, revisits=t.revisits + 1, revisit_started_at=now,
                 callback_outcome="reopened" if t.status is not Status.REPLIED
                 else t.callback_outcome)
    spans = (ctx.profile.revisit,)
    return set_due(t2, now, spans, ctx.chain(now, spans), ctx)


def time_of(t: Ticket, name: str) -> datetime | None:
    return {FIRST_CONTACT: t.first_contact_due, COMPLETION: t.due_at,
            EXTENSION_WINDOW: t.extension_until, RETURN_WINDOW: t.return_until,
            DISPATCH: t.dispatch_due}[name]


def provisional_note(t: Ticket, names: tuple[str, ...] | None = None) -> str:
    """The audit text naming every due time that rests on a provisional calendar day."""
    shown = [n for n in t.provisional if names is None or n in names]
    times = ", ".join(f"{n} {at.isoformat()}" for n in shown if (at := time_of(t, n)))
    return f"; provisional (calendar year not yet published): {times}" if times else ""


def still_matters(t: Ticket, name: str) -> bool:
    """Whether anybody is still held to this due time."""
    if name == DISPATCH:
        return t.status in TO_DISPATCH
    if name == FIRST_CONTACT:
        return t.first_contact_at is None and t.status in WITH_UNIT
    if name == RETURN_WINDOW:
        return t.status in ALLOWED[RequestReturn]
    if name == EXTENSION_WINDOW:
        return t.status in ALLOWED[RequestExtension]
    return t.status in WITH_UNIT


def _again(t: Ticket, name: str, ctx: RulesContext) -> Deadline | None:
    p = ctx.profile
    if name == DISPATCH:
        # The clock started when the ticket came (back) to the hotline.
        start = next((e.at for e in reversed(t.history) if e.to_status is Status.RETURNED),
                     t.registered_at) if t.status is Status.RETURNED else t.registered_at
        return ctx.deadline(p.dispatch_within, start)
    if t.dispatched_at is None:
        return None
    if name == COMPLETION:
        return None if t.due_from is None else ctx.chain(t.due_from, t.due_spans)
    span = {FIRST_CONTACT: p.first_contact, EXTENSION_WINDOW: p.extension_request_within,
            RETURN_WINDOW: p.return_within}[name]
    return ctx.deadline(span, t.dispatched_at)


def recompute_deadlines(t: Ticket, actor: Actor, now: datetime,
                        ctx: RulesContext) -> Ticket | None:
    """The ticket with its provisional due times computed again on the calendar in `ctx`
    (a year's arrangement was published), with one audit entry naming each old and new
    time; None if nothing changes. A due time already given never moves earlier."""
    if not t.provisional:
        return None
    times: dict[str, datetime] = {}
    still = []
    for name in t.provisional:
        old = time_of(t, name)
        d = _again(t, name, ctx) if old is not None and still_matters(t, name) else None
        if old is None or d is None:
            continue
        times[name] = max(old, d.at)
        if d.provisional:
            still.append(name)
    if tuple(still) == t.provisional and all(time_of(t, n) == at for n, at in times.items()):
        return None
    new = replace(t, first_contact_due=times.get(FIRST_CONTACT, t.first_contact_due),
                  extension_until=times.get(EXTENSION_WINDOW, t.extension_until),
                  return_until=times.get(RETURN_WINDOW, t.return_until),
                  dispatch_due=times.get(DISPATCH, t.dispatch_due), provisional=tuple(still))
    if COMPLETION in times and t.due_from is not None:
        due = times[COMPLETION]
        new = replace(new, due_at=due, due_soon_at=_soon(t.due_from, due, ctx))
    moved = [f"{n} {old.isoformat()} -> {times[n].isoformat()}" for n in sorted(times)
             if (old := time_of(t, n)) is not None and old != times[n]]
    kept = [n for n in sorted(times) if time_of(t, n) == times[n]]
    why = "calendar published: " + ("; ".join(moved) if moved else "no due time moved")
    if kept:
        why += f"; unchanged: {', '.join(kept)}"
    if still:
        why += f"; still provisional: {', '.join(still)}"
    entry = AuditEntry(now, actor, "RecomputeDeadlines", t.status, t.status, why)
    return replace(new, history=(*t.history, entry))
