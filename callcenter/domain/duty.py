"""After hours and holidays (zhengzhou-hitech-zone-hotline-2006 §20): day or night, and who
is on duty.

Pure. A schedule gives the staffed hours of each weekday, of the work-order calendar's
holidays and adjusted working days (调休), and of special days; outside them it is night and
calls roll to the duty phone. A supervisor may force day or night; "auto" follows the schedule.
A roster rotates external numbers, one person per shift (the shift changes at `changes_at`, so
a call at 02:00 belongs to the night that began the evening before); overrides name someone
else for one shift. The leader on duty (带班领导) rotates the same way and is alerted first to
an emergency at night.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from callcenter.domain.desk_calls import dialled_form

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"([0-2][0-9]):([0-5][0-9])-([0-2][0-9]):([0-5][0-9])")


class DutyFileError(ValueError):
    """The duty file is malformed; the message names the entry."""


class Mode(StrEnum):
    AUTO = "auto"    # the schedule decides
    DAY = "day"      # forced: seats answer
    NIGHT = "night"  # forced: the duty phone answers


class Calendar(Protocol):
    def is_workday(self, day: date) -> bool: ...


Hours = tuple[tuple[time, time], ...]  # staffed ranges of one day; () means night all day


def parse_hours(text: str, where: str) -> Hours:
    """"08:00-12:00,13:30-17:30" → ranges; "" → none (night all day)."""
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        m = _RANGE.fullmatch(part)
        if m is None:
            raise DutyFileError(f"{where}: {part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        if h1 > 23 or h2 > 24 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
            raise DutyFileError(f"{where}: {part!r} must run forward within one day")
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        out.append((time(h1, m1), end))
    return tuple(sorted(out))


@dataclass(frozen=True)
class Schedule:
    weekdays: tuple[Hours, ...]             # monday … sunday
    holiday: Hours = ()                     # the calendar's holidays
    adjusted_workday: Hours | None = None   # weekends worked; None: as Monday
    special: Mapping[date, Hours] = field(default_factory=dict)

    def hours(self, day: date, calendar: Calendar) -> tuple[Hours, str]:
        """The day's staffed hours and why (special, holiday, adjusted workday, weekday)."""
        if day in self.special:
            return self.special[day], "special day"
        weekday = day.weekday()
        workday = calendar.is_workday(day)
        if weekday < 5 and not workday:
            return self.holiday, "holiday"
        if weekday >= 5 and workday:
            adjusted = self.adjusted_workday if self.adjusted_workday is not None \
                else self.weekdays[0]
            return adjusted, "adjusted working day"
        return self.weekdays[weekday], WEEKDAYS[weekday]

    def is_day(self, local: datetime, calendar: Calendar) -> tuple[bool, str]:
        hours, why = self.hours(local.date(), calendar)
        now = local.time()
        return any(start <= now < end for start, end in hours), why


@dataclass(frozen=True)
class Person:
    name: str
    phone: str  # as dialled: digits, a leading + allowed


@dataclass(frozen=True)
class Roster:
    start: date                        # the first person's first shift
    changes_at: time                   # when one shift hands over to the next
    duty: tuple[Person, ...]
    leaders: tuple[Person, ...] = ()
    overrides: Mapping[tuple[date, str], Person] = field(default_factory=dict)  # (shift, role)

    def shift_of(self, local: datetime) -> date:
        """The shift a moment belongs to: its date, or the day before before the change."""
        day = local.date()
        return day - timedelta(days=1) if local.time() < self.changes_at else day

    def on_duty(self, local: datetime, role: str = "duty") -> Person | None:
        people = self.duty if role == "duty" else self.leaders
        shift = self.shift_of(local)
        if (shift, role) in self.overrides:
            return self.overrides[(shift, role)]
        if not people:
            return None
        return people[(shift - self.start).days % len(people)]


@dataclass(frozen=True)
class DutyPlan:
    schedule: Schedule
    roster: Roster


@dataclass(frozen=True)
class Decision:
    night: bool
    why: str                   # "forced night", "holiday", "monday" …
    duty: Person | None
    leader: Person | None


def decide(plan: DutyPlan, mode: Mode, local: datetime, calendar: Calendar) -> Decision:
    if mode is Mode.AUTO:
        day, why = plan.schedule.is_day(local, calendar)
        night = not day
        why = f"{why}: {'staffed' if day else 'outside staffed hours'}"
    else:
        night, why = mode is Mode.NIGHT, f"forced {mode.value}"
    return Decision(night, why, plan.roster.on_duty(local), plan.roster.on_duty(local, "leader"))


def _person(raw: Any, where: str) -> Person:
    if not isinstance(raw, dict) or not str(raw.get("name", "")).strip():
        raise DutyFileError(f"{where}: needs a name and a phone")
    phone = dialled_form(str(raw.get("phone", "")))
    if phone is None:
        raise DutyFileError(f"{where}: phone {raw.get('phone')!r} is not a phone number")
    return Person(str(raw["name"]).strip(), phone)


def _date(raw: Any, where: str) -> date:
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError as exc:
        raise DutyFileError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from exc


def parse_plan(text: str, where: str) -> DutyPlan:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DutyFileError(f"{where}: {exc}") from exc
    sched = data.get("schedule", {})
    roster = data.get("roster", {})
    if not isinstance(sched, dict) or not isinstance(roster, dict):
        raise DutyFileError(f"{where}: [schedule] and [roster] must be tables")
    known = {*WEEKDAYS, "holiday", "adjusted_workday", "special"}
    unknown = sorted(set(sched) - known)
    if unknown:
        raise DutyFileError(f"{where}: unknown schedule entry {unknown[0]!r}")
    weekdays = tuple(parse_hours(str(sched.get(d, "")), f"{where}: schedule.{d}")
                     for d in WEEKDAYS)
    special_raw = sched.get("special", {})
    if not isinstance(special_raw, dict):
        raise DutyFileError(f"{where}: schedule.special must be a table of dates")
    special = {_date(k, f"{where}: schedule.special"): parse_hours(
        str(v), f"{where}: schedule.special.{k}") for k, v in special_raw.items()}
    adjusted = sched.get("adjusted_workday")
    schedule = Schedule(weekdays, parse_hours(str(sched.get("holiday", "")),
                                              f"{where}: schedule.holiday"),
                        None if adjusted is None else parse_hours(
                            str(adjusted), f"{where}: schedule.adjusted_workday"), special)
    duty = tuple(_person(p, f"{where}: roster.duty[{i}]")
                 for i, p in enumerate(_list(roster.get("duty", []), f"{where}: roster.duty")))
    leaders = tuple(_person(p, f"{where}: roster.leader[{i}]") for i, p in
                    enumerate(_list(roster.get("leader", []), f"{where}: roster.leader")))
    if not duty:
        raise DutyFileError(f"{where}: roster.duty names nobody: night calls would go nowhere")
    overrides: dict[tuple[date, str], Person] = {}
    for i, o in enumerate(_list(roster.get("override", []), f"{where}: roster.override")):
        at = f"{where}: roster.override[{i}]"
        role = str(o.get("role", "duty")) if isinstance(o, dict) else ""
        if role not in ("duty", "leader"):
            raise DutyFileError(f"{at}: role must be duty or leader")
        overrides[(_date(o.get("shift"), at), role)] = _person(o, at)
    changes = str(roster.get("changes_at", "08:00"))
    m = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", changes)
    if m is None:
        raise DutyFileError(f"{where}: roster.changes_at {changes!r} is not HH:MM")
    return DutyPlan(schedule, Roster(_date(roster.get("start", "2026-01-01"),
                                           f"{where}: roster.start"),
                                     time(int(m[1]), int(m[2])), duty, leaders, overrides))


def _list(raw: Any, where: str) -> Sequence[Any]:
    if not isinstance(raw, list):
        raise DutyFileError(f"{where} must be a list of tables")
    return raw
