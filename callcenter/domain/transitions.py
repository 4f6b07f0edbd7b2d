"""The work order's transitions: `apply(ticket, command, actor, now, ctx)`.

Pure: it checks that the command is legal in the ticket's status and that the named rules
allow it, and returns the new ticket with one more audit entry (who, when, what, from, to,
why). An illegal command raises TicketError naming its rule and changes nothing. Every
signature and approval is the actor's: the authenticated person, never a name in a body.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from callcenter.domain.policy import Deadline, Span
from callcenter.domain.replies import Callback, callback_problems, reply_problems
from callcenter.domain.ticket_deadlines import (
    dispatch_times,
    provisional_note,
    set_dispatch_due,
    set_due,
    still_matters,
    to_revisit,
)
from callcenter.domain.tickets import (
    ALLOWED,
    CHASES_BEFORE_SUPERVISION,
    COMPLETION,
    DISPATCH,
    EXTENSION_WINDOW,
    FIRST_CONTACT,
    RETURN_WINDOW,
    Absorb,
    AcceptReply,
    Actor,
    AddNote,
    AgreeExtension,
    AnswerDirectly,
    ApproveDispatch,
    Archive,
    AuditEntry,
    Chase,
    Command,
    DecideExtension,
    DecideReturn,
    Dispatch,
    DispatchProposal,
    IllegalTransition,
    LogContact,
    MergeInto,
    PendingExtension,
    ProposeDispatch,
    RecordCallback,
    RecordParking,
    RefuseParking,
    RejectReply,
    RequestExtension,
    RequestParking,
    RequestReturn,
    ReturnRequest,
    RulesContext,
    SendToRevisit,
    SignOffHead,
    SignParking,
    StartWork,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
    TicketError,
)

UNIT_HEAD, SUB_UNIT_HEAD = "unit_head", "sub_unit_head"
LEADERS = ("leader", "head")


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
    pending = tuple(n for n in new.provisional if still_matters(new, n))
    return replace(new, history=(*t.history, entry), provisional=pending)


def _refuse(rule: str, message: str) -> TicketError:
    return TicketError(rule, message)


def _required(rule: str, **values: str) -> None:
    empty = [k for k, v in values.items() if not v.strip()]
    if empty:
        raise _refuse(rule, f"required: {', '.join(empty)}")


def _dispatch(t: Ticket, lead: str, co: tuple[str, ...], designated: bool, now: datetime,
              ctx: RulesContext) -> tuple[Ticket, str]:
    if not lead or lead in co:
        raise _refuse("dispatch", "one lead unit, not also among the co-units")
    times = dispatch_times(now, t.urgency, ctx)
    t2 = replace(t, status=Status.DISPATCHED, lead_unit=lead, co_units=tuple(co),
                 designated=designated, dispatched_at=now, proposal=None, dispatch_due=None,
                 first_contact_due=times[FIRST_CONTACT].at,
                 extension_until=times[EXTENSION_WINDOW].at,
                 return_until=times[RETURN_WINDOW].at,
                 provisional=tuple(n for n, d in times.items() if d.provisional),
                 first_contact_at=None, return_request=None, pending_extension=None,
                 extensions=())
    t2 = set_due(t2, now, (ctx.profile.completion[t.urgency],), times[COMPLETION], ctx)
    return t2, f"lead {lead}" + (f", co {', '.join(co)}" if co else "") + provisional_note(t2)


def _decide(t: Ticket, cmd: Command, actor: Actor, now: datetime,
            ctx: RulesContext) -> tuple[Ticket, str]:
    p = ctx.profile
    match cmd:
        case AnswerDirectly(answer, kb):
            if not answer.strip():
                raise _refuse("direct_answer", "a direct answer needs its text")
            return replace(t, status=Status.ANSWERED_DIRECTLY, answer=answer, kb_article=kb,
                           dispatch_due=None, closed_at=now), answer
        case Dispatch(lead, co, designated):
            if p.dispatch_approval and actor.role == "agent":
                raise _refuse("dispatch_approval", f"under {p.name} a supervisor dispatches; "
                              "an agent proposes (ProposeDispatch)")
            return _dispatch(t, lead, tuple(co), designated, now, ctx)
        case ProposeDispatch(lead, co, designated):
            if not p.dispatch_approval:
                raise _refuse("dispatch_approval", f"under {p.name} agents dispatch directly")
            if not lead or lead in co:
                raise _refuse("dispatch", "one lead unit, not also among the co-units")
            return replace(t, proposal=DispatchProposal(lead, tuple(co), designated,
                                                        actor.id)), \
                f"proposes lead {lead}" + (f", co {', '.join(co)}" if co else "")
        case ApproveDispatch():
            if t.proposal is None:
                raise _refuse("dispatch_approval", "no dispatch proposal to approve")
            pr = t.proposal
            t2, why = _dispatch(t, pr.lead_unit, pr.co_units, pr.designated, now, ctx)
            return t2, f"approves {pr.proposed_by}'s proposal: {why}"
        case LogContact(note):
            if not note.strip():
                raise _refuse("first_contact", "say how and what was agreed with the citizen")
            return replace(t, status=Status.CONTACTED, first_contact_at=now), note
        case StartWork():
            return replace(t, status=Status.IN_PROGRESS), ""
        case RequestExtension(span, reason):
            check_extension_request(t, span, reason, now, ctx)
            # A leader asking is the leader agreeing.
            agreed = actor.id if actor.unit_role in LEADERS else None
            return replace(t, pending_extension=PendingExtension(span, reason, actor.id,
                                                                 agreed)), \
                f"{span}: {reason}" + (" (agreed by the requesting leader)" if agreed else "")
        case AgreeExtension():
            pe = t.pending_extension
            if pe is None:
                raise _refuse("extension", "no extension request is pending")
            if actor.unit_role not in LEADERS:
                raise _refuse("extension", "the unit's leader (分管领导) agrees to an extension, "
                              f"not its {actor.unit_role}")
            if pe.agreed_by is not None:
                raise _refuse("extension", f"already agreed by {pe.agreed_by}")
            return replace(t, pending_extension=replace(pe, agreed_by=actor.id)), \
                f"agreed {pe.span}"
        case DecideExtension(approve, reason):
            pe = t.pending_extension
            if pe is None:
                raise _refuse("extension", "no extension request is pending")
            if pe.agreed_by is None:
                raise _refuse("extension", "the unit's leader has not agreed to the request yet "
                              "(AgreeExtension)")
            if not approve:
                return replace(t, pending_extension=None), f"refused: {reason}"
            assert t.due_at is not None and t.due_from is not None
            step = _extended(t, pe.span, ctx)
            due = Deadline(step.at, step.provisional or COMPLETION in t.provisional)
            t2 = set_due(replace(t, pending_extension=None,
                                 extensions=(*t.extensions, pe.span)),
                         t.due_from, (*t.due_spans, pe.span), due, ctx)
            return t2, f"approved {pe.span}, due {due.at.isoformat()}; the unit tells the " \
                "citizen" + provisional_note(t2, (COMPLETION,))
        case RequestReturn(req):
            check_return_request(t, req, now, ctx)
            return replace(t, status=Status.RETURN_REQUESTED, return_request=req,
                           resume_status=t.status), \
                f"{req.reason}; suggests {req.suggested_unit}; basis: {req.policy_basis}"
        case DecideReturn(approve, reason):
            if approve:
                back = replace(t, status=Status.RETURNED, lead_unit=None, co_units=(),
                               due_at=None, due_soon_at=None, first_contact_due=None,
                               due_from=None, due_spans=(), extension_until=None,
                               return_until=None, provisional=(), resume_status=None,
                               returns=t.returns + 1)
                back = set_dispatch_due(back, now, ctx)
                return back, reason + provisional_note(back, (DISPATCH,))
            if not reason.strip():
                raise _refuse("return", "a refused return needs the reason for the unit")
            assert t.resume_status is not None
            return replace(t, status=t.resume_status, resume_status=None,
                           return_request=None), f"refused: {reason}"
        case RequestParking(form):
            _required("parking", summary=form.summary, facts=form.facts, policy=form.policy,
                      conclusion=form.conclusion, evidence=form.evidence)
            return replace(t, status=Status.PARKING_REQUESTED, resume_status=t.status,
                           parking=form, parking_signers=()), form.summary
        case SignParking():
            return _sign_parking(t, actor)
        case RecordParking(note):
            kinds = {s.split("=")[0] for s in t.parking_signers}
            if kinds != {UNIT_HEAD, SUB_UNIT_HEAD}:
                raise _refuse("parking", "a parking request is recorded once the unit's head and "
                              "the head of the unit below it have both signed (双审签)")
            return replace(t, status=Status.PARKED, resume_status=None, closed_at=now), \
                f"recorded (审核备案), signed by {', '.join(t.parking_signers)}" + \
                (f": {note}" if note else "")
        case RefuseParking(reason):
            if not reason.strip():
                raise _refuse("parking", "a refused parking request needs the reason")
            assert t.resume_status is not None
            return replace(t, status=t.resume_status, resume_status=None, parking=None,
                           parking_signers=()), reason
        case SubmitReply(reply):
            problems = reply_problems(t.kind, reply, ctx.replies)
            if problems:
                raise _refuse("reply", "; ".join(problems))
            return replace(t, status=Status.REPLIED, replies=(*t.replies, reply),
                           resume_status=t.status, replied_at=now), reply.public_points
        case AcceptReply(note):
            if t.head_signoff_required and not t.head_signed_by:
                raise _refuse("head_signoff", "supervised and 5+-repeat tickets close only "
                              "after the unit's head signs off (SignOffHead)")
            sampled = callback_sampled(t, p.callback_sample)
            return replace(t, status=Status.CLOSED, resume_status=None, closed_at=now,
                           callback_sampled=sampled, callback_outcome=None), \
                ("closed; sampled for a callback" if sampled else "closed") + \
                (f": {note}" if note else "")
        case RejectReply(reason):
            if not reason.strip():
                raise _refuse("reply", "a reply sent back to the unit needs the reason")
            assert t.resume_status is not None
            resume = Status.IN_PROGRESS if t.resume_status is Status.CONTACTED \
                else t.resume_status
            return replace(t, status=resume, resume_status=None), f"sent back: {reason}"
        case RecordCallback(cb):
            return _callback(t, cb, now, ctx)
        case SendToRevisit(reason):
            if not reason.strip():
                raise _refuse("revisit", "say why the ticket is reviewed again")
            t2 = to_revisit(t, now, ctx)
            return t2, reason + provisional_note(t2, (COMPLETION,))
        case Supervise(reason):
            return supervise(t, reason), reason
        case AddNote(note):
            _required("note", note=note)
            return t, note[:2000]
        case Chase(note):
            chased = replace(t, chases=t.chases + 1)
            if chased.chases >= CHASES_BEFORE_SUPERVISION and not t.supervised:
                return supervise(chased, f"chased {chased.chases} times"), note
            return chased, note
        case SignOffHead():
            if actor.unit_role != "head":
                raise _refuse("head_signoff", "the unit's head (主要负责人) signs off, not its "
                              f"{actor.unit_role}")
            return replace(t, head_signed_by=actor.id), f"signed off by {actor.id}"
        case Archive():
            return replace(t, status=Status.ARCHIVED), ""
        case Absorb(other, reason, reasons, revisits):
            if other == t.id:
                raise _refuse("merge", "a ticket cannot be merged into itself")
            t2 = replace(t, revisits=max(t.revisits, revisits))
            for r in reasons:
                t2 = supervise(t2, r)
            return t2, f"absorbed #{other}: {reason}"
        case MergeInto(other, reason):
            if other == t.id:
                raise _refuse("merge", "a ticket cannot be merged into itself")
            return replace(t, status=Status.MERGED, merged_into=other, dispatch_due=None), \
                reason
    raise AssertionError(f"unhandled command {cmd!r}")  # pragma: no cover


def _sign_parking(t: Ticket, actor: Actor) -> tuple[Ticket, str]:
    if actor.role != "unit" or actor.unit_role != "head":
        raise _refuse("parking", "parking is signed by unit heads (主要负责人), not by a "
                      f"{actor.role} {actor.unit_role if actor.role == 'unit' else ''}".rstrip())
    if actor.unit == t.lead_unit:
        kind = UNIT_HEAD
    elif actor.parent_unit is not None and actor.parent_unit == t.lead_unit:
        kind = SUB_UNIT_HEAD
    else:
        raise _refuse("parking", "signed by the lead unit's head and the head of a unit below "
                      "it, not by another unit")
    if any(s.split("=", 1)[1] == actor.id for s in t.parking_signers):
        raise _refuse("parking", f"{actor.id} has already signed; two different people sign")
    if any(s.split("=", 1)[0] == kind for s in t.parking_signers):
        raise _refuse("parking", f"the {kind.replace('_', ' ')} has already signed")
    signers = (*t.parking_signers, f"{kind}={actor.id}")
    return replace(t, parking_signers=signers), f"signed as {kind.replace('_', ' ')}"


def _callback(t: Ticket, cb: Callback, now: datetime, ctx: RulesContext
              ) -> tuple[Ticket, str]:
    problems = callback_problems(cb)
    if problems:
        raise _refuse("callback", "; ".join(problems))
    t2 = replace(t, callbacks=(*t.callbacks, cb))
    if not cb.reached:
        attempts = unanswered_attempts(t2)
        if attempts >= ctx.profile.callback_attempts:
            return replace(t2, status=Status.CALLED_BACK, callback_outcome="unreachable"), \
                f"not reached after {attempts} attempts: recorded unreachable"
        return t2, f"not reached (attempt {attempts} of {ctx.profile.callback_attempts})"
    if cb.reopens:
        # Dissatisfied, or neither solved nor explained: back to the unit for review (回访复核).
        t3 = to_revisit(t2, now, ctx)
        return t3, "dissatisfied or not solved: revisit" + provisional_note(t3, (COMPLETION,))
    return replace(t2, status=Status.CALLED_BACK, callback_outcome="satisfied"), \
        "satisfied" + ("" if cb.solved else " (explained and understood)")


def unanswered_attempts(t: Ticket) -> int:
    """Callbacks not answered since the last one that reached the citizen."""
    n = 0
    for cb in reversed(t.callbacks):
        if cb.reached:
            break
        n += 1
    return n


def callback_sampled(t: Ticket, share: float) -> bool:
    """抽查回访 (001 §十一): a fixed share of closed tickets, chosen by id so that the choice
    is the same in every process; repeat and revisit tickets always (§十二)."""
    if t.revisits or t.repeats > 1 or t.supervised or t.id is None:
        return True
    return (t.id * 2654435761) % 2**32 < share * 2**32


def supervise(t: Ticket, reason: str) -> Ticket:
    if reason in t.supervision_reasons:
        return t
    return replace(t, supervised=True, head_signoff_required=True,
                   supervision_reasons=(*t.supervision_reasons, reason))


def _extended(t: Ticket, span: Span, ctx: RulesContext) -> Deadline:
    """The due time after one more extension, refused past the profile's extension_limit
    (extensions do not stack: zhengzhou-housing-hotline-2009, 15 working days in all)."""
    assert t.due_at is not None and t.due_from is not None
    step = ctx.deadline(span, t.due_at)
    first = ctx.chain(t.due_from, t.due_spans[:1]).at if t.due_spans else t.due_at
    limit = ctx.after(ctx.profile.extension_limit, first)
    if step.at > limit:
        raise _refuse("extension", f"extensions end no later than {limit.isoformat()} "
                      f"({ctx.profile.extension_limit} after the first due time)")
    return step


# -- rules that need the clock --------------------------------------------------------------
def check_extension_request(t: Ticket, span: Span, reason: str, now: datetime,
                            ctx: RulesContext) -> None:
    """Extension only within the profile's window after dispatch (Shanghai: by working day 9),
    only for one of its spans (15/30/60/90 days) and within its limit."""
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
    _extended(t, span, ctx)


def check_return_request(t: Ticket, req: ReturnRequest, now: datetime,
                         ctx: RulesContext) -> None:
    """Return only within 1 working day of dispatch, after a logged first contact, stating
    when, where and who, the reasons, the right unit and the policy basis; never for
    supervised or revisit tickets; a designated one only on a written request (001 §七)."""
    if t.supervised or t.revisits:
        which = "supervised" if t.supervised else "revisit"
        raise _refuse("return", f"a {which} ticket cannot be returned")
    if t.designated and not req.written_request.strip():
        raise _refuse("return", "a designated ticket is returned only on an exceptional "
                      "written request (书面申请, written_request)")
    if t.first_contact_at is None:
        raise _refuse("return", "log the first contact with the citizen (LogContact) before "
                      "returning the ticket")
    _required("return", reason=req.reason, event_time=req.event_time, place=req.place,
              people=req.people, suggested_unit=req.suggested_unit,
              policy_basis=req.policy_basis)
    if req.suggested_unit == t.lead_unit:
        raise _refuse("return", "the suggested unit is the one returning the ticket")
    assert t.dispatched_at is not None
    window = t.return_until or ctx.after(ctx.profile.return_within, t.dispatched_at)
    if now > window:
        raise _refuse("return", f"returns close {window.isoformat()} "
                      f"({ctx.profile.return_within} after dispatch)")
