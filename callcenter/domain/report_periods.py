"""The periods the hotline's reports cover, and when each is due.

- daily (日综述): [16:00 of the day before, 16:00 of the day) in the hotline's time zone
  (zhengzhou-housing-hotline-2009 §二(四)1), named by the day it ends on: "2026-12-01".
- weekly (周报): a calendar week, Monday 00:00 to Monday 00:00, named "2026-W48" (ISO week);
  due at 16:00 on the configured weekday of the week after.
- monthly (月报): a calendar month, named "2026-11"; due at 16:00 on the configured day of the
  next month, which must fall between the 1st and the 5th (2009 §二(四)2).

Periods are built from local dates and times, so they are right whatever the server's own time
zone is, and across a daylight-saving change in a zone that has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from callcenter.domain.report_content import PeriodJson

CUT = time(16, 0)  # the daily summary's cut-off and every report's run time
MONTHLY_LATEST_DAY = 5


class ReportKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class PeriodError(ValueError):
    """A period name or schedule that does not exist; `rule` names the rule."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule


@dataclass(frozen=True)
class Period:
    kind: ReportKind
    name: str          # "2026-12-01", "2026-W48", "2026-11"
    start: datetime    # aware, local to the hotline
    end: datetime      # exclusive

    def as_json(self) -> PeriodJson:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Schedule:
    weekly_day: int = 0    # Monday
    monthly_day: int = 1   # 1..5

    def __post_init__(self) -> None:
        if not 0 <= self.weekly_day <= 6:
            raise PeriodError("reports.weekly_day", "0 (Monday) to 6 (Sunday)")
        if not 1 <= self.monthly_day <= MONTHLY_LATEST_DAY:
            raise PeriodError("reports.monthly_day", "the monthly report is due between the "
                              f"1st and the {MONTHLY_LATEST_DAY}th")


def _at(day: date, t: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def daily(day: date, tz: tzinfo) -> Period:
    return Period(ReportKind.DAILY, day.isoformat(), _at(day - timedelta(days=1), CUT, tz),
                  _at(day, CUT, tz))


def weekly(day: date, tz: tzinfo) -> Period:
    """The calendar week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return Period(ReportKind.WEEKLY, f"{year}-W{week:02d}", _at(monday, time(0), tz),
                  _at(monday + timedelta(days=7), time(0), tz))


def monthly(day: date, tz: tzinfo) -> Period:
    """The calendar month holding `day`."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(ReportKind.MONTHLY, f"{first.year}-{first.month:02d}",
                  _at(first, time(0), tz), _at(following, time(0), tz))


_NAMES = {ReportKind.DAILY: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
          ReportKind.WEEKLY: re.compile(r"(\d{4})-W(\d{2})"),
          ReportKind.MONTHLY: re.compile(r"(\d{4})-(\d{2})")}


def parse(kind: str, name: str, tz: tzinfo) -> Period:
    """The period a name stands for ("2026-12-01", "2026-W48", "2026-11")."""
    try:
        k = ReportKind(kind)
    except ValueError:
        raise PeriodError("report.kind", f"{kind!r}: daily, weekly or monthly") from None
    m = _NAMES[k].fullmatch(name)
    try:
        if m is None:
            raise ValueError
        if k is ReportKind.DAILY:
            return daily(date.fromisoformat(name), tz)
        if k is ReportKind.WEEKLY:
            return weekly(date.fromisocalendar(int(m[1]), int(m[2]), 1), tz)
        return monthly(date(int(m[1]), int(m[2]), 1), tz)
    except ValueError:
        shapes = {ReportKind.DAILY: "YYYY-MM-DD", ReportKind.WEEKLY: "YYYY-Www",
                  ReportKind.MONTHLY: "YYYY-MM"}
        raise PeriodError("report.period", f"{name!r}: a {k.value} period is written "
                          f"{shapes[k]}") from None


def of_day(kind: ReportKind, day: date, tz: tzinfo) -> Period:
    """The period of that kind named by (daily) or holding (weekly, monthly) a local date."""
    return {ReportKind.DAILY: daily, ReportKind.WEEKLY: weekly,
            ReportKind.MONTHLY: monthly}[kind](day, tz)


def due_at(p: Period, schedule: Schedule) -> datetime:
    """When the report of a period is produced (local)."""
    tz = p.start.tzinfo
    assert tz is not None
    if p.kind is ReportKind.DAILY:
        return p.end
    if p.kind is ReportKind.WEEKLY:
        return _at(p.end.date() + timedelta(days=schedule.weekly_day), CUT, tz)
    return _at(p.end.date().replace(day=schedule.monthly_day), CUT, tz)


def latest_due(kind: ReportKind, now: datetime, tz: tzinfo, schedule: Schedule) -> Period:
    """The most recent period of a kind whose report is due at `now` (its run time passed)."""
    today = now.astimezone(tz).date()
    if kind is ReportKind.DAILY:
        p = daily(today, tz)
    elif kind is ReportKind.WEEKLY:
        p = weekly(today - timedelta(days=7), tz)
    else:
        p = monthly(today.replace(day=1) - timedelta(days=1), tz)
    while due_at(p, schedule) > now:
        p = previous(p, tz)
    return p


def previous(p: Period, tz: tzinfo) -> Period:
    return of_day(p.kind, p.start.astimezone(tz).date() - timedelta(days=1)
                  if p.kind is not ReportKind.DAILY else p.end.date() - timedelta(days=1), tz)


def due_since(kind: ReportKind, now: datetime, tz: tzinfo, schedule: Schedule,
              back: int) -> list[Period]:
    """The last `back` periods of a kind that are due at `now`, oldest first: the scheduler
    produces those not stored yet (a run missed while the system was down, at start-up)."""
    p = latest_due(kind, now, tz, schedule)
    out = [p]
    for _ in range(back - 1):
        p = previous(p, tz)
        out.append(p)
    return out[::-1]


def comparison(p: Period, tz: tzinfo) -> tuple[Period, Period | None]:
    """The periods a report compares with: the one before, and for a daily report the same
    weekday a week before (emerging issues, 每日动态)."""
    before = previous(p, tz)
    if p.kind is not ReportKind.DAILY:
        return before, None
    return before, daily(p.end.date() - timedelta(days=7), tz)
