"""Missed calls and their callbacks over a real store: the policy, one request per missed call,
asking again only after a callback did not get through, numbers masked; the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of, caller
from tickets_support import Clock

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.domain.callbacks import CallbackState, due_by_policy, leg_id, outcome
from callcenter.domain.calls import wire_text
from callcenter.domain.desk_calls import DeskCallError
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.services.call_log import CallLog
from callcenter.services.callbacks import Callbacks
from callcenter.services.errors import Forbidden, NotFound
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.call_facts import record_of

LEADER, ZHANG = Viewer(Role.SUPERVISOR, "banzhang"), Viewer(Role.AGENT, "zhang")
T0 = 1796000000.0


def store_call(engine, lid: str, caller: str, at: float, answered: bool = False) -> None:
    """A call as the controller stores it: hung up in the IVR, or answered at a seat."""
    base = {"Channel": "PJSIP/trunk-1", "CallerIDNum": caller, "Uniqueid": lid,
            "Linkedid": lid}
    events = [{"Event": "Newchannel", **base, "Timestamp": f"{at:.6f}"}]
    if answered:
        events.append({"Event": "AgentConnect", **base, "MemberName": "8001",
                       "Queue": "hotline", "Timestamp": f"{at + 5:.6f}"})
    else:
        events.append({"Event": "HangupRequest", **base, "Timestamp": f"{at + 3:.6f}"})
    events.append({"Event": "Hangup", **base, "Cause": "16", "Timestamp": f"{at + 9:.6f}"})
    CallLog(UnitsOfWork(engine), Path("/nonexistent"), "/r", record_of, measure_files=False).save(
        {lid: {wire_text(e): e for e in events}})


def test_the_policy_and_the_outcomes():
    missed = datetime(2026, 12, 2, 9, tzinfo=UTC)
    within = timedelta(minutes=30)
    assert due_by_policy(missed, missed + within, within, staffed=True)
    assert not due_by_policy(missed, missed + within + timedelta(seconds=1), within, True)
    assert not due_by_policy(missed, missed + timedelta(minutes=1), within, staffed=False)
    assert [outcome(s) for s in ("ANSWER", "NOANSWER", "BUSY", "CHANUNAVAIL", "")] == [
        CallbackState.ANSWERED, CallbackState.NO_ANSWER, CallbackState.BUSY,
        CallbackState.FAILED, CallbackState.FAILED]
    assert leg_id("1.2", 3) == "1.2-callback3"


@pytest.fixture
def callbacks(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    clock = Clock()
    clock.now = datetime.fromtimestamp(T0 + 600, UTC)  # ten minutes after the first call
    AgentDesk(UnitsOfWork(engine), ["8001", "8002"], clock).act("8001", "login", ZHANG)
    yield Callbacks(UnitsOfWork(engine), ["8001", "8002"], clock, timedelta(minutes=30))
    engine.dispose()


def test_one_request_per_missed_call_and_again_only_after_a_failure(callbacks):
    engine = callbacks.uow.engine
    store_call(engine, "1796000000.1", "13800138000", T0)
    store_call(engine, "1796000000.2", "13900139000", T0 + 10)
    store_call(engine, "1796000000.3", "13900139000", T0 + 100, answered=True)  # called again
    items = {i["call"]: i for i in callbacks.missed(LEADER)}
    assert set(items) == {"1796000000.1", "1796000000.2"}  # the answered call is not missed
    first = items["1796000000.1"]
    assert (first["number"], first["called_again"], first["due_by_policy"]) == (
        "138****8000", False, True)
    assert items["1796000000.2"]["called_again"] and not items["1796000000.2"]["due_by_policy"]
    with pytest.raises(DeskCallError, match=r"callbacks\.called_again"):
        callbacks.request("1796000000.2", "8001", LEADER)
    with pytest.raises(NotFound):
        callbacks.request("1796000000.3", "8001", LEADER)  # answered: not missed
    with pytest.raises(Forbidden):
        callbacks.request("1796000000.1", "8002", ZHANG)  # not zhang's seat
    with pytest.raises(Forbidden):
        callbacks.missed(Viewer(Role.UNIT, "w", "u-wuye"))

    asked = callbacks.request("1796000000.1", "8001", ZHANG)
    assert callbacks.request("1796000000.1", "8001", LEADER)["id"] == asked["id"]
    (taken,) = callbacks.take()
    assert (taken.number, taken.channel_id) == ("13800138000", "1796000000.1-callback1")
    assert callbacks.take() == []
    # Under way: asking again changes nothing.
    assert callbacks.request("1796000000.1", "8001", LEADER)["state"] == "placing"
    assert callbacks.write(taken.channel_id, CallbackState.NO_ANSWER, "citizen: NOANSWER")
    retried = callbacks.request("1796000000.1", "8002", LEADER)
    assert (retried["id"], retried["state"], retried["attempt"]) == (asked["id"], "pending", 2)
    # A late word about the first attempt changes nothing now.
    assert not callbacks.write(taken.channel_id, CallbackState.ANSWERED)
    (second,) = callbacks.take()
    assert second.channel_id == "1796000000.1-callback2" and second.seat == "8002"
    callbacks.write(second.channel_id, CallbackState.ANSWERED, "citizen: ANSWER")
    done = callbacks.request("1796000000.1", "8001", LEADER)
    assert (done["state"], done["attempt"]) == ("answered", 2)
    # A controller that stopped while placing: failed at its next start, not left.
    store_call(engine, "1796000000.4", "13700137000", T0 + 200)
    callbacks.request("1796000000.4", "8001", LEADER)
    callbacks.take()
    assert callbacks.abandon_placing() == 1
    assert callbacks.missed(LEADER)[0]["callback"]["state"] == "failed"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_missed_calls_and_callbacks_over_the_api(callbacks, service, tmp_path):
    store_call(callbacks.uow.engine, "1796000000.1", "13800138000", T0)
    path = tmp_path / "tokens.toml"
    leader = tokens.add(path, LEADER)
    unit = tokens.add(path, Viewer(Role.UNIT, "w", "u-wuye"))
    api = api_of(service, tokens.load(path), ["8001"], callbacks=callbacks)
    client = TestClient(TestServer(make_app(api)))
    await client.start_server()
    try:
        call = caller(client, "/api/v1/desk")

        (item,) = (await call(leader, "GET", "/missed"))["items"]
        assert item["number"] == "138****8000"
        cb = await call(leader, "POST", "/missed/1796000000.1/callback", {"seat": "8001"}, 202)
        assert (await call(leader, "POST", "/missed/1796000000.1/callback", {"seat": "8001"},
                           202))["id"] == cb["id"]
        assert (await call(leader, "GET", f"/callbacks/{cb['id']}"))["state"] == "pending"
        await call(leader, "POST", "/missed/1796000000.1/callback", {}, 422)
        await call(leader, "POST", "/missed/no-such/callback", {"seat": "8001"}, 404)
        await call(leader, "POST", "/missed/1.9/callback", {"seat": "8001"}, 404)
        await call(unit, "GET", "/missed", expect=403)
    finally:
        await client.close()


def test_the_policy_gives_due_missed_calls_to_ready_idle_seats(callbacks):
    engine = callbacks.uow.engine
    desk = AgentDesk(UnitsOfWork(engine), ["8001", "8002"], callbacks.clock)
    desk.act("8002", "login", LEADER, agent="li")
    desk.act("8002", "pause", LEADER, "meal")
    store_call(engine, "1796000000.1", "13800138000", T0 - 3600)  # too old for the policy
    store_call(engine, "1796000000.2", "13800138001", T0)
    store_call(engine, "1796000000.3", "13800138002", T0 + 60)
    store_call(engine, "1796000000.4", "13800138003", T0 + 90)
    store_call(engine, "1796000000.5", "13800138003", T0 + 120, answered=True)  # called again
    night = Callbacks(UnitsOfWork(engine), ["8001", "8002"], callbacks.clock, timedelta(minutes=30),
                      staffed=lambda: False)
    assert night.place_due() == []
    # One ready seat (8002 is paused): the longest-waiting due call, once.
    assert callbacks.place_due() == ["1796000000.2"]
    assert callbacks.place_due() == []  # 8001 has a callback under way
    (taken,) = callbacks.take()
    assert (taken.seat, taken.requested_by) == ("8001", "system:policy")
    callbacks.write(taken.channel_id, CallbackState.ANSWERED, "citizen: ANSWER")
    assert callbacks.place_due() == ["1796000000.3"]


def test_the_survey_answers_make_a_callback():
    from callcenter.domain.survey import Answers

    a = Answers(("1", "5", "4", "3"))
    assert a.complete()
    cb = a.callback()
    assert (cb.reached, cb.solved, cb.attitude, cb.speed, cb.result) == (True, True, 5, 4, 3)
    assert cb.satisfied and not cb.reopens
    assert not Answers(("3", "5", "4", "3")).complete()  # 3 is no answer to "solved?"
    assert not Answers(("1", "5", "4")).complete()
    assert Answers(("2", "1", "1", "1")).callback().reopens


def test_a_satisfaction_callback_is_for_a_closed_ticket_from_a_call(service):
    from tickets_support import AGENT, FORM, OFFICE, REPLY, UNITS, WUYE

    from callcenter.domain.tickets import (
        AcceptReply,
        Dispatch,
        LogContact,
        StartWork,
        SubmitReply,
    )

    service.units.replace(list(UNITS), [])
    store_call(service.uow.engine, "1796000000.1", FORM.reporter_phone, T0)
    callbacks = Callbacks(service.uow, ["8001"], service.clock)
    bare = service.register(FORM, AGENT)
    tid = service.register(FORM, AGENT, "1796000000.1")
    with pytest.raises(DeskCallError, match=r"callbacks\.not_closed"):
        callbacks.request_survey(tid, LEADER)
    for t in (bare, tid):
        service.command(t, Dispatch("u-wuye"), AGENT)
        service.command(t, LogContact("电话联系"), WUYE)
        service.command(t, StartWork(), WUYE)
        service.command(t, SubmitReply(REPLY), WUYE)
        service.command(t, AcceptReply(), OFFICE)
    with pytest.raises(DeskCallError, match=r"callbacks\.no_call"):
        callbacks.request_survey(bare, LEADER)
    with pytest.raises(NotFound):
        callbacks.request_survey(10**6, LEADER)
    asked = callbacks.request_survey(tid, LEADER)
    assert callbacks.request_survey(tid, LEADER, "8001")["id"] == asked["id"]  # once
    (taken,) = callbacks.take()
    assert (taken.kind, taken.ticket_id, taken.seat, taken.number) == (
        "satisfaction", tid, "", FORM.reporter_phone)
    assert taken.channel_id == "1796000000.1-callback1"
