"""Use case: what the night line leaves behind. A message becomes a ticket of the channel
"after-hours message" (夜间留言) with the call, and so its recording, attached; an emergency
becomes a notice to the hotline office naming who was called (the leader on duty at night,
the duty officer by day).

Both are done by the controller, as the system (`system-after-hours`), once per call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from callcenter.domain.duty import Person
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.registration import Channel, Registration, valid_phone
from callcenter.domain.replies import Kind
from callcenter.services.ports import UnitsOfWork
from callcenter.services.tickets import TicketService

SYSTEM = Viewer(Role.AGENT, "system-after-hours")


def message_form(caller: str) -> Registration:
    """A ticket for a night message: what was said is in the recording and its transcript;
    the hotline completes the form when it calls back."""
    known = valid_phone(caller)
    return Registration(kind=Kind.OTHER, urgency=Urgency.GENERAL, channel=Channel.AFTER_HOURS,
                        category="待分类", matter="夜间留言：内容见通话录音及转写",
                        demand="回电核实诉求", address="待核实",
                        reporter_phone=caller if known else "", anonymous=not known)


class NightLine:
    def __init__(self, uow: UnitsOfWork, tickets: Callable[[], TicketService], tz: ZoneInfo,
                 clock: Callable[[], datetime],
                 alert_whom: Callable[[], Person | None]) -> None:
        self.uow = uow
        self.tickets = tickets
        self.tz = tz
        self.clock = clock
        self.alert_whom = alert_whom  # at night the leader on duty, by day the duty officer

    def register_message(self, linkedid: str) -> int | None:
        """The message's ticket (made once); None while the call is not stored yet."""
        with self.uow(read_only=True) as uow:
            call = uow.calls.by_linkedid(linkedid)
            if call is None:
                return None
            known = uow.tickets.of_call(linkedid)
            caller = call.caller_number
        if known:
            return known[0]
        return self.tickets().register(message_form(caller), SYSTEM, linkedid)

    def note_emergency(self, linkedid: str, whom: Person | None) -> None:
        now = self.clock()
        who = f"已呼叫 {whom.name}" if whom else "无人值班，请立即安排"
        with self.uow() as uow:
            uow.notices.send_to_office(f"emergency:{linkedid}"[:32],
                               now.astimezone(self.tz).date().isoformat(), now,
                               f"紧急求助（通话 {linkedid}）：{who}。")
