"""Work orders across the end of the published calendar: provisional due times, their
recomputation once the year is published, and the status the hotline office watches (SQLite
and PostgreSQL, with the clock injected)."""

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select
from tickets_support import AGENT, CTX, FORM, OFFICE, TZ

from callcenter.domain.policy import Urgency
from callcenter.domain.tickets import Dispatch
from callcenter.services.calendar import CalendarService
from callcenter.services.rules import RulesSource
from callcenter.services.sweeper import Sweeper
from callcenter.storage.ticket_tables import OfficeNoticeRow
from callcenter.storage.uow import UnitOfWork

# The year as a State Council notice might publish it: 1-4 off besides New Year's Day, and
# Saturday 1-9 worked (调休).
YEAR_2027 = """
[years.2027]
holidays = ["2027-01-01", "2027-01-04", "2027-02-05", "2027-02-08", "2027-02-09",
            "2027-02-10", "2027-02-11"]
workdays = ["2027-01-09"]
"""


@pytest.fixture
def source(service, tmp_path):
    """The service reads its rules from a calendar file the test writes."""
    src = RulesSource(CTX, tmp_path / "workdays.toml", check_every=0)
    service.rules = src
    return src


def _dispatch(service, urgency, at):
    service.clock.now = at
    tid = service.register(replace(FORM, urgency=urgency), AGENT)
    return service.command(tid, Dispatch("u-wuye"), AGENT)


def _at(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.mark.parametrize(("when", "expected"), [
    # Sunday 12-20: the 9-working-day extension window ends 12-31, only complex work and its
    # window reach into 2027.
    (_at(2026, 12, 20), {Urgency.URGENT: [], Urgency.SUB_URGENT: [], Urgency.GENERAL: [],
                         Urgency.COMPLEX: ["completion"]}),
    (_at(2026, 12, 21), {Urgency.URGENT: ["extension_window"],
                         Urgency.SUB_URGENT: ["extension_window"],
                         Urgency.GENERAL: ["extension_window"],
                         Urgency.COMPLEX: ["completion", "extension_window"]}),
    (_at(2027, 3, 1), {u: ["first_contact", "extension_window", "return_window"]
                       + ([] if u is Urgency.URGENT else ["completion"]) for u in Urgency}),
])
def test_dispatch_works_past_the_published_calendar(service, when, expected):
    for urgency, names in expected.items():
        view = _dispatch(service, urgency, when)
        assert view["status"] == "dispatched"
        assert sorted(view["provisional"]) == sorted(names), urgency
        dispatch = service.audit(view["id"], AGENT)[-1]
        assert ("provisional" in dispatch["why"]) == bool(names)
        for name in names:
            assert f"{name} {view['due'][name]}" in dispatch["why"]


def test_publishing_the_year_recomputes_open_tickets_never_earlier(service, source, tmp_path):
    # 12-28 general: 12-29, 12-30, 12-31, 1-4, 1-5 provisionally; 1-4 is off in the
    # published year, so 1-6.
    later = _dispatch(service, Urgency.GENERAL, _at(2026, 12, 28))
    assert later["due"]["completion"].startswith("2027-01-05")
    # 1-6 general: 1-7, 1-8, 1-11, 1-12, 1-13 provisionally; Saturday 1-9 is worked in the
    # published year, which would make it 1-12: the due time given stays.
    kept = _dispatch(service, Urgency.GENERAL, _at(2027, 1, 6))
    assert kept["due"]["completion"].startswith("2027-01-13")
    cal = CalendarService(service.uow, source, service.clock)
    assert cal.recompute().changed == 0  # nothing published yet: nothing to do
    assert cal.status()["open_provisional_tickets"] == 2

    (tmp_path / "workdays.toml").write_text(YEAR_2027)
    assert source.reload()
    assert cal.recompute().changed == 2
    assert cal.recompute().changed == 0  # once

    moved = service.get(later["id"], OFFICE)
    assert moved["provisional"] == [] and moved["due"]["completion"].startswith("2027-01-06")
    entry = service.audit(later["id"], OFFICE)[-1]
    assert entry["action"] == "RecomputeDeadlines" and entry["actor"]["id"] == "calendar"
    assert f"completion {later['due']['completion']} -> {moved['due']['completion']}" \
        in entry["why"]
    stay = service.get(kept["id"], OFFICE)
    assert stay["provisional"] == [] and stay["due"] == kept["due"]  # nothing earlier
    assert "unchanged: completion" in service.audit(kept["id"], OFFICE)[-1]["why"]
    for view in (moved, stay):
        for name, at in view["due"].items():
            old = (later if view["id"] == later["id"] else kept)["due"][name]
            assert at >= old, name
    status = cal.status()
    assert status["ok"] and status["open_provisional_tickets"] == 0, status


def test_status_names_the_unknown_year_and_clears_once_it_is_loaded(service, source, tmp_path):
    service.clock.now = _at(2026, 12, 1)
    cal = CalendarService(service.uow, source, service.clock)
    status = cal.status()
    assert not status["ok"] and status["provisional_years"] == [2027]
    assert status["next_year"] == {"year": 2027, "official": False, "days_away": 31}
    assert "2027" in status["problems"][0]
    # 62 days before the new year the status is still ok.
    service.clock.now = _at(2026, 10, 31)
    assert cal.status()["ok"]
    service.clock.now = _at(2026, 12, 1)
    (tmp_path / "workdays.toml").write_text(YEAR_2027)
    source.reload()
    status = cal.status()
    assert status["ok"] and status["problems"] == [] and status["provisional_years"] == []
    assert status["official_years"]["last"] == 2027


def test_sweeper_recomputes_and_tells_the_office_once_a_day(service, source, tmp_path):
    tid = _dispatch(service, Urgency.COMPLEX, _at(2026, 12, 21))["id"]
    sweeper = Sweeper(service.uow, source, service.clock)
    assert sweeper.run().office_notices == 1
    assert sweeper.run().office_notices == 0
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        (notice,) = uow.session.scalars(select(OfficeNoticeRow))
    assert notice.day == "2026-12-21" and "2027" in notice.text and "1 open tickets" \
        in notice.text
    (tmp_path / "workdays.toml").write_text(YEAR_2027)
    report = sweeper.run()  # the sweeper sees the file change on its own
    assert report.recomputed == 1 and service.get(tid, AGENT)["provisional"] == []
    service.clock.advance(days=1)
    assert sweeper.run().office_notices == 0  # 2027 known, nothing provisional


def test_a_bad_calendar_file_keeps_the_calendar_in_force(service, source, tmp_path, caplog):
    (tmp_path / "workdays.toml").write_text(YEAR_2027)
    source()
    assert source().calendar.knows(2027)
    (tmp_path / "workdays.toml").write_text('[years.2027]\nholidays = ["2027-02-30"]\n')
    assert source().calendar.knows(2027)
    assert "not reloaded" in caplog.text and "2027-02-30" in caplog.text
    assert source.generation == 1


def test_year_end_edges_on_a_provisional_year():
    cal = CTX.calendar
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2026, 12, 31))
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.any_provisional(date(2026, 12, 31), date(2027, 1, 1))
    assert not cal.any_provisional(date(2026, 1, 1), date(2026, 12, 31))


def test_kb_requests_and_revisits_work_past_the_published_calendar(service):
    from tickets_support import REPLY, WUYE

    from callcenter.domain.kb import RequestKind
    from callcenter.domain.replies import Callback
    from callcenter.domain.tickets import AcceptReply, LogContact, RecordCallback, SubmitReply

    service.clock.now = _at(2026, 12, 28)
    service.kb.request(RequestKind.NOT_FOUND, "电梯年检由谁负责？", AGENT, unit="u-wuye")
    (req,) = service.kb.open_requests(AGENT)
    assert req["provisional"] and req["due_at"].startswith("2027-01-05")
    tid = _dispatch(service, Urgency.GENERAL, _at(2026, 12, 21))["id"]
    service.clock.now = _at(2026, 12, 30)
    service.command(tid, LogContact("x"), WUYE)
    service.command(tid, SubmitReply(REPLY), WUYE)
    service.command(tid, AcceptReply(), OFFICE)
    unhappy = Callback(first_contact_made=True, solved=False, attitude=2, speed=2, result=2)
    view = service.command(tid, RecordCallback(unhappy), AGENT)
    # 12-31, then 1-4 and 1-5 (1-1 New Year's Day, the weekend): provisional.
    assert view["status"] == "revisit" and view["due"]["completion"].startswith("2027-01-05")
    assert view["provisional"] == ["completion"]
    assert "provisional" in service.audit(tid, AGENT)[-1]["why"]


def test_status_counts_a_registered_tickets_provisional_dispatch_deadline(service, source):
    service.clock.now = _at(2027, 3, 6)  # a Saturday of a year not published
    tid = service.register(FORM, AGENT)
    assert service.get(tid, AGENT)["provisional"] == ["dispatch"]
    status = CalendarService(service.uow, source, service.clock).status()
    assert status["open_provisional_tickets"] == 1
    assert status["earliest_provisional"]["due"] == "dispatch"
