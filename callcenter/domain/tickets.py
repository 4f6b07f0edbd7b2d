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

from callcenter.domain.policy import Deadline, PolicyProfile, Span, Urgency
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

    def deadline(self, span: Span, start: datetime) -> Deadline:
        return span.deadline(start, self.calendar, self.tz)

    def chain(self, start: datetime, spans: tuple[Span, ...]) -> Deadline:
        """A deadline built span after span (a completion time and its extensions)."""
        at, provisional = start, False
        for span in spans:
            d = self.deadline(span, at)
            at, provisional = d.at, provisional or d.provisional
        return Deadline(at, provisional)


# The due times a ticket carries; those resting on a provisional calendar day are named in
# Ticket.provisional until the year's arrangement is published and they are recomputed.
FIRST_CONTACT, COMPLETION, EXTENSION_WINDOW, RETURN_WINDOW = (
    "first_contact", "completion", "extension_window", "return_window")


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
    due_from: datetime | None = None    # due_at is due_spans applied one after the other from here
    due_spans: tuple[Span, ...] = ()
    due_soon_at: datetime | None = None  # from then on the SLA state is "due soon"
    first_contact_due: datetime | None = None
    extension_until: datetime | None = None  # a unit may ask for more time until then
    return_until: datetime | None = None     # ... and return the ticket until then
    provisional: tuple[str, ...] = ()         # due times resting on a provisional calendar day
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
    # A due time that no longer binds anyone (first contact made, reply given) is no longer
    # waiting for the calendar either.
    pending = tuple(n for n in new.provisional if _still_matters(new, n))
    return replace(new, history=(*t.history, entry), provisional=pending)


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
            times = dispatch_times(now, t.urgency, ctx)
            t2 = replace(t, status=Status.DISPATCHED, lead_unit=lead, co_units=tuple(co),
                         designated=designated, dispatched_at=now,
                         first_contact_due=times[FIRST_CONTACT].at,
                         extension_until=times[EXTENSION_WINDOW].at,
                         return_until=times[RETURN_WINDOW].at,
                         provisional=tuple(n for n, d in times.items() if d.provisional),
                         first_contact_at=None, return_request=None, pending_extension=None,
                         extensions=())
            t2 = _due(t2, now, (p.completion[t.urgency],), times[COMPLETION], ctx)
            return t2, f"lead {lead}" + (f", co {', '.join(co)}" if co else "") \
                + provisional_note(t2)
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
            assert t.due_at is not None and t.due_from is not None
            # Extended from the due time already given, whatever the calendar says now.
            step = ctx.deadline(t.pending_extension, t.due_at)
            due = Deadline(step.at, step.provisional or COMPLETION in t.provisional)
            t2 = _due(replace(t, pending_extension=None,
                              extensions=(*t.extensions, t.pending_extension)),
                      t.due_from, (*t.due_spans, t.pending_extension), due, ctx)
            return t2, f"approved {t.pending_extension}, due {due.at.isoformat()}" \
                + provisional_note(t2, (COMPLETION,))
        case RequestReturn(req):
            check_return_request(t, req, now, ctx)
            return replace(t, status=Status.RETURN_REQUESTED, return_request=req,
                           resume_status=t.status), f"{req.reason}; suggests {req.suggested_unit}"
        case DecideReturn(approve, reason):
            if approve:
                return replace(t, status=Status.RETURNED, lead_unit=None, co_units=(),
                               due_at=None, due_soon_at=None, first_contact_due=None,
                               due_from=None, due_spans=(), extension_until=None,
                               return_until=None, provisional=(), resume_status=None), reason
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
            t3 = _to_revisit(t2, now, ctx)
            return t3, "dissatisfied: revisit" + provisional_note(t3, (COMPLETION,))
        case SendToRevisit(reason):
            t2 = _to_revisit(t, now, ctx)
            return t2, reason + provisional_note(t2, (COMPLETION,))
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
    spans = (ctx.profile.revisit,)
    return _due(t2, now, spans, ctx.chain(now, spans), ctx)


def dispatch_times(now: datetime, urgency: Urgency, ctx: RulesContext) -> dict[str, Deadline]:
    p = ctx.profile
    return {FIRST_CONTACT: ctx.deadline(p.first_contact, now),
            COMPLETION: ctx.deadline(p.completion[urgency], now),
            EXTENSION_WINDOW: ctx.deadline(p.extension_request_within, now),
            RETURN_WINDOW: ctx.deadline(p.return_within, now)}


def _due(t: Ticket, start: datetime, spans: tuple[Span, ...], due: Deadline,
         ctx: RulesContext) -> Ticket:
    """Set the deadline, what it is made of, and the moment it becomes "due soon" (the
    profile's last fraction)."""
    soon = due.at - (due.at - start) * ctx.profile.due_soon
    others = tuple(n for n in t.provisional if n != COMPLETION)
    return replace(t, due_at=due.at, due_soon_at=soon, due_from=start, due_spans=spans,
                   provisional=tuple(sorted((*others, COMPLETION) if due.provisional
                                            else others)))


def _time_of(t: Ticket, name: str) -> datetime | None:
    return {FIRST_CONTACT: t.first_contact_due, COMPLETION: t.due_at,
            EXTENSION_WINDOW: t.extension_until, RETURN_WINDOW: t.return_until}[name]


def provisional_note(t: Ticket, names: tuple[str, ...] | None = None) -> str:
    """The audit text naming every due time that rests on a provisional calendar day."""
    shown = [n for n in t.provisional if names is None or n in names]
    if not shown:
        return ""
    times = ", ".join(f"{n} {_at.isoformat()}" for n in shown
                      if (_at := _time_of(t, n)) is not None)
    return f"; provisional (calendar year not yet published): {times}"


def _still_matters(t: Ticket, name: str) -> bool:
    if name == FIRST_CONTACT:
        return t.first_contact_at is None and t.status in WITH_UNIT
    if name == RETURN_WINDOW:
        return t.status in ALLOWED[RequestReturn]
    if name == EXTENSION_WINDOW:
        return t.status in ALLOWED[RequestExtension]
    return t.status in WITH_UNIT


def recompute_deadlines(t: Ticket, actor: Actor, now: datetime,
                        ctx: RulesContext) -> Ticket | None:
    """The ticket with its provisional due times computed again on the calendar in `ctx`
    (a year's arrangement was published), with one audit entry naming each old and new
    time; None if nothing changes. A due time already given to the unit never moves
    earlier."""
    if not t.provisional:
        return None
    p, times, still = ctx.profile, {}, []
    for name in t.provisional:
        old = _time_of(t, name)
        if old is None or not _still_matters(t, name) or t.dispatched_at is None:
            continue
        if name == COMPLETION:
            assert t.due_from is not None
            d = ctx.chain(t.due_from, t.due_spans)
        else:
            span = {FIRST_CONTACT: p.first_contact, EXTENSION_WINDOW: p.extension_request_within,
                    RETURN_WINDOW: p.return_within}[name]
            d = ctx.deadline(span, t.dispatched_at)
        times[name] = max(old, d.at)
        if d.provisional:
            still.append(name)
    if tuple(still) == t.provisional and all(_time_of(t, n) == at for n, at in times.items()):
        return None
    new = replace(t, first_contact_due=times.get(FIRST_CONTACT, t.first_contact_due),
                  extension_until=times.get(EXTENSION_WINDOW, t.extension_until),
                  return_until=times.get(RETURN_WINDOW, t.return_until), provisional=tuple(still))
    if COMPLETION in times and t.due_from is not None:
        due = times[COMPLETION]
        new = replace(new, due_at=due,
                      due_soon_at=due - (due - t.due_from) * p.due_soon)
    moved = [f"{n} {old.isoformat()} -> {times[n].isoformat()}" for n in sorted(times)
             if (old := _time_of(t, n)) is not None and old != times[n]]
    kept = [n for n in sorted(times) if _time_of(t, n) == times[n]]
    why = "calendar published: " + ("; ".join(moved) if moved else "no due time moved")
    if kept:
        why += f"; unchanged: {', '.join(kept)}"
    if still:
        why += f"; still provisional: {', '.join(still)}"
    entry = AuditEntry(now, actor, "RecomputeDeadlines", t.status, t.status, why)
    return replace(new, history=(*t.history, entry))


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
    window = t.extension_until or ctx.after(p.extension_request_within, t.dispatched_at)
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
    window = t.return_until or ctx.after(ctx.profile.return_within, t.dispatched_at)
    if now > window:
        raise _refuse("return", f"returns close {window.isoformat()} "
                      f"({ctx.profile.return_within} after dispatch)")
