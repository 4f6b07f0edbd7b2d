"""The work order (工单) as an explicit state machine.

`apply(ticket, command, actor, now, ctx)` is pure: it checks that the command is legal in the
ticket's status and that the named rules allow it, and returns the new ticket with one more
audit entry (who, when, what, from, to, why). An illegal command raises and changes nothing.
Deadlines come from the policy profile in `ctx` (domain/policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from callcenter.domain.policy import PolicyProfile, Span, Urgency
from callcenter.domain.replies import Callback, Kind, Reply, callback_problems, reply_problems
from callcenter.domain.workdays import WorkCalendar


class Status(StrEnum):
    REGISTERED = "registered"                # 登记
    ANSWERED_DIRECTLY = "answered_directly"  # 直办, closed at once
    DISPATCHED = "dispatched"                # 转办/交办
    CONTACTED = "contacted"                  # 先行联系
    IN_PROGRESS = "in_progress"              # 办理中
    RETURN_REQUESTED = "return_requested"    # 退单申请中
    RETURNED = "returned"                    # 退回热线, to be re-dispatched
    PARKING_REQUESTED = "parking_requested"  # 存电申请中
    PARKED = "parked"                        # 存电
    REPLIED = "replied"                      # 处置反馈
    CALLED_BACK = "called_back"              # 回访
    REVISIT = "revisit"                      # 回访复核/重新交办
    CLOSED = "closed"                        # 办结
    ARCHIVED = "archived"                    # 归档
    MERGED = "merged"                        # 并单 into another ticket


# Statuses in which the unit holds the ticket and its deadline runs.
WITH_UNIT = frozenset({Status.DISPATCHED, Status.CONTACTED, Status.IN_PROGRESS, Status.REVISIT,
                       Status.RETURN_REQUESTED, Status.PARKING_REQUESTED})
FINISHED = frozenset({Status.ANSWERED_DIRECTLY, Status.PARKED, Status.CLOSED, Status.ARCHIVED,
                      Status.MERGED})


class TicketError(ValueError):
    """A command refused; `rule` names the rule (tests and the API report it)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class IllegalTransition(TicketError):
    pass


@dataclass(frozen=True)
class Actor:
    role: str  # agent | unit | supervisor | system
    id: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: Actor
    action: str
    from_status: Status
    to_status: Status
    why: str = ""


@dataclass(frozen=True)
class RulesContext:
    profile: PolicyProfile
    calendar: WorkCalendar
    tz: ZoneInfo

    def after(self, span: Span, start: datetime) -> datetime:
        return span.after(start, self.calendar, self.tz)


@dataclass(frozen=True)
class Ticket:
    kind: Kind
    urgency: Urgency
    registered_at: datetime
    status: Status = Status.REGISTERED
    id: int | None = None
    dispatched_at: datetime | None = None
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    designated: bool = False            # 指定单: the unit was named by the leadership
    first_contact_at: datetime | None = None
    due_at: datetime | None = None      # completion (or revisit) deadline, extensions included
    due_soon_at: datetime | None = None  # from then on the SLA state is "due soon"
    first_contact_due: datetime | None = None
    pending_extension: Span | None = None
    extensions: tuple[Span, ...] = ()
    return_request: ReturnRequest | None = None
    resume_status: Status | None = None  # where a refused return/parking request goes back to
    parking_signers: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    revisits: int = 0
    revisit_started_at: datetime | None = None
    supervised: bool = False
    supervision_reasons: tuple[str, ...] = ()
    chases: int = 0
    head_signoff_required: bool = False
    head_signed_by: str | None = None
    answer: str = ""
    kb_article: int | None = None
    merged_into: int | None = None
    history: tuple[AuditEntry, ...] = field(default=())


@dataclass(frozen=True)
class ReturnRequest:
    reason: str
    contact_logged: bool
    suggested_unit: str


# -- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerDirectly:
    answer: str
    kb_article: int | None


@dataclass(frozen=True)
class Dispatch:
    lead_unit: str
    co_units: tuple[str, ...] = ()
    designated: bool = False


@dataclass(frozen=True)
class LogContact:
    note: str


@dataclass(frozen=True)
class StartWork:
    pass


@dataclass(frozen=True)
class RequestExtension:
    span: Span
    reason: str


@dataclass(frozen=True)
class DecideExtension:
    approve: bool
    reason: str = ""


@dataclass(frozen=True)
class RequestReturn:
    request: ReturnRequest


@dataclass(frozen=True)
class DecideReturn:
    approve: bool
    reason: str = ""


@dataclass(frozen=True)
class RequestParking:
    reason: str


@dataclass(frozen=True)
class SignParking:
    signer: str


@dataclass(frozen=True)
class RefuseParking:
    reason: str


@dataclass(frozen=True)
class SubmitReply:
    reply: Reply


@dataclass(frozen=True)
class RecordCallback:
    callback: Callback


@dataclass(frozen=True)
class SendToRevisit:
    reason: str


@dataclass(frozen=True)
class Supervise:
    reason: str


@dataclass(frozen=True)
class Chase:
    note: str = ""


@dataclass(frozen=True)
class SignOffHead:
    signer: str


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class Archive:
    pass


@dataclass(frozen=True)
class MergeInto:
    ticket_id: int
    reason: str


@dataclass(frozen=True)
class Absorb:
    """The surviving ticket of a merge (并单) records the one merged into it."""

    ticket_id: int
    reason: str


Command = (Absorb | AnswerDirectly | Dispatch | LogContact | StartWork | RequestExtension
           | DecideExtension | RequestReturn | DecideReturn | RequestParking | SignParking
           | RefuseParking | SubmitReply | RecordCallback | SendToRevisit | Supervise | Chase
           | SignOffHead | Close | Archive | MergeInto)

# Where each command may be given. Commands absent from a status's set are illegal there.
ALLOWED: dict[type, frozenset[Status]] = {
    AnswerDirectly: frozenset({Status.REGISTERED}),
    Dispatch: frozenset({Status.REGISTERED, Status.RETURNED}),
    LogContact: frozenset({Status.DISPATCHED}),
    StartWork: frozenset({Status.CONTACTED}),
    RequestExtension: frozenset({Status.DISPATCHED, Status.CONTACTED, Status.IN_PROGRESS}),
    DecideExtension: frozenset({Status.DISPATCHED, Status.CONTACTED, Status.IN_PROGRESS}),
    RequestReturn: frozenset({Status.DISPATCHED, Status.CONTACTED}),
    DecideReturn: frozenset({Status.RETURN_REQUESTED}),
    RequestParking: frozenset({Status.CONTACTED, Status.IN_PROGRESS}),
    SignParking: frozenset({Status.PARKING_REQUESTED}),
    RefuseParking: frozenset({Status.PARKING_REQUESTED}),
    SubmitReply: frozenset({Status.CONTACTED, Status.IN_PROGRESS, Status.REVISIT}),
    RecordCallback: frozenset({Status.REPLIED}),
    SendToRevisit: frozenset({Status.REPLIED, Status.CALLED_BACK}),
    Supervise: frozenset(WITH_UNIT | {Status.REPLIED, Status.CALLED_BACK}),
    Chase: frozenset(WITH_UNIT),
    SignOffHead: frozenset(WITH_UNIT | {Status.REPLIED, Status.CALLED_BACK}),
    Close: frozenset({Status.CALLED_BACK}),
    Archive: frozenset({Status.ANSWERED_DIRECTLY, Status.PARKED, Status.CLOSED}),
    Absorb: frozenset(set(Status) - FINISHED),
    MergeInto: frozenset({Status.REGISTERED, Status.DISPATCHED, Status.CONTACTED,
                          Status.IN_PROGRESS, Status.RETURNED}),
}

CHASES_BEFORE_SUPERVISION = 3
PARKING_SIGNOFFS = 2


def _refuse(rule: str, message: str) -> TicketError:
    return TicketError(rule, message)


def apply(t: Ticket, cmd: Command, actor: Actor, now: datetime, ctx: RulesContext) -> Ticket:
    allowed = ALLOWED[type(cmd)]
    name = type(cmd).__name__
    if t.status not in allowed:
        raise IllegalTransition("state_machine", f"{name} is not allowed when the ticket is "
                                f"{t.status.value}")
    new, why = _decide(t, cmd, actor, now, ctx)
    entry = AuditEntry(now, actor, name, t.status, new.status, why)
    return replace(new, history=(*t.history, entry))


def _decide(t: Ticket, cmd: Command, actor: Actor, now: datetime,
            ctx: RulesContext) -> tuple[Ticket, str]:
    p = ctx.profile
    match cmd:
        case AnswerDirectly(answer, kb):
            if not answer.strip():
                raise _refuse("direct_answer", "a direct answer needs its text")
            return replace(t, status=Status.ANSWERED_DIRECTLY, answer=answer, kb_article=kb), \
                answer
        case Dispatch(lead, co, designated):
            if not lead or lead in co:
                raise _refuse("dispatch", "one lead unit, not also among the co-units")
            t2 = replace(t, status=Status.DISPATCHED, lead_unit=lead, co_units=tuple(co),
                         designated=designated, dispatched_at=now,
                         first_contact_due=ctx.after(p.first_contact, now),
                         first_contact_at=None, return_request=None, pending_extension=None,
                         extensions=())
            return _due(t2, now, ctx.after(p.completion[t.urgency], now), ctx), \
                f"lead {lead}" + (f", co {', '.join(co)}" if co else "")
        case LogContact(note):
            if not note.strip():
                raise _refuse("first_contact", "say how and what was agreed with the citizen")
            return replace(t, status=Status.CONTACTED, first_contact_at=now), note
        case StartWork():
            return replace(t, status=Status.IN_PROGRESS), ""
        case RequestExtension(span, reason):
            check_extension_request(t, span, reason, now, ctx)
            return replace(t, pending_extension=span), f"{span}: {reason}"
        case DecideExtension(approve, reason):
            if t.pending_extension is None:
                raise _refuse("extension", "no extension request is pending")
            if not approve:
                return replace(t, pending_extension=None), f"refused: {reason}"
            assert t.due_at is not None and t.dispatched_at is not None
            due = ctx.after(t.pending_extension, t.due_at)
            start = t.revisit_started_at or t.dispatched_at
            return _due(replace(t, pending_extension=None,
                                extensions=(*t.extensions, t.pending_extension)),
                        start, due, ctx), \
                f"approved {t.pending_extension}, due {due.isoformat()}"
        case RequestReturn(req):
            check_return_request(t, req, now, ctx)
            return replace(t, status=Status.RETURN_REQUESTED, return_request=req,
                           resume_status=t.status), f"{req.reason}; suggests {req.suggested_unit}"
        case DecideReturn(approve, reason):
            if approve:
                return replace(t, status=Status.RETURNED, lead_unit=None, co_units=(),
                               due_at=None, due_soon_at=None, first_contact_due=None,
                               resume_status=None), reason
            if not reason.strip():
                raise _refuse("return", "a refused return needs the reason for the unit")
            assert t.resume_status is not None
            return replace(t, status=t.resume_status, resume_status=None,
                           return_request=None), f"refused: {reason}"
        case RequestParking(reason):
            if not reason.strip():
                raise _refuse("parking", "say why the matter cannot be solved")
            return replace(t, status=Status.PARKING_REQUESTED, resume_status=t.status,
                           parking_signers=()), reason
        case SignParking(signer):
            if signer in t.parking_signers:
                raise _refuse("parking", f"{signer} has already signed; two different people "
                              "must sign off")
            signers = (*t.parking_signers, signer)
            if len(signers) >= PARKING_SIGNOFFS:
                return replace(t, status=Status.PARKED, parking_signers=signers,
                               resume_status=None), f"signed by {', '.join(signers)}"
            return replace(t, parking_signers=signers), f"signed by {signer}"
        case RefuseParking(reason):
            assert t.resume_status is not None
            return replace(t, status=t.resume_status, resume_status=None,
                           parking_signers=()), reason
        case SubmitReply(reply):
            problems = reply_problems(t.kind, reply)
            if problems:
                raise _refuse("reply", "; ".join(problems))
            return replace(t, status=Status.REPLIED, replies=(*t.replies, reply)), \
                reply.public_points
        case RecordCallback(cb):
            problems = callback_problems(cb)
            if problems:
                raise _refuse("callback", "; ".join(problems))
            t2 = replace(t, status=Status.CALLED_BACK, callbacks=(*t.callbacks, cb))
            if cb.satisfied and cb.solved:
                return t2, "satisfied"
            # A dissatisfied citizen sends the ticket back to the unit for review (回访复核).
            return _to_revisit(t2, now, ctx), "dissatisfied: revisit"
        case SendToRevisit(reason):
            return _to_revisit(t, now, ctx), reason
        case Supervise(reason):
            return supervise(t, reason), reason
        case Chase(note):
            chased = replace(t, chases=t.chases + 1)
            if chased.chases >= CHASES_BEFORE_SUPERVISION and not t.supervised:
                return supervise(chased, f"chased {chased.chases} times"), note
            return chased, note
        case SignOffHead(signer):
            return replace(t, head_signed_by=signer), signer
        case Close():
            if t.head_signoff_required and not t.head_signed_by:
                raise _refuse("head_signoff", "supervised and 5+-repeat tickets close only "
                              "with the unit head's sign-off")
            return replace(t, status=Status.CLOSED), ""
        case Archive():
            return replace(t, status=Status.ARCHIVED), ""
        case Absorb(other, reason):
            if other == t.id:
                raise _refuse("merge", "a ticket cannot be merged into itself")
            return t, f"absorbed #{other}: {reason}"
        case MergeInto(other, reason):
            if other == t.id:
                raise _refuse("merge", "a ticket cannot be merged into itself")
            return replace(t, status=Status.MERGED, merged_into=other), reason
    raise AssertionError(f"unhandled command {cmd!r}")  # pragma: no cover


def _to_revisit(t: Ticket, now: datetime, ctx: RulesContext) -> Ticket:
    t2 = replace(t, status=Status.REVISIT, revisits=t.revisits + 1, revisit_started_at=now)
    return _due(t2, now, ctx.after(ctx.profile.revisit, now), ctx)


def _due(t: Ticket, start: datetime, due: datetime, ctx: RulesContext) -> Ticket:
    """Set the deadline and the moment it becomes "due soon" (the profile's last fraction)."""
    soon = due - (due - start) * ctx.profile.due_soon
    return replace(t, due_at=due, due_soon_at=soon)


def supervise(t: Ticket, reason: str) -> Ticket:
    if reason in t.supervision_reasons:
        return t
    return replace(t, supervised=True, head_signoff_required=True,
                   supervision_reasons=(*t.supervision_reasons, reason))


# -- rules that need the clock --------------------------------------------------------------
def check_extension_request(t: Ticket, span: Span, reason: str, now: datetime,
                            ctx: RulesContext) -> None:
    """Extension only within the profile's window after dispatch (Shanghai: by working day 9)
    and only for one of its spans (15/30/60/90 days)."""
    p = ctx.profile
    if span not in p.extension_options:
        raise _refuse("extension", f"{span} is not one of "
                      f"{', '.join(str(o) for o in p.extension_options)}")
    if not reason.strip():
        raise _refuse("extension", "an extension request needs its reason")
    if t.pending_extension is not None:
        raise _refuse("extension", "an extension request is already pending")
    assert t.dispatched_at is not None
    window = ctx.after(p.extension_request_within, t.dispatched_at)
    if now > window:
        raise _refuse("extension", f"extension requests close {window.isoformat()} "
                      f"({p.extension_request_within} after dispatch)")


def check_return_request(t: Ticket, req: ReturnRequest, now: datetime,
                         ctx: RulesContext) -> None:
    """Return only within 1 working day of dispatch, after contacting the citizen, with reasons
    and a suggested right unit; never for supervised, revisit or designated tickets."""
    if t.supervised or t.revisits or t.designated:
        which = "supervised" if t.supervised else "revisit" if t.revisits else "designated"
        raise _refuse("return", f"a {which} ticket cannot be returned")
    if not req.contact_logged:
        raise _refuse("return", "contact the citizen before returning the ticket")
    if not req.reason.strip() or not req.suggested_unit.strip():
        raise _refuse("return", "give the reasons and the unit that should handle it")
    if req.suggested_unit == t.lead_unit:
        raise _refuse("return", "the suggested unit is the one returning the ticket")
    assert t.dispatched_at is not None
    window = ctx.after(ctx.profile.return_within, t.dispatched_at)
    if now > window:
        raise _refuse("return", f"returns close {window.isoformat()} "
                      f"({ctx.profile.return_within} after dispatch)")
