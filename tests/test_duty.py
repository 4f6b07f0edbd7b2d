"""After hours: day or night by the schedule and the work-order calendar, at the calendar's
edges, with the clock injected; the roster's shifts; forcing; the plan's file followed while
running; the API and the CLI."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of, caller
from fakes import FakeDuty, FakeUnitsOfWork
from tickets_support import Clock

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.domain.duty import (
    DutyFileError,
    Mode,
    Person,
    decide,
    parse_hours,
    parse_plan,
)
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.routing import RoutingPolicy
from callcenter.domain.workdays import WorkCalendar, YearOverride
from callcenter.services.duty import DutyDesk, duty_file
from callcenter.services.errors import Forbidden, ValidationFailed
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
PLAN = """
[schedule]
monday = "08:00-20:00"
tuesday = "08:00-20:00"
wednesday = "08:00-20:00"
thursday = "08:00-12:00,13:30-20:00"
friday = "08:00-20:00"
saturday = "09:00-17:00"
sunday = ""
holiday = ""
adjusted_workday = "08:00-18:00"
[schedule.special]
2026-12-31 = "08:00-16:00"
[roster]
start = 2026-12-01
changes_at = "08:00"
[[roster.duty]]
name = "甲"
phone = "139-0000-0011"
[[roster.duty]]
name = "乙"
phone = "13900000012"
[[roster.leader]]
name = "领导"
phone = "13900000021"
[[roster.override]]
shift = 2026-12-24
name = "丙"
phone = "13900000013"
"""
# 2027 is not published in this calendar: the statutory rule stands in (provisional).
CAL = WorkCalendar(overrides={2026: YearOverride(holidays=frozenset({date(2026, 12, 28)}),
                                                 workdays=frozenset({date(2026, 12, 27)}))},
                   package_years=frozenset())


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0
          ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


@pytest.mark.parametrize(("at", "night", "why"), [
    (local(2026, 12, 2, 2, 0), True, "wednesday"),          # 02:00 on a working day
    (local(2026, 12, 2, 8, 0), False, "wednesday"),         # opening minute
    (local(2026, 12, 2, 19, 59, 59), False, "wednesday"),
    (local(2026, 12, 2, 20, 0), True, "wednesday"),         # closing minute
    (local(2026, 12, 3, 12, 30), True, "thursday"),         # the lunch break
    (local(2026, 12, 26, 10, 0), False, "saturday"),
    (local(2026, 12, 27, 10, 0), False, "adjusted working day"),  # a Sunday worked
    (local(2026, 12, 27, 19, 0), True, "adjusted working day"),
    (local(2026, 12, 28, 10, 0), True, "holiday"),          # a Monday off
    (local(2026, 12, 31, 17, 0), True, "special day"),      # New Year's Eve closes at 16:00
    (local(2027, 1, 1, 10, 0), True, "holiday"),            # year end: unknown year, statutory
    (local(2027, 1, 4, 10, 0), False, "monday"),
])
def test_day_or_night_at_the_calendars_edges(at, night, why):
    plan = parse_plan(PLAN, "duty.toml")
    d = decide(plan, Mode.AUTO, at, CAL)
    assert d.night is night and d.why.startswith(why), d.why


def test_forcing_overrides_the_schedule_and_the_roster_rotates_by_shift():
    plan = parse_plan(PLAN, "duty.toml")
    noon = local(2026, 12, 2, 12, 0)
    assert decide(plan, Mode.NIGHT, noon, CAL).night and \
        decide(plan, Mode.NIGHT, noon, CAL).why == "forced night"
    assert not decide(plan, Mode.DAY, local(2026, 12, 2, 2, 0), CAL).night
    roster = plan.roster
    assert roster.on_duty(local(2026, 12, 1, 21, 0)) == Person("甲", "13900000011")
    # 02:00 on the 2nd is still the night that began on the 1st; 08:00 hands over.
    assert roster.on_duty(local(2026, 12, 2, 2, 0)).name == "甲"
    assert roster.on_duty(local(2026, 12, 2, 8, 0)).name == "乙"
    assert roster.on_duty(local(2026, 12, 3, 9, 0)).name == "甲"
    assert roster.on_duty(local(2026, 12, 24, 22, 0)).name == "丙"  # the override's shift
    assert roster.on_duty(local(2026, 12, 25, 7, 59)).name == "丙"
    assert roster.on_duty(local(2026, 12, 25, 8, 0)).name in ("甲", "乙")
    assert roster.on_duty(local(2026, 12, 2, 2, 0), "leader").name == "领导"
    assert roster.on_duty(local(2026, 11, 30, 22, 0)).name == "乙"  # before start: rotates back


@pytest.mark.parametrize(("text", "names"), [
    ('[schedule]\nmonday = "8:00-20:00"\n[[roster.duty]]\nname="a"\nphone="110"', "monday"),
    ('[schedule]\nmonday = "20:00-08:00"\n[[roster.duty]]\nname="a"\nphone="110"', "forward"),
    ('[schedule]\nfunday = "08:00-20:00"\n[[roster.duty]]\nname="a"\nphone="110"', "funday"),
    ("[schedule]\n", "names nobody"),
    ('[[roster.duty]]\nname="a"\nphone="王经理"', "not a phone number"),
    ('[[roster.duty]]\nname="a"\nphone="1;Hangup"', "not a phone number"),
    ('[roster]\nchanges_at = "25:00"\n[[roster.duty]]\nname="a"\nphone="110"', "changes_at"),
    ('[[roster.duty]]\nname="a"\nphone="110"\n[[roster.override]]\nshift="x"\nname="b"\n'
     'phone="111"', "not a date"),
    ("[schedule", "duty.toml"),
])
def test_a_bad_plan_is_refused_by_name(text, names):
    with pytest.raises(DutyFileError, match=names):
        parse_plan(text, "duty.toml")


def test_hours_up_to_midnight():
    assert parse_hours("00:00-24:00", "x") == ((time(0), time(23, 59, 59, 999999)),)
    assert parse_hours("", "x") == ()


def test_the_plan_file_is_followed_and_a_bad_edit_keeps_the_plan(tmp_path, caplog):
    path = tmp_path / "duty.toml"
    path.write_text(PLAN, encoding="utf-8")
    plan = duty_file(path, check_every=0)
    assert plan().roster.duty[0].name == "甲"
    path.write_text(PLAN.replace('name = "甲"', 'name = "丁"'), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a new signature even within one clock tick
    assert plan().roster.duty[0].name == "丁"
    path.write_text("[schedule\n", encoding="utf-8")
    assert plan().roster.duty[0].name == "丁"
    assert "duty plan not reloaded" in caplog.text


@pytest.fixture
def duty(tmp_path):
    """The duty desk over the in-memory unit of work (tests/fakes.py); the store's side is
    test_the_fake_duty_repository_answers_as_the_store_does."""
    path = tmp_path / "duty.toml"
    path.write_text(PLAN, encoding="utf-8")
    clock = Clock()
    clock.now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # 02:00 in Shanghai, 3 December
    return DutyDesk(FakeUnitsOfWork(), duty_file(path), lambda: CAL, TZ, clock)


def test_the_fake_duty_repository_answers_as_the_store_does(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    fake = FakeDuty()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.duty.current() == fake.current() == (Mode.AUTO, "", None)
    at = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    for i, mode in enumerate((Mode.NIGHT, Mode.DAY, Mode.AUTO)):
        with UnitOfWork(engine) as uow:
            uow.duty.force(mode, f"supervisor:{i}", at + timedelta(minutes=i))
        fake.force(mode, f"supervisor:{i}", at + timedelta(minutes=i))
        with UnitOfWork(engine, read_only=True) as uow:
            assert uow.duty.current() == fake.current()
    engine.dispose()


def test_forcing_is_stored_with_the_supervisor_and_routes_calls(duty):
    leader, agent = Viewer(Role.SUPERVISOR, "banzhang"), Viewer(Role.AGENT, "zhang")
    route = RoutingPolicy(False, duty.decision).route
    assert route() == {"CC_ROUTE": "night", "CC_DUTY_NUMBER": "13900000012"}
    shown = duty.show(agent)
    assert (shown["line"], shown["shift"], shown["duty"]["name"]) == ("night", "2026-12-02",
                                                                       "乙")
    assert shown["now"].startswith("2026-12-03T02:00:00+08:00")
    with pytest.raises(Forbidden):
        duty.force("day", agent)
    with pytest.raises(Forbidden):
        duty.show(Viewer(Role.UNIT, "w", "u-wuye"))
    with pytest.raises(ValidationFailed):
        duty.force("dusk", leader)
    forced = duty.force("day", leader)
    assert (forced["line"], forced["mode"], forced["forced_by"]) == ("day", "day",
                                                                      "supervisor:banzhang")
    assert route() == {"CC_ROUTE": "queue"}
    assert RoutingPolicy(True, duty.decision).route() == {"CC_ROUTE": "menu"}
    duty.force("auto", leader)
    assert route()["CC_ROUTE"] == "night"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_duty_over_the_api(duty, service, tmp_path):
    path = tmp_path / "tokens.toml"
    leader = tokens.add(path, Viewer(Role.SUPERVISOR, "banzhang"))
    agent = tokens.add(path, Viewer(Role.AGENT, "zhang"))
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path),
                                                   duty=duty))))
    await client.start_server()
    try:
        call = caller(client, "/api/v1")

        assert (await call(agent, "GET", "/duty"))["line"] == "night"
        await call(agent, "POST", "/duty/force", {"mode": "day"}, 403)
        await call(leader, "POST", "/duty/force", {"mode": 3}, 422)
        assert (await call(leader, "POST", "/duty/force", {"mode": "day"}))["line"] == "day"
    finally:
        await client.close()
    bare = TestClient(TestServer(make_app(api_of(service, tokens.load(path)))))
    await bare.start_server()
    try:
        r = await bare.get("/api/v1/duty", headers={"Authorization": f"Bearer {agent}"})
        assert r.status == 404
    finally:
        await bare.close()


def test_the_cli_shows_and_forces(tmp_path, monkeypatch, capsys):
    from callcenter import cli
    from callcenter.config import PROJECT_ROOT

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "duty.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "config" / "hotline.toml").write_text(
        '[store]\nurl = "sqlite:///duty.db"\n[tickets]\n'
        f'workdays_file = "{PROJECT_ROOT / "config" / "workdays.toml"}"\n', encoding="utf-8")
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    monkeypatch.delenv("CALLCENTER_DB_URL", raising=False)
    assert cli.main(["duty", "force", "night"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("夜间 night  (forced night; mode night, forced by supervisor:cli)")
    assert cli.main(["duty", "force", "day", "--as", "agent:zhang"]) == 2
    assert capsys.readouterr().err.strip() == ("refused: only a supervisor forces day or "
                                               "night")
    assert cli.main(["duty", "show", "--json"]) == 0
    assert '"mode": "night"' in capsys.readouterr().out
    (tmp_path / "config" / "duty.toml").unlink()
    assert cli.main(["duty", "show"]) == 2
    assert "no duty plan" in capsys.readouterr().err
