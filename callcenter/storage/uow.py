"""Unit of work: the only place that commits."""

from __future__ import annotations

from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.storage.engine import READ_ONLY

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
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
