"""Use case: the phone line's ticket status lookup (menu key 5), for the controller's FastAGI.

Reads one ticket and the numbers it is known by; the rule of whose ticket it is and what is
said lives in domain/self_service.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from callcenter.domain.self_service import StatusAnswer, answer, belongs_to
from callcenter.services.ports import UnitsOfWork


class StatusLine:
    def __init__(self, uow: UnitsOfWork, tz: ZoneInfo) -> None:
        self.uow = uow
        self.tz = tz

    def lookup(self, ticket_id: int, caller: str) -> StatusAnswer | None:
        """What to tell this caller about this ticket; None if it is not theirs (or none)."""
        with self.uow(read_only=True) as uow:
            stored = uow.tickets.get(ticket_id)
            if stored is None:
                return None
            numbers = [stored.form.reporter_phone,
                       *uow.calls.callers_of(list(stored.calls))]
        if not belongs_to(caller, numbers):
            return None
        t = stored.ticket
        return answer(t.status, t.due_at.astimezone(self.tz).date() if t.due_at else None)
