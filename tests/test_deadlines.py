"""Deadline arithmetic on the Chinese working-day calendar, and the shipped policy profiles."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.config import PROJECT_ROOT
from callcenter.domain.policy import PolicyError, SlaState, Span, Urgency, sla_state
from callcenter.domain.workdays import CalendarFileError, WorkCalendar
from callcenter.services.rules import load_calendar, load_profiles

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


def test_a_year_not_published_is_provisional_never_refused():
    # 2027 is not in chinesecalendar 1.11: weekends and the statutory holidays are off.
    d = Span.parse("5wd").deadline(at(2026, 12, 28), CAL, TZ)
    # 12-29, 12-30, 12-31, (1-1 New Year's Day, 1-2/1-3 weekend), 1-4, 1-5.
    assert d.at.date() == date(2027, 1, 5) and d.provisional
    inside = Span.parse("3wd").deadline(at(2026, 12, 21), CAL, TZ)
    assert inside.at.date() == date(2026, 12, 24) and not inside.provisional
    assert not Span.parse("2h").deadline(at(2026, 12, 31, 23), CAL, TZ).provisional
    assert CAL.provisional(date(2027, 3, 1)) and not CAL.provisional(date(2026, 12, 31))
    assert CAL.knows(2026) and not CAL.knows(2027)


@pytest.mark.parametrize(("day", "off"), [
    # Statutory days of the 2024 revision, lunar dates from the holidays package, with the
    # law's 补假 for those on a weekend.
    (date(2027, 1, 1), True), (date(2027, 2, 5), True), (date(2027, 2, 8), True),
    (date(2027, 2, 9), True), (date(2027, 2, 11), False), (date(2027, 4, 5), True),
    (date(2027, 5, 1), True), (date(2027, 5, 3), True), (date(2027, 5, 6), False),
    (date(2027, 6, 9), True), (date(2027, 9, 15), True), (date(2027, 10, 1), True),
    (date(2027, 10, 8), False), (date(2027, 3, 1), False), (date(2027, 3, 6), True),
    (date(2031, 1, 1), True), (date(2031, 1, 2), False),
])
def test_provisional_years_have_weekends_and_statutory_holidays_off(day, off):
    assert CAL.is_workday(day) is not off
    assert CAL.provisional(day)


def test_calendar_days_ending_on_a_rest_day_end_on_the_next_working_day():
    # 民法典 §203: a period whose last day is a holiday ends on the day after it.
    assert Span.parse("1d").after(at(2026, 10, 9), CAL, TZ).date() == date(2026, 10, 10)  # 调休
    assert Span.parse("1d").after(at(2026, 9, 30), CAL, TZ).date() == date(2026, 10, 8)
    assert Span.parse("3d").after(at(2026, 11, 26), CAL, TZ).date() == date(2026, 11, 30)
    assert Span.parse("7d").after(at(2026, 11, 23), CAL, TZ).date() == date(2026, 11, 30)
    # Ending on the last day of a known year, then rolling into an unknown one.
    d = Span.parse("3d").deadline(at(2026, 12, 29), CAL, TZ)
    assert d.at.date() == date(2027, 1, 4) and d.provisional


def test_1d_and_1wd_first_contact_agree_once_rest_days_roll():
    # §五1 says 1日, §十一1 checks 1 个工作日: with the roll they name the same day.
    for day in range(1, 29):
        start = at(2026, 2, day)
        assert Span.parse("1d").after(start, CAL, TZ) == Span.parse("1wd").after(start, CAL, TZ)


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
    d = Span.parse("5wd").deadline(at(2026, 12, 28), cal, TZ)
    assert d.at.date() == date(2027, 1, 4) and not d.provisional


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


@pytest.mark.parametrize("bad", ["0d", "0h", "5 weeks", "wd", "-1h", "99999d"])
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
