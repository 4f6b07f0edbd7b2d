"""Which role may give which command to a ticket.

The hotline's agents register, answer directly, dispatch (or propose, where a supervisor
dispatches) and call back; the hotline office (supervisors) decides on requests, accepts or
sends back replies, supervises, chases, sends to revisit and archives; a unit acts only on
tickets it leads (co-units read, the lead unit answers for the work). Within the unit the
person's role counts (domain/transitions.py names the rule): its leader agrees to extension
requests, its head signs parking and signs off supervised tickets; the head of a unit below
the lead unit gives parking its second signature.
"""

from __future__ import annotations

from callcenter.domain.privacy import Role, UnitRole, Viewer
from callcenter.domain.tickets import (
    ALLOWED,
    Absorb,
    AcceptReply,
    AddNote,
    AgreeExtension,
    AnswerDirectly,
    ApproveDispatch,
    Archive,
    Chase,
    Command,
    DecideExtension,
    DecideReturn,
    Dispatch,
    LogContact,
    MergeInto,
    ProposeDispatch,
    RecordCallback,
    RecordParking,
    RefuseParking,
    RejectReply,
    RequestExtension,
    RequestParking,
    RequestReturn,
    SendToRevisit,
    SignOffHead,
    SignParking,
    StartWork,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
)

HOTLINE = frozenset({Role.AGENT, Role.SUPERVISOR})
AGENTS = frozenset({Role.AGENT})
OFFICE = frozenset({Role.SUPERVISOR})
LEAD_UNIT = frozenset({Role.UNIT})

WHO: dict[type, frozenset[Role]] = {
    AnswerDirectly: HOTLINE, Dispatch: HOTLINE, ProposeDispatch: AGENTS,
    RecordCallback: HOTLINE, MergeInto: HOTLINE, Absorb: HOTLINE,
    LogContact: LEAD_UNIT, StartWork: LEAD_UNIT, RequestExtension: LEAD_UNIT,
    AgreeExtension: LEAD_UNIT, RequestReturn: LEAD_UNIT, RequestParking: LEAD_UNIT,
    SubmitReply: LEAD_UNIT, SignOffHead: LEAD_UNIT, SignParking: LEAD_UNIT,
    ApproveDispatch: OFFICE, DecideExtension: OFFICE, DecideReturn: OFFICE,
    RecordParking: OFFICE, RefuseParking: OFFICE, AcceptReply: OFFICE, RejectReply: OFFICE,
    Supervise: OFFICE, Chase: OFFICE, SendToRevisit: OFFICE, Archive: OFFICE,
    AddNote: LEAD_UNIT,
}


def may_command(viewer: Viewer, cmd: Command, t: Ticket,
                parent_unit: str | None = None) -> str | None:
    """None if allowed, else why not. `parent_unit` is the viewer's unit's parent in the
    units directory (the unit below the lead unit signs parking too)."""
    roles = WHO[type(cmd)]
    if viewer.role not in roles:
        return f"{type(cmd).__name__} is for {', '.join(sorted(r.value for r in roles))}"
    if viewer.role is Role.UNIT and viewer.unit != t.lead_unit and not (
            isinstance(cmd, SignParking) and parent_unit is not None
            and parent_unit == t.lead_unit) and not (
            isinstance(cmd, AddNote) and viewer.unit in t.co_units):
        return f"{type(cmd).__name__} is for the lead unit of the ticket"
    return None


# Merging changes two tickets at once: its own use case (TicketService.merge), never a form
# on one ticket.
MERGING = (MergeInto, Absorb)

# Within the unit, who gives these (domain/transitions.py refuses anyone else).
BY_UNIT_ROLE: dict[type, frozenset[UnitRole]] = {
    AgreeExtension: frozenset({UnitRole.LEADER, UnitRole.HEAD}),
    SignParking: frozenset({UnitRole.HEAD}),
    SignOffHead: frozenset({UnitRole.HEAD}),
}


def offered(viewer: Viewer, status: Status, lead_unit: str | None,
            co_units: tuple[str, ...] = ()) -> list[type]:
    """The commands to offer this person on a ticket in this status (a form's buttons): the
    same tables the commands are checked against, so a page never offers what the service
    would refuse by role or status (the ticket's own state may still refuse it)."""
    out = []
    for cmd, roles in WHO.items():
        if cmd in MERGING or viewer.role not in roles or status not in ALLOWED[cmd]:
            continue
        theirs = viewer.unit == lead_unit or (cmd is AddNote and viewer.unit in co_units)
        if viewer.role is Role.UNIT and (not theirs or (
                cmd in BY_UNIT_ROLE and viewer.unit_role not in BY_UNIT_ROLE[cmd])):
            continue
        out.append(cmd)
    return out
