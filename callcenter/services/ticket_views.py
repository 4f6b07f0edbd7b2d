"""Tickets as JSON for one viewer: identity masked by role, deadlines and SLA state included."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from callcenter.domain.privacy import HIDDEN, Viewer, identity_for, is_hotline, mask_number
from callcenter.domain.replies import Callback, Reply
from callcenter.domain.supervision import due_times, sla
from callcenter.domain.tickets import AuditEntry, ParkingForm, ReturnRequest, RulesContext

if TYPE_CHECKING:
    from callcenter.storage.tickets_repo import StoredTicket


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


class ReporterView(TypedDict):
    """Who reported it, as much as the viewer may see (domain/privacy.py)."""

    name: str
    gender: str
    phone: str
    home_address: str


class DueView(TypedDict):
    first_contact: str | None
    completion: str | None
    extension_window: str | None
    return_window: str | None


class PendingExtensionView(TypedDict):
    span: str
    reason: str
    requested_by: str
    agreed_by: str | None


class ProposalView(TypedDict):
    lead_unit: str
    co_units: list[str]
    designated: bool
    proposed_by: str


class ReturnRequestView(TypedDict):
    reason: str
    event_time: str
    place: str
    people: str
    suggested_unit: str
    policy_basis: str
    written_request: str


class ParkingView(TypedDict):
    summary: str
    facts: str
    policy: str
    conclusion: str
    evidence: str


class ReplyView(TypedDict):
    fact: str
    demand: str
    result: str
    site_visit: str
    public_points: str
    completion_report: str
    reason: str
    evidence: str


class CallbackRecordView(TypedDict):
    reached: bool
    first_contact_made: bool
    solved: bool
    explained: bool
    attitude: int
    speed: int
    result: int
    note: str
    satisfied: bool


class CallbackOutcomeView(TypedDict):
    sampled: bool | None
    outcome: str | None


class ConferenceLegView(TypedDict):
    """A unit dialled into one of the ticket's calls (三方通话)."""

    call: str | None  # hotline roles only
    leg: str
    unit: str
    number: str
    outcome: str
    dialled_at: str | None
    answered_at: str | None
    ended_at: str | None
    talk_s: float | None


class TicketView(TypedDict):
    """One ticket as its viewer may read it. The parts the state machine keeps as records
    (proposal, return request, parking, replies, callbacks) are their fields as they are."""

    id: int | None  # None only before the store gave it one
    version: int
    status: str
    kind: str
    urgency: str
    channel: str
    category: str
    matter: str
    demand: str
    address: str
    history: str
    other_opinions: str
    anonymous: bool
    event_time: str
    people_involved: str
    reporter: ReporterView
    registered_at: str | None
    dispatch_due: str | None
    proposal: ProposalView | None
    dispatched_at: str | None
    lead_unit: str | None
    co_units: list[str]
    designated: bool
    first_contact_at: str | None
    due: DueView
    provisional: list[str]
    sla: str | None
    pending_extension: PendingExtensionView | None
    extensions: list[str]
    return_request: ReturnRequestView | None
    parking: ParkingView | None
    parking_signers: list[str]
    supervised: bool
    supervision_reasons: list[str]
    chases: int
    revisits: int
    repeats: int
    head_signoff_required: bool
    head_signed_by: str | None
    replies: list[ReplyView]
    closed_at: str | None
    callbacks: list[CallbackRecordView]
    callback: CallbackOutcomeView
    answer: str | None
    kb_article: int | None
    merged_into: int | None
    calls: list[str]
    conference_legs: list[ConferenceLegView]


def ticket_view(st: StoredTicket, viewer: Viewer, now: datetime,
                ctx: RulesContext) -> TicketView:
    t, f = st.ticket, st.form
    who = identity_for(viewer, lead_unit=t.lead_unit, co_units=t.co_units, anonymous=f.anonymous,
                       name=f.reporter_name, gender=f.reporter_gender.value,
                       phone=f.reporter_phone, home_address=f.home_address)
    pe = t.pending_extension
    due = due_times(t, ctx)
    state = sla(t, now, ctx)
    return {
        "id": t.id, "version": st.version, "status": t.status.value, "kind": t.kind.value,
        "urgency": t.urgency.value, "channel": f.channel.value, "category": f.category,
        "matter": f.matter, "demand": f.demand, "address": f.address, "history": f.history,
        "other_opinions": f.other_opinions, "anonymous": f.anonymous,
        "event_time": f.event_time, "people_involved": f.people_involved,
        "reporter": {"name": who.name, "gender": who.gender, "phone": who.phone,
                     "home_address": who.home_address},
        "registered_at": _iso(t.registered_at), "dispatch_due": _iso(t.dispatch_due),
        "proposal": None if t.proposal is None else ProposalView(
            lead_unit=t.proposal.lead_unit, co_units=list(t.proposal.co_units),
            designated=t.proposal.designated, proposed_by=t.proposal.proposed_by),
        "dispatched_at": _iso(t.dispatched_at),
        "lead_unit": t.lead_unit, "co_units": list(t.co_units), "designated": t.designated,
        "first_contact_at": _iso(t.first_contact_at),
        "due": {"first_contact": _iso(due.first_contact), "completion": _iso(due.completion),
                "extension_window": _iso(due.extension_window),
                "return_window": _iso(due.return_window)},
        # Due times resting on a day of a calendar year not yet published (domain/workdays.py):
        # they may move later, never earlier, once the year's arrangement is loaded.
        "provisional": list(t.provisional),
        "sla": state.value if state is not None else None,
        "pending_extension": None if pe is None else {
            "span": str(pe.span), "reason": pe.reason, "requested_by": pe.requested_by,
            "agreed_by": pe.agreed_by},
        "extensions": [str(s) for s in t.extensions],
        "return_request": None if t.return_request is None else _return_request(t.return_request),
        "parking": None if t.parking is None else _parking(t.parking),
        "parking_signers": list(t.parking_signers),
        "supervised": t.supervised, "supervision_reasons": list(t.supervision_reasons),
        "chases": t.chases, "revisits": t.revisits, "repeats": t.repeats,
        "head_signoff_required": t.head_signoff_required, "head_signed_by": t.head_signed_by,
        "replies": [_reply(r) for r in t.replies],
        "closed_at": _iso(t.closed_at),
        "callbacks": [_callback(c) for c in t.callbacks],
        "callback": {"sampled": t.callback_sampled, "outcome": t.callback_outcome},
        "answer": t.answer, "kb_article": t.kb_article, "merged_into": t.merged_into,
        # Call ids lead to recordings, which hold the caller's voice and number: hotline only.
        "calls": list(st.calls) if is_hotline(viewer) else [],
        # Units dialled into the calls (三方通话); a unit sees its own legs, without the call.
        "conference_legs": [
            {"call": lid if is_hotline(viewer) else None, "leg": p.leg, "unit": p.unit,
             "number": p.number, "outcome": p.outcome.value,
             "dialled_at": _iso(p.dialled_at), "answered_at": _iso(p.answered_at),
             "ended_at": _iso(p.ended_at), "talk_s": p.talk_s}
            for lid, p in st.parties if is_hotline(viewer) or p.unit == viewer.unit],
    }


def _return_request(r: ReturnRequest) -> ReturnRequestView:
    return ReturnRequestView(reason=r.reason, event_time=r.event_time, place=r.place,
                             people=r.people, suggested_unit=r.suggested_unit,
                             policy_basis=r.policy_basis, written_request=r.written_request)


def _parking(p: ParkingForm) -> ParkingView:
    return ParkingView(summary=p.summary, facts=p.facts, policy=p.policy,
                       conclusion=p.conclusion, evidence=p.evidence)


def _reply(r: Reply) -> ReplyView:
    return ReplyView(fact=r.fact, demand=r.demand, result=r.result, site_visit=r.site_visit,
                     public_points=r.public_points, completion_report=r.completion_report,
                     reason=r.reason, evidence=r.evidence)


def _callback(c: Callback) -> CallbackRecordView:
    return CallbackRecordView(reached=c.reached, first_contact_made=c.first_contact_made,
                              solved=c.solved, explained=c.explained, attitude=c.attitude,
                              speed=c.speed, result=c.result, note=c.note,
                              satisfied=c.satisfied)


class ActorView(TypedDict):
    role: str
    id: str


# "from" is a keyword: the functional form names it.
AuditView = TypedDict("AuditView", {"at": str, "actor": ActorView, "action": str, "from": str,
                                    "to": str, "why": str})


def audit_view(entries: list[AuditEntry]) -> list[AuditView]:
    """The audit trail, oldest first: who did what, from which status to which, and why."""
    return [AuditView({"at": e.at.isoformat(), "actor": ActorView(role=e.actor.role,
                                                                  id=e.actor.id),
                       "action": e.action, "from": e.from_status.value,
                       "to": e.to_status.value, "why": e.why}) for e in entries]


class TicketSummary(TypedDict):
    """A ticket in a list."""

    id: int | None
    status: str
    kind: str
    urgency: str
    category: str
    address: str
    lead_unit: str | None
    sla: str | None
    supervised: bool
    registered_at: str | None
    provisional: list[str]
    due: str | None
    reporter_phone: str  # masked for every role


def summary_view(st: StoredTicket, viewer: Viewer, now: datetime,
                 ctx: RulesContext) -> TicketSummary:
    full = ticket_view(st, viewer, now, ctx)
    phone = full["reporter"]["phone"]
    return TicketSummary(
        id=full["id"], status=full["status"], kind=full["kind"], urgency=full["urgency"],
        category=full["category"], address=full["address"], lead_unit=full["lead_unit"],
        sla=full["sla"], supervised=full["supervised"], registered_at=full["registered_at"],
        provisional=full["provisional"], due=full["due"]["completion"],
        # Lists travel further (screens, exports) than one opened ticket: masked for all.
        reporter_phone=phone if phone in ("", HIDDEN) else mask_number(phone))


class OfficeBoard(TypedDict):
    """The office's desk: decisions waiting for it (returns, parking, replies, extensions
    the unit's leader agreed to), overdue tickets and supervised ones."""

    awaiting: list[TicketSummary]
    overdue: list[TicketSummary]
    supervised: list[TicketSummary]
