"""Unit of work: the only place that commits, and the repositories of one transaction.

`UnitsOfWork(engine)` is what the services are given (services/ports.py says what they may
use of it); each call opens one unit: `with units() as uow: uow.tickets.get(...)`. A unique
key broken by a write (two processes storing the same thing at once) leaves the unit as
`AlreadyStored`, never as the driver's IntegrityError.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.conflicts import AlreadyStored
from callcenter.storage.engine import READ_ONLY

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

_FACTORIES: WeakKeyDictionary[Engine, dict[bool, sessionmaker[Session]]] = WeakKeyDictionary()


class UnitOfWork:
    def __init__(self, engine: Engine, read_only: bool = False) -> None:
        """read_only: the work only reads (on SQLite it then never waits for a writer)."""
        # One factory per engine: making a sessionmaker costs more than a small transaction.
        factories = _FACTORIES.setdefault(engine, {})
        factory = factories.get(read_only)
        if factory is None:
            bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
            factory = factories[read_only] = sessionmaker(bind, expire_on_commit=False)
        self._factory = factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                try:
                    self.session.commit()
                except IntegrityError as broken:
                    raise AlreadyStored(_which(broken)) from broken
            else:
                self.session.rollback()
                if isinstance(exc, IntegrityError):
                    raise AlreadyStored(_which(exc)) from exc
        finally:
            self.session.close()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Work that is undone alone if it fails, the rest of the unit kept."""
        with self.session.begin_nested():
            yield

    # The repositories, made on first use over this unit's session, and imported then: a
    # process that never searches text never loads the word segmenter (storage/word_index).
    @functools.cached_property
    def access_audit(self) -> AccessAuditRepo:
        from callcenter.storage.access_audit_repo import AccessAuditRepo

        return AccessAuditRepo(self.session)

    @functools.cached_property
    def agents(self) -> AgentsRepo:
        from callcenter.storage.agents_repo import AgentsRepo

        return AgentsRepo(self.session)

    @functools.cached_property
    def call_hours(self) -> CallHoursRepo:
        from callcenter.storage.call_hours_repo import CallHoursRepo

        return CallHoursRepo(self.session)

    @functools.cached_property
    def callbacks(self) -> CallbacksRepo:
        from callcenter.storage.callbacks_repo import CallbacksRepo

        return CallbacksRepo(self.session)

    @functools.cached_property
    def calls(self) -> CallsRepo:
        from callcenter.storage.calls_repo import CallsRepo

        return CallsRepo(self.session)

    @functools.cached_property
    def desk_requests(self) -> DeskRequestsRepo:
        from callcenter.storage.desk_requests_repo import DeskRequestsRepo

        return DeskRequestsRepo(self.session)

    @functools.cached_property
    def duty(self) -> DutyRepo:
        from callcenter.storage.duty_repo import DutyRepo

        return DutyRepo(self.session)

    @functools.cached_property
    def emerging(self) -> EmergingRepo:
        from callcenter.storage.emerging_repo import EmergingRepo

        return EmergingRepo(self.session)

    @functools.cached_property
    def figures(self) -> FiguresRepo:
        from callcenter.storage.figures_repo import FiguresRepo

        return FiguresRepo(self.session)

    @functools.cached_property
    def jobs(self) -> JobsRepo:
        from callcenter.storage.jobs_repo import JobsRepo

        return JobsRepo(self.session)

    @functools.cached_property
    def kb(self) -> KbRepo:
        from callcenter.storage.kb_repo import KbRepo

        return KbRepo(self.session)

    @functools.cached_property
    def line_state(self) -> LineStateRepo:
        from callcenter.storage.line_state_repo import LineStateRepo

        return LineStateRepo(self.session)

    @functools.cached_property
    def live(self) -> LiveRepo:
        from callcenter.storage.live_repo import LiveRepo

        return LiveRepo(self.session)

    @functools.cached_property
    def notices(self) -> NoticesRepo:
        from callcenter.storage.notices import NoticesRepo

        return NoticesRepo(self.session)

    @functools.cached_property
    def people(self) -> PeopleRepo:
        from callcenter.storage.people_repo import PeopleRepo

        return PeopleRepo(self.session)

    @functools.cached_property
    def reports(self) -> ReportsRepo:
        from callcenter.storage.reports_repo import ReportsRepo

        return ReportsRepo(self.session)

    @functools.cached_property
    def tickets(self) -> TicketsRepo:
        from callcenter.storage.tickets_repo import TicketsRepo

        return TicketsRepo(self.session)

    @functools.cached_property
    def topics(self) -> TopicsRepo:
        from callcenter.storage.topics_repo import TopicsRepo

        return TopicsRepo(self.session)

    @functools.cached_property
    def transcripts(self) -> TranscriptsRepo:
        from callcenter.storage.transcripts_repo import TranscriptsRepo

        return TranscriptsRepo(self.session)

    @functools.cached_property
    def units(self) -> UnitsRepo:
        from callcenter.storage.units_repo import UnitsRepo

        return UnitsRepo(self.session)


def _which(broken: IntegrityError) -> str:
    """The key that was broken, never its values (PostgreSQL's detail quotes the row: a
    phone number, a name)."""
    name = getattr(getattr(broken.orig, "diag", None), "constraint_name", None)
    if isinstance(name, str) and name:
        return f"unique key {name}"
    first = str(broken.orig).splitlines()[0] if str(broken.orig) else ""
    # SQLite names the columns ("UNIQUE constraint failed: t.a, t.b"), not their values.
    return first if first.startswith("UNIQUE constraint failed") else "a unique key"


class UnitsOfWork:
    """Opens units of work on one engine: what bootstrap hands the services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, read_only)
