"""Working days of the Chinese calendar: weekends and public holidays off, adjusted working
days (调休) on.

The years the `chinesecalendar` package knows come from it; later years (the State Council
publishes each December) and corrections come from an overrides table that a hotline edits
in config/workdays.toml. A date in a year neither knows is an error: a deadline is never
computed on a guess.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
from chinese_calendar import constants as cc_data


class UnknownYearError(LookupError):
    def __init__(self, year: int) -> None:
        super().__init__(
            f"the working-day calendar does not know {year}: add [years.{year}] with its "
            f"holidays and adjusted working days to config/workdays.toml")
        self.year = year


class CalendarFileError(ValueError):
    pass


@lru_cache(maxsize=16384)
def _package_is_workday(day: date) -> bool:
    # The package scans its tables on every call; a deadline walks up to ~100 days.
    return bool(chinese_calendar.is_workday(day))


def _package_years() -> frozenset[int]:
    return frozenset(d.year for d in cc_data.holidays)


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # adjusted working days (weekends worked)


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[int, YearOverride] = field(default_factory=dict)
    package_years: frozenset[int] = field(default_factory=_package_years)

    def knows(self, year: int) -> bool:
        return year in self.overrides or year in self.package_years

    def is_workday(self, day: date) -> bool:
        o = self.overrides.get(day.year)
        if o is not None:
            if day in o.workdays:
                return True
            if day in o.holidays:
                return False
            if day.year not in self.package_years:
                return day.weekday() < 5
        if day.year not in self.package_years:
            raise UnknownYearError(day.year)
        return _package_is_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts; n >= 1)."""
        if n < 1:
            raise ValueError(f"working days to add must be >= 1, got {n}")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """How many working days lie after `start` up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


def _dates(values: Any, where: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise CalendarFileError(f"{where}: expected a list of dates")
    out = set()
    for v in values:
        if isinstance(v, date):
            out.add(v)
            continue
        try:
            out.add(date.fromisoformat(str(v)))
        except ValueError as exc:
            raise CalendarFileError(f"{where}: {v!r} is not a YYYY-MM-DD date") from exc
    return frozenset(out)


def load_calendar(path: Path | None) -> WorkCalendar:
    """The package's years plus those of the overrides file (if any)."""
    if path is None or not path.exists():
        return WorkCalendar()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(f"{path}: {exc}") from exc
    years: dict[int, YearOverride] = {}
    for key, table in data.get("years", {}).items():
        if not (isinstance(key, str) and key.isdigit() and isinstance(table, dict)):
            raise CalendarFileError(f"{path}: [years.{key}] must be a year with a table")
        year = int(key)
        hol = _dates(table.get("holidays", []), f"{path} [years.{key}] holidays")
        work = _dates(table.get("workdays", []), f"{path} [years.{key}] workdays")
        stray = sorted(d for d in hol | work if d.year != year)
        if stray:
            raise CalendarFileError(f"{path}: [years.{key}] lists {stray[0]} of another year")
        if hol & work:
            raise CalendarFileError(
                f"{path}: [years.{key}] {min(hol & work)} is both holiday and working day")
        years[year] = YearOverride(hol, work)
    return WorkCalendar(years)
