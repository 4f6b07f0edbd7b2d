"""The work order (工单): its statuses, its state, the commands people give it and where each
command is legal. The transitions themselves are in domain/transitions.py (`apply`), the due
times in domain/ticket_deadlines.py.

The lifecycle follows shanghai-housing-12345-workorder-2022 §五-§十二: dispatched to a lead
unit, first contact, handling (extension, return, parking on the way), the unit's reply, the
hotline office accepting it (办结, closed) or sending it back; satisfaction callbacks (回访)
are made afterwards on a sample of closed tickets and never hold a ticket open; a
dissatisfied callback reopens it for review (回访复核).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from callcenter.domain.policy import Deadline, PolicyProfile, Span, Urgency
from callcenter.domain.replies import Callback, Kind, Reply, ReplyRules
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
    REPLIED = "replied"                      # 处置反馈, waiting for the office
    CLOSED = "closed"                        # 办结: the office accepted the reply
    CALLED_BACK = "called_back"              # 回访 done on a closed ticket (or unreachable)
    REVISIT = "revisit"                      # 回访复核/重新交办
    ARCHIVED = "archived"                    # 归档
    MERGED = "merged"                        # 并单 into another ticket


# Statuses in which the unit holds the ticket and its deadline runs.
WITH_UNIT = frozenset({Status.DISPATCHED, Status.CONTACTED, Status.IN_PROGRESS, Status.REVISIT,
                       Status.RETURN_REQUESTED, Status.PARKING_REQUESTED})
# Nobody owes work on these; closed ones may still be called back or reopened for review.
FINISHED = frozenset({Status.ANSWERED_DIRECTLY, Status.PARKED, Status.CLOSED,
                      Status.CALLED_BACK, Status.ARCHIVED, Status.MERGED})
# Waiting for the hotline to dispatch it (a dispatch deadline runs, 000 §二(三)).
TO_DISPATCH = frozenset({Status.REGISTERED, Status.RETURNED})


class TicketError(ValueError):
    """A command refused; `rule` names the rule (tests and the API report it)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class IllegalTransition(TicketError):
    pass


class ConcurrentUpdate(RuntimeError):
    """Someone saved the ticket since it was read: read it again and retry."""


@dataclass(frozen=True)
class Actor:
    """The authenticated person a command comes from: signatures and approvals are theirs."""

    role: str  # agent | unit | supervisor | system
    id: str    # a unit person is "unit/person"
    unit: str | None = None
    unit_role: str = "staff"           # staff | leader | head, within the unit
    parent_unit: str | None = None     # the unit's parent in the units directory


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
    replies: ReplyRules = field(default_factory=ReplyRules)

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
FIRST_CONTACT, COMPLETION, EXTENSION_WINDOW, RETURN_WINDOW, DISPATCH = (
    "first_contact", "completion", "extension_window", "return_window", "dispatch")


@dataclass(frozen=True)
class ReturnRequest:
    """退单申请 (001 §七): after a logged first contact, what was established with the citizen
    (事发时间、地点、涉及人员), the reasons, the unit that should handle it and the policy
    basis."""

    reason: str
    event_time: str       # 事发时间
    place: str            # 地点
    people: str           # 涉及人员
    suggested_unit: str
    policy_basis: str     # 相关政策依据
    written_request: str = ""  # a designated ticket: the exceptional written request (书面申请)


@dataclass(frozen=True)
class ParkingForm:
    """《存电备案单》 (001 §八3)."""

    summary: str      # 诉求概括
    facts: str        # 事实认定
    policy: str       # 法规政策适用
    conclusion: str   # 办结结论
    evidence: str     # 证据材料


@dataclass(frozen=True)
class PendingExtension:
    span: Span
    reason: str
    requested_by: str
    agreed_by: str | None = None  # the unit's leader (分管领导), before it reaches the office


@dataclass(frozen=True)
class DispatchProposal:
    lead_unit: str
    co_units: tuple[str, ...]
    designated: bool
    proposed_by: str


@dataclass(frozen=True)
class Ticket:
    kind: Kind
    urgency: Urgency
    registered_at: datetime
    status: Status = Status.REGISTERED
    id: int | None = None
    dispatch_due: datetime | None = None  # the hotline dispatches (again) by then
    proposal: DispatchProposal | None = None
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
    pending_extension: PendingExtension | None = None
    extensions: tuple[Span, ...] = ()
    return_request: ReturnRequest | None = None
    resume_status: Status | None = None  # where a refused request or rejected reply goes back
    parking: ParkingForm | None = None
    parking_signers: tuple[str, ...] = ()   # "unit_head=…", "sub_unit_head=…"
    replies: tuple[Reply, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    closed_at: datetime | None = None  # when the office last accepted a reply (办结)
    replied_at: datetime | None = None  # when the unit last submitted a reply (on time or not)
    returns: int = 0                    # approved returns (退单) of this ticket
    callback_sampled: bool = False   # chosen for the satisfaction callback when closed
    callback_outcome: str | None = None  # satisfied | reopened | unreachable
    revisits: int = 0
    revisit_started_at: datetime | None = None
    repeats: int = 1                 # calls this calendar year on this matter (the first is 1)
    supervised: bool = False
    supervision_reasons: tuple[str, ...] = ()
    chases: int = 0
    head_signoff_required: bool = False
    head_signed_by: str | None = None
    answer: str = ""
    kb_article: int | None = None
    merged_into: int | None = None
    history: tuple[AuditEntry, ...] = field(default=())


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
class ProposeDispatch:
    """Where dispatch needs a supervisor's approval (a profile option), agents propose."""

    lead_unit: str
    co_units: tuple[str, ...] = ()
    designated: bool = False


@dataclass(frozen=True)
class ApproveDispatch:
    pass


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
class AgreeExtension:
    """The unit's leader agrees to the pending request (001 §六 "经分管领导同意后提出")."""


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
    form: ParkingForm


@dataclass(frozen=True)
class SignParking:
    """Signed by the person giving the command: the unit's head, or the head of the unit
    below it (001 §八2 双审签)."""


@dataclass(frozen=True)
class RecordParking:
    """The office records a twice-signed parking request (审核备案)."""

    note: str = ""


@dataclass(frozen=True)
class RefuseParking:
    reason: str


@dataclass(frozen=True)
class SubmitReply:
    reply: Reply


@dataclass(frozen=True)
class AcceptReply:
    """办结: the hotline office accepts the unit's reply."""

    note: str = ""


@dataclass(frozen=True)
class RejectReply:
    """The office sends the reply back to the unit (不符合反馈要求而被退回, 001 §九)."""

    reason: str


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
class AddNote:
    """A co-unit's (or the lead unit's) note on the work (协办意见, 004 归口协办): kept in the
    trail for the lead unit and the office; changes nothing else."""

    note: str


@dataclass(frozen=True)
class Chase:
    note: str = ""


@dataclass(frozen=True)
class SignOffHead:
    """The lead unit's head signs off a supervised or 5+-repeat ticket (001 §十二)."""


@dataclass(frozen=True)
class Archive:
    pass


@dataclass(frozen=True)
class MergeInto:
    ticket_id: int
    reason: str


@dataclass(frozen=True)
class Absorb:
    """The surviving ticket of a merge (并单) records the one merged into it, with its calls
    (counted once, by the store), supervision, repeats and revisits."""

    ticket_id: int
    reason: str
    supervision_reasons: tuple[str, ...] = ()
    repeats: int = 0
    revisits: int = 0


Command = (Absorb | AcceptReply | AddNote | AgreeExtension | AnswerDirectly | ApproveDispatch
           | Archive | Chase | DecideExtension | DecideReturn | Dispatch | LogContact | MergeInto
           | ProposeDispatch | RecordCallback | RecordParking | RefuseParking | RejectReply
           | RequestExtension | RequestParking | RequestReturn | SendToRevisit | SignOffHead
           | SignParking | StartWork | SubmitReply | Supervise)

_UNIT_WORK = frozenset({Status.DISPATCHED, Status.CONTACTED, Status.IN_PROGRESS})
# Where each command may be given. Commands absent from a status's set are illegal there.
ALLOWED: dict[type, frozenset[Status]] = {
    AnswerDirectly: frozenset({Status.REGISTERED}),
    Dispatch: TO_DISPATCH,
    ProposeDispatch: TO_DISPATCH,
    ApproveDispatch: TO_DISPATCH,
    LogContact: frozenset({Status.DISPATCHED}),
    StartWork: frozenset({Status.CONTACTED}),
    RequestExtension: _UNIT_WORK,
    AgreeExtension: _UNIT_WORK,
    DecideExtension: _UNIT_WORK,
    RequestReturn: frozenset({Status.DISPATCHED, Status.CONTACTED}),
    DecideReturn: frozenset({Status.RETURN_REQUESTED}),
    RequestParking: frozenset({Status.CONTACTED, Status.IN_PROGRESS}),
    SignParking: frozenset({Status.PARKING_REQUESTED}),
    RecordParking: frozenset({Status.PARKING_REQUESTED}),
    RefuseParking: frozenset({Status.PARKING_REQUESTED}),
    SubmitReply: frozenset({Status.CONTACTED, Status.IN_PROGRESS, Status.REVISIT}),
    AcceptReply: frozenset({Status.REPLIED}),
    RejectReply: frozenset({Status.REPLIED}),
    RecordCallback: frozenset({Status.CLOSED}),
    SendToRevisit: frozenset({Status.REPLIED, Status.CLOSED, Status.CALLED_BACK}),
    Supervise: frozenset(WITH_UNIT | {Status.REPLIED}),
    Chase: frozenset(WITH_UNIT),
    AddNote: frozenset(WITH_UNIT | {Status.REPLIED}),
    SignOffHead: frozenset(WITH_UNIT | {Status.REPLIED}),
    Archive: frozenset({Status.ANSWERED_DIRECTLY, Status.PARKED, Status.CLOSED,
                        Status.CALLED_BACK}),
    Absorb: frozenset(set(Status) - FINISHED),
    MergeInto: frozenset({Status.REGISTERED, Status.DISPATCHED, Status.CONTACTED,
                          Status.IN_PROGRESS, Status.RETURNED}),
}

CHASES_BEFORE_SUPERVISION = 3
