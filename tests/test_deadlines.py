"""Deadline arithmetic on the Chinese working-day calendar, and the shipped policy profiles."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.config import PROJECT_ROOT
from callcenter.domain.policy import PolicyError, SlaState, Span, Urgency, load_profiles, sla_state
from callcenter.domain.workdays import (
    CalendarFileError,
    UnknownYearError,
    WorkCalendar,
    load_calendar,
)

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
starts = st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2026, 11, 15),
                      timezones=st.just(TZ))
workdays = st.integers(min_value=1, max_value=20)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


@given(starts, workdays)
def test_a_working_day_deadline_ends_a_working_day(start, n):
    due = Span(n, "wd").after(start, CAL, TZ)
    assert CAL.is_workday(due.date())
    assert due.time().hour == 23 and due > start
    assert CAL.workdays_between(start.date(), due.date()) == n


@given(starts, starts, workdays, workdays)
def test_deadlines_are_monotone(a, b, n, m):
    a, b = min(a, b), max(a, b)
    n, m = min(n, m), max(n, m)
    for unit in ("wd", "d", "h"):
        assert Span(n, unit).after(a, CAL, TZ) <= Span(n, unit).after(b, CAL, TZ)
        assert Span(n, unit).after(a, CAL, TZ) <= Span(m, unit).after(a, CAL, TZ)


@pytest.mark.parametrize(("start", "span", "due"), [
    # 2025 Spring Festival: 1-28..2-4 off; Sunday 1-26 and Saturday 2-8 worked.
    (at(2025, 1, 24), "5wd", date(2025, 2, 7)),
    (at(2025, 1, 24), "1wd", date(2025, 1, 26)),
    (at(2025, 2, 7), "1wd", date(2025, 2, 8)),
    # 2025 National Day: 10-1..10-8 off; Sunday 9-28 and Saturday 10-11 worked.
    (at(2025, 9, 27), "1wd", date(2025, 9, 28)),
    (at(2025, 9, 30), "1wd", date(2025, 10, 9)),
    (at(2025, 10, 9), "2wd", date(2025, 10, 11)),
    # 2026 Spring Festival: Saturday 2-14 worked, 2-15..2-23 off, Saturday 2-28 worked.
    (at(2026, 2, 13), "1wd", date(2026, 2, 14)),
    (at(2026, 2, 13), "2wd", date(2026, 2, 24)),
    (at(2026, 2, 27), "1wd", date(2026, 2, 28)),
    # 2026 National Day: Sunday 9-20 worked, 10-1..10-7 off, Saturday 10-10 worked.
    (at(2026, 9, 30), "1wd", date(2026, 10, 8)),
    (at(2026, 10, 9), "1wd", date(2026, 10, 10)),
    (at(2026, 10, 9), "3d", date(2026, 10, 12)),
])
def test_exact_on_adjusted_working_days(start, span, due):
    got = Span.parse(span).after(start, CAL, TZ)
    assert got.date() == due and got.tzinfo is not None


def test_hours_run_on_the_clock_through_holidays():
    start = at(2026, 10, 1, 23)
    assert Span.parse("2h").after(start, CAL, TZ) == start + timedelta(hours=2)


def test_a_deadline_in_an_unknown_year_is_an_error():
    with pytest.raises(UnknownYearError, match=r"2027.*config/workdays.toml"):
        Span.parse("5wd").after(at(2026, 12, 28), CAL, TZ)
    with pytest.raises(UnknownYearError):
        CAL.is_workday(date(2031, 3, 3))


def test_overrides_file_adds_a_year_and_corrects_one(tmp_path):
    f = tmp_path / "workdays.toml"
    f.write_text('[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-02"]\n'
                 '[years.2026]\nholidays = ["2026-11-23"]\n')
    cal = load_calendar(f)
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2027, 1, 2))
    assert not cal.is_workday(date(2027, 1, 3))  # an ordinary Sunday
    assert cal.is_workday(date(2027, 1, 4))
    assert not cal.is_workday(date(2026, 11, 23))  # corrected
    assert cal.is_workday(date(2026, 11, 24))      # the package still answers the rest
    # 12-29, 12-30, 12-31, Saturday 1-2 (worked), Monday 1-4.
    assert Span.parse("5wd").after(at(2026, 12, 28), cal, TZ).date() == date(2027, 1, 4)


@pytest.mark.parametrize("text", [
    '[years.2027]\nholidays = ["2027-02-30"]\n',
    '[years.2027]\nholidays = ["2028-01-01"]\n',
    '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-01"]\n',
    '[years.abc]\n',
])
def test_a_bad_overrides_file_is_refused_clearly(tmp_path, text):
    f = tmp_path / "workdays.toml"
    f.write_text(text)
    with pytest.raises(CalendarFileError, match=r"workdays\.toml"):
        load_calendar(f)


def test_the_five_profiles_ship_and_shanghai_is_exact():
    profiles = load_profiles(PROJECT_ROOT / "config" / "policies.toml")
    assert set(profiles) == {"shanghai-2022", "zhengzhou-housing-2009", "zhengzhou-hitech-2006",
                             "luohe-2014", "shenyang-96191-2006"}
    sh = profiles["shanghai-2022"]
    assert {u: str(s) for u, s in sh.completion.items()} == {
        Urgency.URGENT: "2h", Urgency.SUB_URGENT: "1wd", Urgency.GENERAL: "5wd",
        Urgency.COMPLEX: "13wd"}
    assert [str(s) for s in sh.extension_options] == ["15d", "30d", "60d", "90d"]
    assert (str(sh.extension_request_within), str(sh.return_within), str(sh.revisit)) == (
        "9wd", "1wd", "3wd")


@pytest.mark.parametrize("bad", ["0wd", "5 weeks", "wd", "-1h", "99999d"])
def test_bad_spans_are_refused(bad):
    with pytest.raises(PolicyError):
        Span.parse(bad)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        Span.parse("1h").after(datetime(2026, 1, 5, 9), CAL, TZ)


def test_sla_state():
    start = datetime(2026, 1, 5, tzinfo=UTC)
    due = start + timedelta(hours=10)
    assert sla_state(start + timedelta(hours=1), start, due, 0.2) is SlaState.ON_TIME
    assert sla_state(start + timedelta(hours=8, minutes=1), start, due, 0.2) is SlaState.DUE_SOON
    assert sla_state(due + timedelta(seconds=1), start, due, 0.2) is SlaState.OVERDUE
