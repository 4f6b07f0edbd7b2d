"""An in-memory unit of work for the services' own tests: plain classes that keep what the
repositories would store, committed when the unit ends without an error and dropped when it
ends with one, like the real one. The repositories' SQL is tested on SQLite and PostgreSQL
elsewhere (test_agents' SQL mirror, test_duty's store); these test the use cases' rules.

Only the repositories a service under test uses are here; any other is an AttributeError,
so a service that starts using one shows up at once."""

from __future__ import annotations

import copy
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from callcenter.domain.agents import AgentState, AgentStatus
from callcenter.domain.duty import Mode
from callcenter.domain.units import Coverage, Unit


class FakeAgents:
    def __init__(self) -> None:
        self.rows: list[tuple[AgentStatus, str]] = []  # in the order stored: id = index + 1

    def add(self, status: AgentStatus, actor: str) -> None:
        self.rows.append((status, actor))

    def current(self) -> dict[str, AgentStatus]:
        return {status.seat: status for status, _ in self.rows}

    def generation(self) -> int:
        return len(self.rows)

    def agent_at(self, seat: str, at: datetime) -> str:
        before = [s for s, _ in self.rows if s.seat == seat and s.since <= at]
        last = before[-1] if before else None
        return "" if last is None or last.state is AgentState.LOGGED_OUT else last.agent

    def history(self, seat: str, limit: int) -> list[tuple[AgentStatus, str]]:
        return [row for row in reversed(self.rows) if row[0].seat == seat][:limit]


class FakeDuty:
    def __init__(self) -> None:
        self.forced: tuple[Mode, str, datetime | None] = (Mode.AUTO, "", None)

    def force(self, mode: Mode, actor: str, at: datetime) -> None:
        self.forced = (mode, actor, at)

    def current(self) -> tuple[Mode, str, datetime | None]:
        return self.forced


class FakeUnits:
    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.covered: list[Coverage] = []

    def replace(self, units: list[Unit], coverages: list[Coverage]) -> None:
        self.units = {u.code: u for u in units}
        self.covered = list(coverages)

    def all(self) -> list[Unit]:
        return [self.units[code] for code in sorted(self.units)]

    def get(self, code: str) -> Unit | None:
        return self.units.get(code)

    def missing(self, codes: list[str]) -> list[str]:
        return [c for c in codes if c not in self.units]

    def parent_of(self, code: str) -> str | None:
        unit = self.units.get(code)
        return None if unit is None else unit.parent

    def coverages(self) -> list[Coverage]:
        return list(self.covered)


class FakeStore:
    """What is committed: the repositories' state between units of work."""

    def __init__(self) -> None:
        self.agents = FakeAgents()
        self.duty = FakeDuty()
        self.units = FakeUnits()
        self.units_opened = 0


class FakeUnitOfWork:
    def __init__(self, store: FakeStore, read_only: bool) -> None:
        self.store = store
        self.read_only = read_only

    def __enter__(self) -> FakeUnitOfWork:
        self.store.units_opened += 1
        # Work on copies; the store takes them back only on commit.
        self.agents = copy.deepcopy(self.store.agents)
        self.duty = copy.deepcopy(self.store.duty)
        self.units = copy.deepcopy(self.store.units)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None and not self.read_only:
            self.store.agents, self.store.duty = self.agents, self.duty
            self.store.units = self.units

    @contextmanager
    def savepoint(self) -> Any:
        yield


class FakeUnitsOfWork:
    def __init__(self) -> None:
        self.store = FakeStore()

    def __call__(self, read_only: bool = False) -> Any:
        # Any: a fake unit has only the repositories the tests use (the port has them all).
        return FakeUnitOfWork(self.store, read_only)
