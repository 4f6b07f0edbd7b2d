"""Working days of the Chinese calendar: weekends and public holidays off, adjusted working
days (调休) on.

A year is *official* when its arrangement is published: the `chinesecalendar` package knows
it, or config/workdays.toml lists it (the State Council publishes each December; a newer
package or a `[years.N]` table brings it in). Any other year is *provisional*: weekends off
plus the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision: New Year's Day 1,
Spring Festival 4 — New Year's Eve and days 1-3, Qingming 1, Labour Day 2, Dragon Boat 1,
Mid-Autumn 1, National Day 3), with the lunar dates and the law's 补假 for a holiday falling on
a weekend computed by the `holidays` package's China calendar. Adjusted working days are
unknown until published, so a deadline resting on a provisional day is provisional, never
refused: a hotline cannot stop dispatching each winter while it waits for the notice.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar
import holidays
from chinese_calendar import constants as cc_data


class CalendarFileError(ValueError):
    pass


@lru_cache(maxsize=16384)
def _package_is_workday(day: date) -> bool:
    # The package scans its tables on every call; a deadline walks up to ~100 days.
    return bool(chinese_calendar.is_workday(day))


def _package_years() -> frozenset[int]:
    return frozenset(d.year for d in cc_data.holidays)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[date]:
    """The provisional year's days off besides weekends: the statutory holidays and the law's
    补假 on the next working day for those falling on a weekend."""
    return frozenset(holidays.country_holidays("CN", years=year, categories=(holidays.PUBLIC,)))


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # adjusted working days (weekends worked)


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[int, YearOverride] = field(default_factory=dict)
    package_years: frozenset[int] = field(default_factory=_package_years)

    def knows(self, year: int) -> bool:
        """Official: the year's arrangement is published (package or overrides file)."""
        return year in self.overrides or year in self.package_years

    def provisional(self, day: date) -> bool:
        return not self.knows(day.year)

    def official_years(self) -> list[int]:
        return sorted(set(self.overrides) | self.package_years)

    def is_workday(self, day: date) -> bool:
        o = self.overrides.get(day.year)
        if o is not None:
            if day in o.workdays:
                return True
            if day in o.holidays:
                return False
            if day.year not in self.package_years:
                return day.weekday() < 5
        if day.year in self.package_years:
            return _package_is_workday(day)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

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

    def any_provisional(self, first: date, last: date) -> bool:
        """Whether a day from `first` to `last` (inclusive) lies in a provisional year."""
        return any(not self.knows(y) for y in range(first.year, last.year + 1))


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


def parse_calendar(text: str, where: str) -> WorkCalendar:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(f"{where}: {exc}") from exc
    years: dict[int, YearOverride] = {}
    for key, table in data.get("years", {}).items():
        if not (isinstance(key, str) and key.isdigit() and isinstance(table, dict)):
            raise CalendarFileError(f"{where}: [years.{key}] must be a year with a table")
        year = int(key)
        hol = _dates(table.get("holidays", []), f"{where} [years.{key}] holidays")
        work = _dates(table.get("workdays", []), f"{where} [years.{key}] workdays")
        stray = sorted(d for d in hol | work if d.year != year)
        if stray:
            raise CalendarFileError(f"{where}: [years.{key}] lists {stray[0]} of another year")
        if hol & work:
            raise CalendarFileError(
                f"{where}: [years.{key}] {min(hol & work)} is both holiday and working day")
        years[year] = YearOverride(hol, work)
    return WorkCalendar(years)


