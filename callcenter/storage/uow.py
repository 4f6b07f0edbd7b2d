"""Unit of work: the only place that commits."""

from __future__ import annotations

from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

_FACTORIES: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        # One factory per engine: making a sessionmaker costs more than a small transaction.
        factory = _FACTORIES.get(engine)
        if factory is None:
            factory = _FACTORIES[engine] = sessionmaker(engine, expire_on_commit=False)
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
