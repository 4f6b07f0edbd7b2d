"""Use case: the screen pop (来电弹屏) — what the desk sees the moment a call connects.

The call at the seat is the one stored under way with it (the call service's checkpoint at
answer). The pop carries the call's id, the caller's number masked, the menu choice, the
caller's earlier calls and open tickets (with this year's repeat count), and a registration
form pre-filled and linked to the call. The form holds the number unmasked: registering is
what the agent needs it for, and the ticket shows it to the hotline anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypedDict

from callcenter.contract.dialplan import IVR_CHOICES
from callcenter.domain.access import desk as access
from callcenter.domain.privacy import Viewer, mask_number
from callcenter.domain.registration import Channel, valid_phone
from callcenter.domain.replies import Kind
from callcenter.domain.tickets import RulesContext
from callcenter.services.agents import check_own_seat
from callcenter.services.errors import NotFound, require
from callcenter.services.ports import UnitsOfWork
from callcenter.services.rules import Rules, as_source
from callcenter.services.ticket_views import TicketSummary, summary_view

# What the caller chose in the menu, as the kind of ticket the form starts with.
KIND_OF_CHOICE = {"1": Kind.CONSULTATION, "2": Kind.COMPLAINT, "3": Kind.HELP_REPAIR,
                  "4": Kind.SUGGESTION}
EARLIER = 10



class EarlierCall(TypedDict):
    call: str
    started_at: str
    disposition: str
    seat: str | None


class OpenTicket(TicketSummary):
    repeats: int  # this year's calls about it


class PrefilledForm(TypedDict):
    """The registration form as far as the call fills it, linked to the call."""

    channel: str
    reporter_phone: str
    anonymous: bool
    kind: str | None
    call: str


class ScreenPopView(TypedDict):
    """What the agent sees when a call connects: who (masked), from which menu choice,
    their earlier calls and open tickets, and the form pre-filled."""

    call: str
    seat: str
    answered_at: str | None
    number: str
    ivr_choice: str | None
    ivr_meaning: str | None
    wait_s: float | None
    earlier_calls: list[EarlierCall]
    open_tickets: list[OpenTicket]
    form: PrefilledForm

class ScreenPop:
    def __init__(self, uow: UnitsOfWork, rules: Rules, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.rules: Callable[[], RulesContext] = as_source(rules)
        self.seats = tuple(seats)
        self.clock = clock

    def pop(self, seat: str, viewer: Viewer) -> ScreenPopView:
        if seat not in self.seats:
            raise NotFound(f"no seat {seat}")
        require(access.screen_pop(viewer))
        now, ctx = self.clock(), self.rules()
        with self.uow(read_only=True) as uow:
            check_own_seat(uow.agents, seat, viewer)
            calls = uow.calls
            call = calls.live_at_seat(seat)
            if call is None:
                raise NotFound(f"no call at seat {seat} now")
            number = call.caller_number
            known = valid_phone(number)
            earlier = calls.from_number(number, call.started_at, EARLIER) if known else []
            tickets = uow.tickets.of_number(number, 20) if known else []
        choice = call.ivr_choice or ""
        return ScreenPopView(
            call=call.linkedid, seat=seat,
            answered_at=call.answered_at.isoformat() if call.answered_at else None,
            number=mask_number(number) if known else "",
            ivr_choice=choice or None, ivr_meaning=IVR_CHOICES.get(choice),
            wait_s=call.wait_s,
            earlier_calls=[EarlierCall(call=c.linkedid, started_at=c.started_at.isoformat(),
                                       disposition=c.disposition, seat=c.seat)
                           for c in earlier],
            open_tickets=[OpenTicket(**summary_view(st, viewer, now, ctx),
                                     repeats=st.ticket.repeats) for st in tickets],
            form=PrefilledForm(channel=Channel.PHONE.value,
                               reporter_phone=number if known else "", anonymous=not known,
                               kind=KIND_OF_CHOICE[choice].value if choice in KIND_OF_CHOICE
                               else None, call=call.linkedid))
