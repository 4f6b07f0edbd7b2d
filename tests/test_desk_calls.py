"""Three-way calls from the desk: the rules of a request, the requests over a real store and the
API, and the record of the parties dialled into a call (folded from facts)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of, caller
from tickets_support import Clock

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.domain.calls import (
    CallFact,
    Fact,
    HungUpBy,
    PartyOutcome,
    What,
    build_record,
    call_of_leg,
    party_leg_id,
)
from callcenter.domain.desk_calls import (
    DeskCallError,
    RequestState,
    check_request,
    dialled_form,
    numbers_to_try,
)
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.units import Unit
from callcenter.services.agents import AgentDesk
from callcenter.services.desk_calls import DeskCalls
from callcenter.services.errors import Forbidden, NotFound
from callcenter.services.units import UnitsDirectory
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.call_facts import call_of, fact_of

ZHANG, LI = Viewer(Role.AGENT, "zhang"), Viewer(Role.AGENT, "li")
LEADER = Viewer(Role.SUPERVISOR, "banzhang")
LID = "1796000000.1"
UNITS = [Unit("hexie", "和谐物业", phone="024-2222 1111", duty_phone="(139)0000-0001"),
         Unit("mute", "无电话单位"), Unit("odd", "号码不明", phone="找王经理")]


def test_numbers_are_dialled_as_digits_phone_first():
    assert dialled_form("024-2222 1111") == "02422221111"
    assert dialled_form("+86 (24) 2222-1111") == "+862422221111"
    for bad in ("找王经理", "12", "024;drop", "1" * 21, "sip:evil@x", ""):
        assert dialled_form(bad) is None, bad
    assert numbers_to_try("024-2222 1111", "13900000001") == ["02422221111", "13900000001"]
    assert numbers_to_try("13900000001", "139 0000 0001") == ["13900000001"]  # once
    assert numbers_to_try("", "找王经理") == []


def test_a_request_names_the_rule_it_breaks():
    check_request("conference", "hexie", ["02422221111"])
    check_request("leave", "", None)
    check_request("transfer", "seat:8002", None, ("8001", "8002"), "8001")
    check_request("transfer", "queue", None)
    check_request("transfer", "unit:hexie", ["110"])
    check_request("listen", "8002:barge", None, ("8001", "8002"), "8001")
    check_request("listen", "8002", None, ("8001", "8002"), "8001")
    check_request("consult", "seat:8002", None, ("8001", "8002"), "8001")
    check_request("complete", "", None)
    for command, target, rule in (("consult", "seat:8001", "consult.seat"),
                                  ("consult", "unit:x", "consult.seat"),
                                  ("cancel", "8002", "cancel.target")):
        with pytest.raises(DeskCallError) as refused:
            check_request(command, target, None, ("8001", "8002"), "8001")
        assert refused.value.rule == rule
    for target, rule in (("8001", "listen.seat"), ("9999", "listen.seat"),
                         ("8002:shout", "listen.mode")):
        with pytest.raises(DeskCallError) as refused:
            check_request("listen", target, None, ("8001", "8002"), "8001")
        assert refused.value.rule == rule
    cases: list[tuple[tuple[str, str, list[str] | None], str]] = [
        (("conference", "nobody", None), "conference.unit"),
        (("conference", "mute", []), "conference.unit_phone"),
        (("leave", "hexie", None), "leave.target"),
        (("transfer", "8002", None), "transfer.target"),
        (("transfer", "queue:x", None), "transfer.target"),
        (("transfer", "seat:9999", None), "transfer.seat"),
        (("transfer", "unit:nobody", None), "transfer.unit"),
        (("transfer", "unit:mute", []), "transfer.unit_phone"),
        (("hold", "", None), "desk.command")]
    for args, rule in cases:
        with pytest.raises(DeskCallError) as caught:
            check_request(*args)
        assert caught.value.rule == rule


def test_a_party_leg_belongs_to_its_call_whatever_its_linkedid():
    uid = party_leg_id(LID, "unit2")
    assert call_of_leg(uid) == (LID, "unit2")
    for other in (LID, "1796000000.1-unit0", "1796000000.1-unit10", "x-unit1",
                  "1796000000.1-unit1\n", "1796000000.1-seat1"):
        assert call_of_leg(other) is None, other
    # Before it joins the conference Asterisk gives the leg its own Linkedid.
    assert call_of({"Uniqueid": uid, "Linkedid": uid}) == LID
    assert call_of({"Uniqueid": "1796000000.7", "Linkedid": LID}) == LID


def _f(at: float, what: What, uid: str = LID, **values: str) -> CallFact:
    return CallFact(at, what, uid, tuple(sorted(values.items())))


def test_the_record_names_each_party_dialled_and_how_it_went():
    seat_leg, unit1, unit2 = "1796000000.2", party_leg_id(LID, "unit1"), \
        party_leg_id(LID, "unit2")
    facts = [
        _f(0.0, What.CHANNEL_START, channel="PJSIP/trunk-1", caller="13800138000"),
        _f(4.0, What.QUEUE_JOIN, queue="hotline"),
        _f(5.0, What.CHANNEL_START, seat_leg, channel="PJSIP/seat8001-1", seat="8001"),
        _f(6.0, What.AGENT_CONNECT, queue="hotline", seat="8001"),
        # Moved into the conference: the queue says the agent's call is complete.
        _f(10.0, What.AGENT_COMPLETE, by=HungUpBy.SEAT.value),
        _f(10.1, What.CONF_JOIN),
        _f(10.2, What.DIALPLAN, unit1, fact=Fact.PARTY, Leg="unit1", Unit="hexie",
           Number="02422221111"),
        _f(10.3, What.CHANNEL_START, unit1, channel="PJSIP/pstn-3"),
        _f(12.0, What.CHANNEL_END, unit1, channel="PJSIP/pstn-3", cause="17"),
        _f(12.1, What.DIALPLAN, unit2, fact=Fact.PARTY, Leg="unit2", Unit="hexie",
           Number="13900000001"),
        _f(12.2, What.CHANNEL_START, unit2, channel="PJSIP/pstn-4"),
        _f(15.0, What.CONF_JOIN, unit2),
        _f(20.0, What.CHANNEL_END, seat_leg, channel="PJSIP/seat8001-1", seat="8001",
           cause="16"),
        _f(40.0, What.HANGUP_REQUEST),
        _f(40.0, What.CHANNEL_END, channel="PJSIP/trunk-1", cause="16"),
        _f(40.1, What.CHANNEL_END, unit2, channel="PJSIP/pstn-4", cause="16"),
    ]
    r = build_record(LID, reversed(facts))
    assert [(p.leg, p.number, p.outcome) for p in r.parties] == [
        ("unit1", "02422221111", PartyOutcome.BUSY),
        ("unit2", "13900000001", PartyOutcome.ANSWERED)]
    assert r.parties[1].talk_s == 25.1 and r.parties[0].answered_at is None
    # The conversation ran until the citizen hung up, not until the move.
    assert (r.talk_s, r.hung_up_by) == (34.0, HungUpBy.CITIZEN)
    assert sorted(g.role for g in r.legs) == ["citizen", "seat", "unit", "unit"]
    # Still ringing when stored.
    ringing = build_record(LID, facts[:8])
    assert ringing.parties[0].outcome is PartyOutcome.DIALLING


def test_confbridge_join_is_a_fact_of_the_leg():
    uid = party_leg_id(LID, "unit1")
    f = fact_of({"Event": "ConfbridgeJoin", "Conference": LID, "Uniqueid": uid,
                 "Linkedid": LID, "Timestamp": "1796000010.5"})
    assert f is not None and (f.what, f.uniqueid, f.at) == (What.CONF_JOIN, uid, 1796000010.5)


@pytest.fixture
def calls(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    UnitsDirectory(UnitsOfWork(engine)).replace(UNITS, [])
    desk = AgentDesk(UnitsOfWork(engine), ["8001", "8002"], Clock())
    desk.act("8001", "login", ZHANG)
    yield DeskCalls(UnitsOfWork(engine), ["8001", "8002"], Clock())
    engine.dispose()


def test_requests_are_stored_for_the_controller_and_written_back(calls):
    asked = calls.request("8001", "conference", "hexie", ZHANG)
    assert (asked["state"], asked["actor"], asked["call"]) == ("pending", "agent:zhang", None)
    with pytest.raises(Forbidden):
        calls.request("8001", "leave", "", LI)  # not li's seat
    with pytest.raises(Forbidden):
        calls.request("8002", "leave", "", ZHANG)  # nobody's: not zhang's either
    with pytest.raises(NotFound):
        calls.request("9999", "leave", "", LEADER)
    with pytest.raises(Forbidden):
        calls.request("8001", "leave", "", Viewer(Role.UNIT, "w", "hexie"))
    for unit, rule in (("nobody", "conference.unit"), ("mute", "conference.unit_phone"),
                       ("odd", "conference.unit_phone")):
        with pytest.raises(DeskCallError) as caught:
            calls.request("8001", "conference", unit, LEADER)
        assert caught.value.rule == rule
    # The controller takes each pending request once, works on it and writes back.
    (taken,) = calls.take()
    assert (taken.id, taken.state, taken.target) == (asked["id"], RequestState.WORKING, "hexie")
    assert calls.take() == []
    assert calls.numbers("hexie") == ["02422221111", "13900000001"]
    calls.write(taken.id, RequestState.DONE, "connected", LID)
    got = calls.get(asked["id"], LEADER)
    assert (got["state"], got["detail"], got["call"]) == ("done", "connected", LID)
    # A controller stopped half way: its request is failed at the next start, not left.
    calls.request("8001", "leave", "", LEADER)
    (half,) = calls.take()
    assert calls.abandon_working() == 1
    assert calls.get(half.id, LEADER)["detail"].startswith("line.restarted")
    with pytest.raises(NotFound):
        calls.get(10**9, LEADER)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_conference_over_the_api_is_accepted_and_followed(service, tmp_path):
    service.units.replace(UNITS, [])
    path = tmp_path / "tokens.toml"
    zhang = tokens.add(path, ZHANG)
    office, unit = tokens.add(path, LEADER), tokens.add(path, Viewer(Role.UNIT, "w", "hexie"))
    api = api_of(service, tokens.load(path), ["8001", "8002"])
    api.desk.act("8001", "login", ZHANG)
    client = TestClient(TestServer(make_app(api)))
    await client.start_server()

    call = caller(client, "/api/v1/desk")

    try:
        asked = await call(zhang, "POST", "/seats/8001/conference", {"unit": "hexie"}, 202)
        assert asked["state"] == "pending"
        followed = await call(office, "GET", f"/requests/{asked['id']}")
        assert followed["command"] == "conference" and followed["target"] == "hexie"
        refused = await call(zhang, "POST", "/seats/8001/conference", {"unit": "nobody"}, 409)
        assert refused["rule"] == "conference.unit"
        await call(zhang, "POST", "/seats/8001/conference", {}, 422)
        await call(zhang, "POST", "/seats/8001/conference", {"unit": ["x"]}, 422)
        await call(zhang, "POST", "/seats/8002/leave", {}, 403)
        await call(unit, "GET", f"/requests/{asked['id']}", expect=403)
        await call(office, "GET", "/requests/999999", expect=404)
        assert (await call(zhang, "POST", "/seats/8001/leave", {}, 202))["command"] == "leave"
        await call(zhang, "GET", "/seats/8001/pop", expect=404)  # no call at the seat now
        moved = await call(zhang, "POST", "/seats/8001/transfer", {"target": "seat:8002"}, 202)
        assert moved["target"] == "seat:8002"
        assert (await call(zhang, "POST", "/seats/8001/transfer", {"target": "seat:8001"},
                           409))["rule"] == "transfer.seat"
        await call(zhang, "POST", "/seats/8001/transfer", {}, 422)
        await call(zhang, "POST", "/seats/8001/listen", {"target": "8002"}, 403)  # agents
        heard = await call(office, "POST", "/seats/8001/listen", {"target": "8002:whisper"},
                           202)
        assert heard["command"] == "listen"
        assert (await call(office, "GET", "/listening"))["items"] == []
        await call(zhang, "GET", "/listening", expect=403)
    finally:
        await client.close()


def test_the_cli_waits_for_the_line_and_names_the_rule(tmp_path, monkeypatch, capsys):
    """No controller runs: the request stays pending and the CLI says so in one line."""
    from callcenter import cli

    home = tmp_path
    (home / "config").mkdir()
    (home / "config" / "hotline.toml").write_text(
        '[store]\nurl = "sqlite:///desk.db"\n[[seats]]\nid = "8001"\nname = "一号席"\n'
        'sandbox_port = 5071\n', encoding="utf-8")
    monkeypatch.setenv("CALLCENTER_HOME", str(home))
    monkeypatch.delenv("CALLCENTER_DB_URL", raising=False)
    engine = make_engine(f"sqlite:///{home / 'desk.db'}")
    migrate(engine)
    UnitsDirectory(UnitsOfWork(engine)).replace(UNITS, [])
    engine.dispose()
    rc = cli.main(["desk", "8001", "conference", "hexie", "--wait", "0.5"])
    err = capsys.readouterr().err
    assert rc == 1 and err.strip().splitlines()[-1].startswith("refused: desk.no_controller")
    rc = cli.main(["desk", "8001", "conference", "nobody"])
    err = capsys.readouterr().err
    assert rc == 2 and err.strip() == ("refused: conference.unit: no unit 'nobody' in the "
                                       "directory")


def test_a_unit_sees_its_own_conference_legs_without_the_call(service):
    from dataclasses import replace

    from tickets_support import FORM

    from callcenter.domain.calls import Party
    from callcenter.services.ticket_views import ticket_view
    from callcenter.storage.tickets_repo import TicketsRepo
    from callcenter.storage.uow import UnitOfWork

    tid = service.register(FORM, LEADER)
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        stored = TicketsRepo(uow.session).get(tid)
    at = service.clock()
    legs = tuple((LID, Party(f"unit{n}", party_leg_id(LID, f"unit{n}"), unit, "110", at, at,
                             at, PartyOutcome.ANSWERED))
                 for n, unit in ((1, "u-wuye"), (2, "u-water")))
    stored = replace(stored, parties=legs)
    hotline = ticket_view(stored, LEADER, at, service.ctx)["conference_legs"]
    assert [(g["call"], g["unit"]) for g in hotline] == [(LID, "u-wuye"), (LID, "u-water")]
    unit = ticket_view(stored, Viewer(Role.UNIT, "w", "u-water"), at, service.ctx)
    assert [(g["call"], g["unit"]) for g in unit["conference_legs"]] == [(None, "u-water")]


def test_the_screen_pop_of_the_call_at_a_seat(service):
    from pathlib import Path

    from tickets_support import FORM

    from callcenter.domain.calls import wire_text
    from callcenter.services.call_log import CallLog
    from callcenter.services.screen_pop import ScreenPop
    from callcenter.telephony.call_facts import record_of

    def store(lid: str, at: float, events: list[dict[str, str]]) -> None:
        base = {"Channel": "PJSIP/trunk-1", "CallerIDNum": FORM.reporter_phone,
                "Uniqueid": lid, "Linkedid": lid}
        trail = [{"Event": "Newchannel", **base, "Timestamp": f"{at:.6f}"},
                 *({**base, **e} for e in events)]
        CallLog(service.uow, Path("/nonexistent"), "/r", record_of,
                measure_files=False).save({lid: {wire_text(e): e for e in trail}})

    t0 = 1796000000.0
    store("1796000000.1", t0, [{"Event": "Hangup", "Cause": "16", "Timestamp": f"{t0 + 5}"}])
    # The call now: answered at 8001 after the menu's 2 (a complaint), not over yet.
    store("1796000100.1", t0 + 100, [
        {"Event": "UserEvent", "UserEvent": "CallCenter", "Fact": "ivr", "Choice": "2",
         "Timestamp": f"{t0 + 104}"},
        {"Event": "AgentConnect", "MemberName": "8001", "Queue": "hotline",
         "Timestamp": f"{t0 + 110}"}])
    tid = service.register(FORM, LEADER)
    pop = ScreenPop(service.uow, service.rules, ["8001", "8002"], service.clock)
    seen = pop.pop("8001", LEADER)
    assert (seen["call"], seen["ivr_choice"], seen["ivr_meaning"]) == (
        "1796000100.1", "2", "complaint_report")
    assert seen["number"] == "138****5678" and FORM.reporter_phone not in str(
        {k: v for k, v in seen.items() if k != "form"})
    assert [c["call"] for c in seen["earlier_calls"]] == ["1796000000.1"]
    (ticket,) = seen["open_tickets"]
    assert (ticket["id"], ticket["repeats"]) == (tid, 1)
    assert seen["form"] == {"channel": "phone", "reporter_phone": FORM.reporter_phone,
                            "anonymous": False, "kind": "complaint", "call": "1796000100.1"}
    with pytest.raises(NotFound):
        pop.pop("8002", LEADER)  # no call there
    with pytest.raises(Forbidden):
        pop.pop("8001", ZHANG)   # not logged in there
    with pytest.raises(Forbidden):
        pop.pop("8001", Viewer(Role.UNIT, "w", "u-wuye"))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_live_event_stream_is_filtered_per_viewer(service, tmp_path):
    import asyncio
    import json
    from pathlib import Path

    from callcenter.domain.calls import wire_text
    from callcenter.services.call_log import CallLog
    from callcenter.telephony.call_facts import record_of

    path = tmp_path / "tokens.toml"
    zhang, li = tokens.add(path, ZHANG), tokens.add(path, LI)
    unit = tokens.add(path, Viewer(Role.UNIT, "w", "u-wuye"))
    api = api_of(service, tokens.TokenFile(path), ["8001", "8002"])
    api.events_every = 0.05
    client = TestClient(TestServer(make_app(api)))
    await client.start_server()

    async def stream(token: str):
        r = await client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        return r

    async def next_event(r) -> tuple[str, Any]:
        name = ""
        while True:
            line = (await asyncio.wait_for(r.content.readline(), 5)).decode().rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                return name, json.loads(line.removeprefix("data: "))

    try:
        assert (await stream(unit)).status == 403
        mine, theirs = await stream(zhang), await stream(li)
        assert mine.headers["Content-Type"] == "text/event-stream"
        assert (await next_event(mine))[0] == "agents"
        assert (await next_event(theirs))[0] == "agents"
        api.desk.act("8001", "login", ZHANG)
        name, data = await next_event(mine)
        assert name == "agents" and data["items"][0]["agent"] == "zhang"
        assert (await next_event(theirs))[0] == "agents"  # colleagues' states: everyone
        # A call answered at zhang's seat: a screen pop for zhang, nothing for li.
        lid, t0 = "1796000100.1", 1796000100.0
        base = {"Channel": "PJSIP/trunk-1", "CallerIDNum": "13800138000", "Uniqueid": lid,
                "Linkedid": lid}
        trail = [{"Event": "Newchannel", **base, "Timestamp": f"{t0:.6f}"},
                 {"Event": "AgentConnect", **base, "MemberName": "8001", "Queue": "hotline",
                  "Timestamp": f"{t0 + 9:.6f}"}]
        CallLog(service.uow, Path("/x"), "/r", record_of, measure_files=False).save(
            {lid: {wire_text(e): e for e in trail}})
        name, data = await next_event(mine)
        assert name == "screen_pop" and data["call"] == lid and data["number"] == "138****8000"
        api.desk_calls.request("8001", "leave", "", ZHANG)
        assert (await next_event(mine))[0] == "desk_request"
        # li saw neither: the next thing li hears is li's own login.
        api.desk.act("8002", "login", LI)
        assert (await next_event(theirs))[0] == "agents"
        # zhang's token revoked: the stream says so and ends.
        tokens.revoke(path, "zhang")
        name, _ = await next_event(mine)
        assert name in ("revoked", "agents")
        while name != "revoked":
            name, _ = await next_event(mine)
        assert (await asyncio.wait_for(mine.content.read(), 5)).strip() == b""  # ended
        mine.close()
        theirs.close()
    finally:
        await client.close()
