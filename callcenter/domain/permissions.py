"""Which role may give which command to a ticket.

The hotline's agents register, answer directly, dispatch and call back; the hotline office
(supervisors) decides on requests, supervises, chases, sends to revisit, closes and archives;
a unit acts only on tickets it leads (co-units read, the lead unit answers for the work), and
its head signs off supervised tickets.
"""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import (
    Absorb,
    AnswerDirectly,
    Archive,
    Chase,
    Close,
    Command,
    DecideExtension,
    DecideReturn,
    Dispatch,
    LogContact,
    MergeInto,
    RecordCallback,
    RefuseParking,
    RequestExtension,
    RequestParking,
    RequestReturn,
    SendToRevisit,
    SignOffHead,
    SignParking,
    StartWork,
    SubmitReply,
    Supervise,
    Ticket,
)

HOTLINE = frozenset({Role.AGENT, Role.SUPERVISOR})
OFFICE = frozenset({Role.SUPERVISOR})
LEAD_UNIT = frozenset({Role.UNIT})

WHO: dict[type, frozenset[Role]] = {
    AnswerDirectly: HOTLINE, Dispatch: HOTLINE, RecordCallback: HOTLINE,
    MergeInto: HOTLINE, Absorb: HOTLINE,
    LogContact: LEAD_UNIT, StartWork: LEAD_UNIT, RequestExtension: LEAD_UNIT,
    RequestReturn: LEAD_UNIT, RequestParking: LEAD_UNIT, SubmitReply: LEAD_UNIT,
    SignOffHead: LEAD_UNIT,
    DecideExtension: OFFICE, DecideReturn: OFFICE, SignParking: OFFICE, RefuseParking: OFFICE,
    Supervise: OFFICE, Chase: OFFICE, SendToRevisit: OFFICE, Close: OFFICE, Archive: OFFICE,
}


def may_command(viewer: Viewer, cmd: Command, t: Ticket) -> str | None:
    """None if allowed, else why not."""
    roles = WHO[type(cmd)]
    if viewer.role not in roles:
        return f"{type(cmd).__name__} is for {', '.join(sorted(r.value for r in roles))}"
    if viewer.role is Role.UNIT and viewer.unit != t.lead_unit:
        return f"{type(cmd).__name__} is for the lead unit of the ticket"
    return None
