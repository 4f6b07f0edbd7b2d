"""Use case: day or night on the line, who is on duty, and a supervisor forcing either.

The plan (schedule and roster) is config/duty.toml, read again when it changes; a file that
no longer parses is logged and the plan in force kept. The forced mode is stored, with who
forced it. The routing asks `decision()` for every call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo

from callcenter.domain.access import duty as access
from callcenter.domain.duty import (
    Calendar,
    Decision,
    DutyFileError,
    DutyPlan,
    Mode,
    Person,
    decide,
    parse_plan,
)
from callcenter.domain.privacy import Viewer
from callcenter.services.errors import ValidationFailed, require
from callcenter.services.ports import UnitsOfWork
from callcenter.services.watched_file import FollowedFile

log = logging.getLogger(__name__)


def _plan_of(path: Path) -> Callable[[str | None], DutyPlan]:
    def parse(text: str | None) -> DutyPlan:
        if text is None:
            raise DutyFileError(f"{path}: no duty plan (copy config/duty.toml)")
        return parse_plan(text, str(path))
    return parse


def duty_file(path: Path, check_every: float = 1.0) -> FollowedFile[DutyPlan]:
    """The duty plan, from its file, followed while the process runs."""
    return FollowedFile(path, _plan_of(path), "duty plan", (DutyFileError,), check_every)


class PersonView(TypedDict):
    name: str
    phone: str


class TodayView(TypedDict):
    hours: list[str]  # staffed hours, HH:MM-HH:MM
    kind: str  # which day it is for the schedule (a weekday, holiday, adjusted workday)


class DutyView(TypedDict):
    """Day or night on the line now, why, and who is on duty."""

    now: str  # ISO time in the hotline's zone
    mode: str  # auto, day or night (forced)
    forced_by: str | None
    forced_at: str | None
    line: str  # day | night
    why: str
    today: TodayView
    shift: str  # the date the duty shift began
    duty: PersonView | None
    leader: PersonView | None


def _person(p: Person | None) -> PersonView | None:
    return None if p is None else PersonView(name=p.name, phone=p.phone)


class DutyDesk:
    def __init__(self, uow: UnitsOfWork, plan: Callable[[], DutyPlan],
                 calendar: Callable[[], Calendar], tz: ZoneInfo,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.plan = plan
        self.calendar = calendar
        self.tz = tz
        self.clock = clock

    def decision(self) -> Decision:
        with self.uow(read_only=True) as uow:
            mode, _, _ = uow.duty.current()
        return decide(self.plan(), mode, self.clock().astimezone(self.tz), self.calendar())

    def show(self, viewer: Viewer) -> DutyView:
        require(access.show(viewer))
        with self.uow(read_only=True) as uow:
            mode, actor, at = uow.duty.current()
        now = self.clock().astimezone(self.tz)
        plan = self.plan()
        d = decide(plan, mode, now, self.calendar())
        hours, why = plan.schedule.hours(now.date(), self.calendar())
        return DutyView(now=now.isoformat(), mode=mode.value, forced_by=actor or None,
                        forced_at=at.isoformat() if at else None,
                        line="night" if d.night else "day", why=d.why,
                        today=TodayView(hours=[f"{a:%H:%M}-{b:%H:%M}" for a, b in hours],
                                        kind=why),
                        shift=plan.roster.shift_of(now).isoformat(),
                        duty=_person(d.duty), leader=_person(d.leader))

    def force(self, mode: str, viewer: Viewer) -> DutyView:
        """A supervisor (班长) forces day or night, or gives the line back to the schedule."""
        require(access.force(viewer))
        if mode not in set(Mode):
            raise ValidationFailed({"mode": "day, night or auto"})
        with self.uow() as uow:
            uow.duty.force(Mode(mode), f"{viewer.role.value}:{viewer.id}",
                                        self.clock())
        return self.show(viewer)
