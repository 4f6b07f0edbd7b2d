"""The reports over a generated data set with known answers, on SQLite and PostgreSQL: calls
around the 16:00 cut, tickets whose deadlines ran over the National Day holiday and the
adjusted working Saturday after it, a unit's late ticket, transcripts; the daily period whatever
the server's time zone; the scheduler's catch-up; versions; what a unit may read."""

from __future__ import annotations

import io
import os
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of
from openpyxl import load_workbook
from sqlalchemy import insert, select
from tickets_support import AGENT, CTX, FORM, OFFICE, REPLY, TZ, UNITS, WUYE, Clock, hotline_over

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.config import PROJECT_ROOT
from callcenter.domain import report_periods as rp
from callcenter.domain.emerging import Thresholds
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import Role, UnitRole, Viewer
from callcenter.domain.replies import Callback, Kind
from callcenter.domain.report_content import ReportContent, ReportDocument, UnitReport
from callcenter.domain.tickets import (
    AcceptReply,
    AnswerDirectly,
    Dispatch,
    LogContact,
    RecordCallback,
    StartWork,
    SubmitReply,
    Supervise,
)
from callcenter.reports.render_files import render
from callcenter.search.phrases import read_dictionary, use_dictionary
from callcenter.services.errors import Forbidden, ValidationFailed
from callcenter.services.reports import Reports
from callcenter.storage.agent_tables import CallbackRow
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, PartyRow, RecordingRow, RingRow
from callcenter.storage.transcript_tables import TopicSpotRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

WATER = Viewer(Role.UNIT, "zhao", unit="u-water", unit_role=UnitRole.HEAD)
WUYE_HEAD = Viewer(Role.UNIT, "wang", unit="u-wuye", unit_role=UnitRole.HEAD)
HAPPY = Callback(first_contact_made=True, solved=True, attitude=5, speed=5, result=5)
EXPLAINED = Callback(first_contact_made=True, solved=False, explained=True, attitude=4,
                     speed=4, result=4)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[arg-type,misc]


def at(form_address: str, **more):
    return replace(FORM, address=form_address, **more)


@pytest.fixture
def world(store_url):
    """The data set; its answers are worked out by hand in the test below."""
    engine = make_engine(store_url)
    migrate(engine)
    use_dictionary(read_dictionary(PROJECT_ROOT / "config" / "hotline_words.txt"))
    clock = Clock()
    svc = hotline_over(engine, CTX, clock).tickets
    svc.units.replace(list(UNITS), [])

    def ticket(when: datetime, form=FORM) -> int:
        clock.now = when
        return svc.register(form, AGENT)

    def do(when: datetime, tid: int, cmd, who=AGENT):
        clock.now = when
        return svc.command(tid, cmd, who)

    # T1, T2: dispatched Tue 29 Sep after 16:00; 5 working days skip the holiday (1-7 Oct)
    # and count Saturday 10 Oct (adjusted working day): due Mon 12 Oct, end of day.
    t1 = ticket(local(2026, 9, 29, 17), at("高新区梧桐街道翠竹社区1号楼"))
    view = do(local(2026, 9, 29, 17), t1, Dispatch("u-wuye", ()))
    assert view["due"]["completion"] == "2026-10-12T23:59:59.999999+08:00"
    t2 = ticket(local(2026, 9, 29, 17, 30), at("高新区梧桐街道翠竹社区2号楼"))
    do(local(2026, 9, 29, 17, 30), t2, Dispatch("u-water", ()))
    t10 = ticket(local(2026, 9, 29, 18), at("高新区梧桐街道翠竹社区10号楼"))
    do(local(2026, 9, 29, 18), t10, Dispatch("u-wuye", ()))
    water_staff = Viewer(Role.UNIT, "zhao", "u-water")
    for tid, who in ((t1, WUYE), (t2, water_staff), (t10, WUYE)):
        do(local(2026, 9, 30, 10), tid, LogContact("已电话联系"), who)
        do(local(2026, 9, 30, 11), tid, StartWork(), who)
    do(local(2026, 10, 12, 20), t1, SubmitReply(REPLY), WUYE)       # on time
    do(local(2026, 10, 12, 21), t1, AcceptReply(), OFFICE)
    do(local(2026, 10, 13, 9), t1, RecordCallback(HAPPY))
    do(local(2026, 10, 12, 10), t10, SubmitReply(REPLY), WUYE)      # on time
    do(local(2026, 10, 12, 11), t10, AcceptReply(), OFFICE)
    do(local(2026, 10, 13, 10), t10, RecordCallback(EXPLAINED))     # satisfied, not solved
    # T6, T7: dispatched on Sunday 11 Oct: first contact due Mon 12 Oct, end of day.
    t6 = ticket(local(2026, 10, 11, 11), at("高新区梧桐街道翠竹社区6号楼"))
    view = do(local(2026, 10, 11, 11), t6, Dispatch("u-wuye", ()))
    assert view["due"]["first_contact"] == "2026-10-12T23:59:59.999999+08:00"
    do(local(2026, 10, 12, 20), t6, LogContact("已电话联系"), WUYE)
    t7 = ticket(local(2026, 10, 11, 12), at("高新区梧桐街道翠竹社区7号楼"))
    do(local(2026, 10, 11, 12), t7, Dispatch("u-water", ()))          # never contacted
    # T3: a second before the cut, answered directly: yesterday's report.
    t3 = ticket(local(2026, 10, 12, 15, 59, 59), at("高新区梧桐街道翠竹社区3号楼"))
    do(local(2026, 10, 12, 15, 59, 59), t3, AnswerDirectly("已解答", None))
    # In the period: T4 at the cut, T8 dispatched; T5 another matter; T9 urgent, answered.
    t4 = ticket(local(2026, 10, 12, 16), at("高新区梧桐街道翠竹社区4号楼"))
    do(local(2026, 10, 12, 16), t4, Dispatch("u-wuye", ()))
    do(local(2026, 10, 12, 17), t4, Supervise("领导批示"), OFFICE)  # notable, u-wuye's
    t5 = ticket(local(2026, 10, 13, 10), at("金水区文化路街道花园小区1号", category="物业费",
                                             kind=Kind.CONSULTATION,
                                             matter="物业费怎么交 电话13812345678"))
    do(local(2026, 10, 13, 10), t5, AnswerDirectly("按合同交", None))
    t8 = ticket(local(2026, 10, 13, 8), at("高新区梧桐街道翠竹社区8号楼"))
    do(local(2026, 10, 13, 8), t8, Dispatch("u-wuye", ()))
    t9 = ticket(local(2026, 10, 13, 12), at("高新区梧桐街道翠竹社区9号楼",
                                             urgency=Urgency.URGENT,
                                             matter="<script>alert(1)</script>漏水严重"))
    do(local(2026, 10, 13, 12), t9, AnswerDirectly("已通知抢修", None))
    do(local(2026, 10, 14, 9), t2, SubmitReply(REPLY), water_staff)  # late

    calls = [  # (local start, queue?, answered?, wait, talk, seat, caller, route, disposition)
        (local(2026, 10, 12, 15, 59, 59), True, True, 3.0, 50.0, "8001", "139A", None, "answered"),
        (local(2026, 10, 12, 16), True, True, 10.0, 100.0, "8001", "139B", None, "answered"),
        (local(2026, 10, 13, 2), False, True, None, 80.0, None, "139C", "night", "answered"),
        (local(2026, 10, 13, 9), True, True, 20.0, 200.0, "8002", "139D", None, "answered"),
        (local(2026, 10, 13, 10), True, False, 30.0, None, None, "139E", None,
         "abandoned_queue"),
        (local(2026, 10, 13, 11), False, False, None, None, None, "139F", None, "abandoned_ivr"),
        (local(2026, 10, 13, 15, 59, 59, 999999), True, True, 5.0, 60.0, "8001", "139B", None,
         "answered"),
        (local(2026, 10, 13, 16), True, True, 1.0, 10.0, "8002", "139G", None, "answered"),
    ]
    with UnitOfWork(engine) as uow:
        for i, (start, queued, answered, wait, talk, seat, caller, route, disp) in \
                enumerate(calls):
            uow.session.execute(insert(CallRow).values(
                linkedid=f"1800000000.{i}", caller_number=caller, dialled_number="12345",
                started_at=start, route=route, fallback=False,
                queue="hotline" if queued else None,
                queue_joined_at=start + timedelta(seconds=8) if queued else None,
                wait_s=wait, seat=seat, talk_s=talk, hung_up_by="citizen",
                answered_at=start + timedelta(seconds=20) if answered else None,
                disposition=disp, disposition_reason=""))
        c3 = uow.session.scalar(select(CallRow.id).where(CallRow.linkedid == "1800000000.3"))
        ids = dict(uow.session.execute(select(CallRow.linkedid, CallRow.id)).all())
        # agent-7 worked 8001 all along; 8002 had nobody until agent-9 logged in on the 13th.
        rang = [(0, "8001", True, "agent-7"), (1, "8002", False, ""), (1, "8001", True, "agent-7"),
                (3, "8002", True, "agent-9"), (4, "8001", False, "agent-7"),
                (6, "8001", True, "agent-7"), (7, "8002", True, "agent-9")]
        uow.session.execute(insert(RingRow), [
            {"call_id": ids[f"1800000000.{i}"], "arrived_at": calls[i][0], "seat": seat,
             "rung_at": calls[i][0] + timedelta(seconds=9), "answered": picked, "agent": who}
            for i, seat, picked, who in rang])
        rec = uow.session.scalar(insert(RecordingRow).values(
            call_id=c3, kind="citizen", path="x.wav").returning(RecordingRow.id))
        uow.session.execute(insert(TopicSpotRow), [
            {"recording_id": rec, "call_id": c3, "topic": "漏水", "word": w, "speaker": "citizen",
             "start_s": s, "end_s": s + 1} for w, s in (("漏水", 3.0), ("渗水", 9.0))])
        uow.session.execute(insert(CallbackRow), [  # missed calls called back on the 13th
            {"key": f"missed:{i}", "kind": "missed", "call": f"1800000000.{i}",
             "ticket_id": None, "number": "139E", "seat": "8001", "requested_by": "agent-7",
             "requested_at": local(2026, 10, 13, 10, 30), "state": state, "detail": "",
             "channel_id": f"cb{i}", "updated_at": local(2026, 10, 13, 10, 31)}
            for i, state in ((4, "answered"), (5, "no_answer"), (6, "pending"))])
        uow.session.execute(insert(PartyRow).values(
            call_id=c3, leg="unit1", uniqueid="1800000000.3-unit1", unit="u-wuye",
            number="0371", dialled_at=local(2026, 10, 13, 9, 5),
            answered_at=local(2026, 10, 13, 9, 6), outcome="answered"))
    clock.now = local(2026, 10, 14, 16, 30)
    reports = Reports(UnitsOfWork(engine), TZ, clock,
                      thresholds=Thresholds(min_count=2, cluster_size=3))
    yield reports, {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t8": t8, "t9": t9}, svc
    engine.dispose()


def fig(value, numerator, denominator=None):
    return {"value": value, "numerator": numerator, "denominator": denominator}


def test_the_daily_report_gives_the_known_figures(world):
    reports, ids, _svc = world
    r = reports.view(OFFICE, "daily", "2026-10-13")
    # The document has exactly the typed shape (mypy checks the producer against it).
    assert set(r) == set(ReportDocument.__annotations__) | set(ReportContent.__annotations__)
    assert r["period"] == {"start": "2026-10-12T16:00:00+08:00",
                           "end": "2026-10-13T16:00:00+08:00"}
    f = r["figures"]
    counts = {k: f[k]["value"] for k in (
        "calls_total", "calls_offered", "calls_answered", "answered_within_15s",
        "abandoned_ivr", "abandoned_queue", "calls_after_hours", "after_hours_answered",
        "repeat_callers", "tickets_registered", "answered_directly", "dispatched", "due",
        "on_time", "overdue", "contact_due", "contacted_in_time", "called_back", "solved",
        "satisfied", "unit_dialled", "unit_answered")}
    assert counts == {
        "calls_total": 6, "calls_offered": 4, "calls_answered": 3, "answered_within_15s": 2,
        "abandoned_ivr": 1, "abandoned_queue": 1, "calls_after_hours": 1,
        "after_hours_answered": 1, "repeat_callers": 1, "tickets_registered": 4,
        "answered_directly": 2, "dispatched": 2, "due": 3, "on_time": 2, "overdue": 1,
        "contact_due": 2, "contacted_in_time": 1, "called_back": 2, "solved": 1,
        "satisfied": 2, "unit_dialled": 1, "unit_answered": 1}
    assert f["answer_rate"] == {"value": 0.75, "numerator": 3, "denominator": 4}
    assert f["callbacks_requested"]["value"] == 3
    assert f["connected_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert f["within_15s_rate"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert f["on_time_rate"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert f["first_contact_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert f["resolution_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert f["satisfaction_rate"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert f["wait_mean_s"] == {"value": 11.7, "numerator": 35, "denominator": 3}
    assert f["wait_p90_s"] == {"value": 20, "numerator": 3, "denominator": 3}
    assert f["talk_mean_s"] == {"value": 120.0, "numerator": 360, "denominator": 3}
    assert f["talk_p90_s"]["value"] == 200
    assert r["previous"]["calls_total"]["value"] == 1  # 15:59:59 the day before
    hours = {h["start"]: h["calls"] for h in r["calls_per_hour"] if h["calls"]}
    assert hours == {"2026-10-12T16:00:00+08:00": 1, "2026-10-13T02:00:00+08:00": 1,
                     "2026-10-13T09:00:00+08:00": 1, "2026-10-13T10:00:00+08:00": 1,
                     "2026-10-13T11:00:00+08:00": 1, "2026-10-13T15:00:00+08:00": 1}
    assert len(r["calls_per_hour"]) == 24
    assert r["tickets_by"]["channel"] == {"phone": 4}
    assert r["tickets_by"]["category"] == {"漏水": 3, "物业费": 1}
    assert r["tickets_by"]["unit"] == {"-": 2, "u-wuye": 2}
    wuye, water = r["units"]["u-wuye"], r["units"]["u-water"]
    assert wuye["on_time_rate"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert wuye["resolution_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert wuye["first_contact_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert wuye["unit_answer_rate"] == {"value": 1.0, "numerator": 1, "denominator": 1}
    assert water["on_time_rate"] == {"value": 0.0, "numerator": 0, "denominator": 1}
    assert water["overdue"]["value"] == 1
    assert water["first_contact_rate"] == {"value": 0.0, "numerator": 0, "denominator": 1}
    # Rings of the period's calls: 8001 picked up two of three (the abandoned call rang it),
    # 8002 one of two (it let the 16:00 call pass to 8001).
    assert f["ring_answer_rate"] == {"value": 0.6, "numerator": 3, "denominator": 5}
    assert r["seats"] == {
        "8001": {"calls_answered": fig(2, 2), "talk_mean_s": fig(80.0, 160, 2),
                 "rings": fig(3, 3), "rings_answered": fig(2, 2),
                 "ring_answer_rate": fig(0.6667, 2, 3)},
        "8002": {"calls_answered": fig(1, 1), "talk_mean_s": fig(200.0, 200, 1),
                 "rings": fig(2, 2), "rings_answered": fig(1, 1),
                 "ring_answer_rate": fig(0.5, 1, 2)}}
    agent = r["agents"]["agent-7"]
    assert agent["tickets_registered"]["value"] == 4
    assert agent["ring_answer_rate"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert r["agents"]["agent-9"]["ring_answer_rate"] == {"value": 1.0, "numerator": 1,
                                                          "denominator": 1}
    assert r["agents"]["agent-9"]["tickets_registered"]["value"] == 0
    assert agent["satisfaction_rate"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert agent["resolution_rate"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert r["topics"] == [{"topic": "漏水", "calls": 1, "previous": 0}]
    # Yesterday's T3 is within 24 h of today's T4, T8 and T9: one cluster of four.
    (cluster,) = r["clusters"]
    assert (cluster["category"], cluster["place"], cluster["tickets"]) == (
        "漏水", "高新区梧桐街道翠竹社区", [ids["t3"], ids["t4"], ids["t8"], ids["t9"]])
    assert r["emerging"]["places"] == [{"name": "高新区梧桐街道翠竹社区", "count": 3,
                                        "previous": 1, "week_before": 0,
                                        "rules": ["rising_vs_previous",
                                                  "rising_vs_week_before"]}]
    assert [c["name"] for c in r["emerging"]["categories"]] == ["漏水"]
    # Key phrases of the matters: the hotline dictionary keeps 楼上漏水 whole; no names.
    phrases = {p["phrase"]: p["tickets"] for p in r["phrases"]}
    assert phrases["楼上漏水"] == 2 and phrases["物业费"] == 1
    assert "张三" not in str(r) and "13812345678" not in str(r)
    assert [(n["ticket"], n["why"]) for n in r["notable"]] == [
        (ids["t4"], ["supervised"]), (ids["t9"], ["urgent"])]
    # The cluster went to the office, once, however often the report is produced.
    reports.produce(reports.period("daily", "2026-10-13"), by="office-1")
    with UnitOfWork(reports.uow.engine, read_only=True) as uow:
        notes = [n for n in uow.notices.for_office() if n["kind"].startswith("cluster:")]
    assert len(notes) == 1 and "集中反映 4 件" in notes[0]["text"]


def test_the_period_is_the_hotlines_whatever_the_servers_zone(world):
    reports, _, _svc = world
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    try:
        p = rp.daily(datetime(2026, 10, 13).date(), TZ)
        assert p.start.astimezone(UTC) == datetime(2026, 10, 12, 8, tzinfo=UTC)
        a = reports.view(OFFICE, "daily", "2026-10-13")["figures"]["calls_total"]["value"]
        b = reports.view(OFFICE, "daily", "2026-10-14")["figures"]["calls_total"]["value"]
        c = reports.view(OFFICE, "daily", "2026-10-12")["figures"]["calls_total"]["value"]
        # 15:59:59.999999 on the 13th is in the 13th's report; 16:00:00 in the 14th's.
        assert (c, a, b) == (1, 6, 1)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_missed_run_is_produced_at_start_up_once_and_late_data_makes_a_version(world):
    reports, _, _svc = world
    reports.catch_up = 2
    reports.clock.now = local(2026, 10, 14, 15, 0)  # before today's 16:00
    due = [(p.kind.value, p.name) for p in reports.due()]
    assert ("daily", "2026-10-13") in due and ("daily", "2026-10-14") not in due
    assert ("weekly", "2026-W41") in due and ("monthly", "2026-09") in due
    made = reports.run_due()
    assert all(m.new for m in made) and len(made) == len(due)
    assert reports.run_due() == [] and reports.due() == []
    first = reports.view(OFFICE, "daily", "2026-10-13")
    again = reports.produce(reports.period("daily", "2026-10-13"), "office-1")
    assert not again.new and again.report.version == 1
    # Late data: a call of the 13th stored only now.
    with UnitOfWork(reports.uow.engine) as uow:
        uow.session.execute(insert(CallRow).values(
            linkedid="1800000001.1", caller_number="", dialled_number="12345",
            started_at=local(2026, 10, 13, 12), fallback=False, hung_up_by="citizen",
            disposition="abandoned_ivr", disposition_reason=""))
    late = reports.produce(reports.period("daily", "2026-10-13"), "office-1")
    assert late.new and late.report.version == 2
    assert reports.view(OFFICE, "daily", "2026-10-13")["figures"]["calls_total"]["value"] == 7
    old = reports.view(OFFICE, "daily", "2026-10-13", version=1)
    assert old["sha256"] == first["sha256"] and old["figures"]["calls_total"]["value"] == 6
    versions = [(r["period"], r["version"]) for r in reports.listing(OFFICE, "daily")]
    assert ("2026-10-13", 2) in versions and ("2026-10-13", 1) in versions
    # Then 16:00 passes: today's report is due, and only it.
    reports.clock.now = local(2026, 10, 14, 16, 0)
    assert [(p.kind.value, p.name) for p in reports.due()] == [("daily", "2026-10-14")]


def test_a_unit_reads_its_own_sections_only(world):
    reports, ids, _svc = world
    mine = reports.view(WATER, "daily", "2026-10-13")
    assert set(mine) == set(UnitReport.__annotations__)
    assert set(mine["units"]) == {"u-water"} and mine["notable"] == []  # T4 is u-wuye's
    assert "figures" not in mine and "seats" not in mine and "clusters" not in mine
    text = str(mine)
    assert "u-wuye" not in text and "agent-7" not in text
    wuye = reports.view(WUYE_HEAD, "daily", "2026-10-13")
    assert set(wuye["units"]) == {"u-wuye"} and [n["ticket"] for n in wuye["notable"]] == [
        ids["t4"]]
    assert reports.view(OFFICE, "daily", "2026-10-13", unit="u-water") == mine
    with pytest.raises(Forbidden):
        reports.view(WUYE, "daily", "2026-10-13")        # staff, not the head
    with pytest.raises(Forbidden):
        reports.listing(AGENT)


def test_bad_periods_get_the_rule_and_open_periods_are_not_produced(world):
    reports, _, _svc = world
    with pytest.raises(ValidationFailed):
        reports.view(OFFICE, "daily", "2026-13-01")
    with pytest.raises(ValidationFailed):
        reports.view(OFFICE, "weekly", "2026-10")
    with pytest.raises(ValidationFailed):
        reports.view(OFFICE, "hourly", "2026-10-13")
    with pytest.raises(ValidationFailed):
        reports.view(OFFICE, "daily", "2026-10-15")  # ends tomorrow at 16:00


def test_the_files_pdf_with_chinese_glyphs_xlsx_equal_to_json_html_escaped(world, tmp_path):
    reports, _, _svc = world
    content = reports.view(OFFICE, "daily", "2026-10-13")
    page = render(content, "html").decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "按时办结率" in page and "<svg" in page
    assert "On-time completion rate" in render(content, "html", "en").decode()

    book = load_workbook(io.BytesIO(render(content, "xlsx")))
    sheet = {row[0]: row[2:] for row in book["figures"].iter_rows(min_row=2, values_only=True)}
    assert sheet == {k: (f["value"], f["numerator"], f["denominator"])
                     for k, f in content["figures"].items()}
    units = {(r[0], r[1]): r[3:] for r in book["units"].iter_rows(min_row=2, values_only=True)}
    assert units[("u-water", "on_time_rate")] == (0.0, 0, 1)
    assert len(units) == sum(len(f) for f in content["units"].values())

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render(content, "pdf"))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "CJK" in fonts  # a CJK font is embedded ...
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "日综述" in text and "按时办结率" in text and "集中反映" in text  # ... for these
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    ink = _ink(png)
    assert ink > 0.01, ink  # the page is not blank


def _ink(png) -> float:
    """The share of pixels that are not white, read with Python's own zlib (PNG, 8-bit RGB)."""
    import struct
    import zlib

    data = png.read_bytes()
    pos, chunks, width, height = 8, [], 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            assert body[8:10] == bytes([8, 2]), "8-bit RGB expected"
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * 3 + 1
    prev = bytearray(width * 3)
    dark = 0
    for y in range(height):
        line = bytearray(raw[y * stride + 1:(y + 1) * stride])
        ftype = raw[y * stride]
        for i in range(len(line)):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for i in range(0, len(line), 3) if min(line[i:i + 3]) < 200)
        prev = line
    return dark / (width * height)


async def test_the_api_serves_reports_by_suffix_and_accept_to_whom_it_may(world, tmp_path):
    reports, _, svc = world
    people = {"office": OFFICE, "agent": AGENT, "water": WATER, "wuye": WUYE_HEAD}
    path = tmp_path / "tokens.toml"
    keys = {name: tokens.add(path, v) for name, v in people.items()}
    api = api_of(svc, tokens.load(path), reports=reports)
    client = TestClient(TestServer(make_app(api)))
    await client.start_server()

    async def get(who, path, expect=200, **headers):
        r = await client.get(f"/api/v1{path}", headers={
            "Authorization": f"Bearer {keys[who]}", **headers})
        assert r.status == expect, (path, r.status, await r.text())
        return r

    try:
        r = await (await get("office", "/reports/daily/2026-10-13")).json()
        assert r["period"]["start"] == "2026-10-12T16:00:00+08:00" and r["version"] == 1
        assert r["figures"]["on_time_rate"] == {"value": 0.6667, "numerator": 2,
                                                "denominator": 3}
        pdf = await get("office", "/reports/daily/2026-10-13.pdf")
        assert pdf.content_type == "application/pdf" and (await pdf.read())[:5] == b"%PDF-"
        xlsx = await get("office", "/reports/daily/2026-10-13",
                         Accept="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
        assert (await xlsx.read())[:2] == b"PK"
        page = await get("office", "/reports/daily/2026-10-13.html?lang=en")
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        text = await page.text()
        assert "On-time completion rate" in text and "<script>" not in text
        listed = await (await get("office", "/reports?kind=daily")).json()
        assert [(i["period"], i["version"]) for i in listed["items"]] == [("2026-10-13", 1)]
        again = await client.post("/api/v1/reports/daily/2026-10-13/produce",
                                  headers={"Authorization": f"Bearer {keys['office']}"})
        assert again.status == 200 and (await again.json())["new"] is False
        mine = await (await get("water", "/reports/daily/2026-10-13")).json()
        assert set(mine["units"]) == {"u-water"} and "figures" not in mine
        await get("water", "/reports/daily/2026-10-13?unit=u-wuye", expect=403)
        await get("agent", "/reports/daily/2026-10-13", expect=403)
        await get("office", "/reports/daily/2026-10-13.docx", expect=422)
        await get("office", "/reports/daily/2026-10-13?lang=fr", expect=422)
        await get("office", "/reports/daily/2026-10-13?version=9", expect=404)
        refused = await client.post("/api/v1/reports/daily/2026-10-13/produce",
                                    headers={"Authorization": f"Bearer {keys['wuye']}"})
        assert refused.status == 403
    finally:
        await client.close()
