"""What the services are given: units of work that expose the repositories.

The services name no engine, session or SQL (an import contract holds it): every use case
opens a unit of work, reads and writes through its repositories, and the unit commits when
the block ends. A unique key broken meanwhile surfaces as domain.conflicts.AlreadyStored.
The repositories are storage's classes; the services name them only for their types.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from callcenter.storage.access_audit_repo import AccessAuditRepo
    from callcenter.storage.agents_repo import AgentsRepo
    from callcenter.storage.call_hours_repo import CallHoursRepo
    from callcenter.storage.callbacks_repo import CallbacksRepo
    from callcenter.storage.calls_repo import CallsRepo
    from callcenter.storage.desk_requests_repo import DeskRequestsRepo
    from callcenter.storage.duty_repo import DutyRepo
    from callcenter.storage.emerging_repo import EmergingRepo
    from callcenter.storage.figures_repo import FiguresRepo
    from callcenter.storage.jobs_repo import JobsRepo
    from callcenter.storage.kb_repo import KbRepo
    from callcenter.storage.line_state_repo import LineStateRepo
    from callcenter.storage.live_repo import LiveRepo
    from callcenter.storage.notices import NoticesRepo
    from callcenter.storage.people_repo import PeopleRepo
    from callcenter.storage.reports_repo import ReportsRepo
    from callcenter.storage.tickets_repo import TicketsRepo
    from callcenter.storage.topics_repo import TopicsRepo
    from callcenter.storage.transcripts_repo import TranscriptsRepo
    from callcenter.storage.units_repo import UnitsRepo

class UnitOfWork(Protocol):
    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]: ...

    @property
    def access_audit(self) -> AccessAuditRepo: ...
    @property
    def agents(self) -> AgentsRepo: ...
    @property
    def call_hours(self) -> CallHoursRepo: ...
    @property
    def callbacks(self) -> CallbacksRepo: ...
    @property
    def calls(self) -> CallsRepo: ...
    @property
    def desk_requests(self) -> DeskRequestsRepo: ...
    @property
    def duty(self) -> DutyRepo: ...
    @property
    def emerging(self) -> EmergingRepo: ...
    @property
    def figures(self) -> FiguresRepo: ...
    @property
    def jobs(self) -> JobsRepo: ...
    @property
    def kb(self) -> KbRepo: ...
    @property
    def line_state(self) -> LineStateRepo: ...
    @property
    def live(self) -> LiveRepo: ...
    @property
    def notices(self) -> NoticesRepo: ...
    @property
    def people(self) -> PeopleRepo: ...
    @property
    def reports(self) -> ReportsRepo: ...
    @property
    def tickets(self) -> TicketsRepo: ...
    @property
    def topics(self) -> TopicsRepo: ...
    @property
    def transcripts(self) -> TranscriptsRepo: ...
    @property
    def units(self) -> UnitsRepo: ...


class UnitsOfWork(Protocol):
    """Opens one unit of work; `read_only` ones never wait for a writer (SQLite)."""

    def __call__(self, read_only: bool = False) -> UnitOfWork: ...


__all__ = ["UnitOfWork", "UnitsOfWork"]
