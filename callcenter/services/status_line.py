"""Use case: the phone line's ticket status lookup (menu key 5), for the controller's FastAGI.

Reads one ticket and the numbers it is known by; the rule of whose ticket it is and what is
said lives in domain/self_service.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from callcenter.domain.self_service import StatusAnswer, answer, belongs_to
from callcenter.storage.calls_repo import CallsRepo
from callcenter.storage.tickets_repo import TicketsRepo
from callcenter.storage.uow import UnitOfWork


class StatusLine:
    def __init__(self, engine: Engine, tz: ZoneInfo) -> None:
        self.engine = engine
        self.tz = tz

    def lookup(self, ticket_id: int, caller: str) -> StatusAnswer | None:
        """What to tell this caller about this ticket; None if it is not theirs (or none)."""
        with UnitOfWork(self.engine, read_only=True) as uow:
            stored = TicketsRepo(uow.session).get(ticket_id)
            if stored is None:
                return None
            numbers = [stored.form.reporter_phone,
                       *CallsRepo(uow.session).callers_of(list(stored.calls))]
        if not belongs_to(caller, numbers):
            return None
        t = stored.ticket
        return answer(t.status, t.due_at.astimezone(self.tz).date() if t.due_at else None)
