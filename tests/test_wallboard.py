"""Live numbers: the call figures' definitions and their SQL mirror select the same calls (on
SQLite and PostgreSQL); the line as the controller's events show it; the wallboard over the
store and the API."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of, caller
from sqlalchemy import insert
from tickets_support import Clock

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.domain.figures import PREDICATES, QUEUE_FIGURES, call_figures
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.services.errors import Forbidden
from callcenter.services.wallboard import Wallboard
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.figures_repo import FiguresRepo
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork
from callcenter.telephony.line_watch import LineWatch

LEADER = Viewer(Role.SUPERVISOR, "banzhang")
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
DISPOSITIONS = ("answered", "abandoned_queue", "abandoned_ivr", "failed", "in_progress",
                "message")


def every_kind_of_call() -> list[dict[str, object]]:
    """Calls with every combination that matters, each time before, at and after an edge."""
    rows, n = [], itertools.count(1)
    for disposition, joined, answered, wait in itertools.product(
            DISPOSITIONS, (None, NOW - timedelta(minutes=5)), (None, NOW - timedelta(minutes=4)),
            (None, 14.999, 15.0, 15.001)):
        i = next(n)
        rows.append({"linkedid": f"1796000000.{i}", "started_at": NOW - timedelta(minutes=6),
                     "queue": "hotline" if joined else None, "queue_joined_at": joined,
                     "answered_at": answered, "wait_s": wait, "disposition": disposition,
                     "hung_up_by": "citizen", "caller_number": "", "dialled_number": "",
                     "fallback": False, "disposition_reason": ""})
    return rows


def test_the_figures_and_their_sql_count_the_same_calls(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    rows = every_kind_of_call()
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(CallRow), rows)
    with UnitOfWork(engine, read_only=True) as uow:
        counted = FiguresRepo(uow.session).counts(NOW - timedelta(hours=1), NOW)
    engine.dispose()
    calls = [SimpleNamespace(**r) for r in rows]
    expected = {name: sum(1 for c in calls if PREDICATES[name](c)) for name in QUEUE_FIGURES}
    assert counted["*"] == expected
    assert all(0 < n < len(rows) for n in expected.values()), expected  # each rule bites
    figures = call_figures(expected)
    rate = figures["answer_rate"]
    assert (rate["numerator"], rate["denominator"]) == (expected["calls_answered"],
                                                        expected["calls_offered"])
    assert call_figures({})["answer_rate"] == {"value": None, "numerator": 0,
                                               "denominator": 0}


def ev(name: str, uid: str, at: float, **more: str) -> dict[str, str]:
    return {"Event": name, "Uniqueid": uid, "Linkedid": more.pop("Linkedid", uid),
            "Timestamp": f"{at:.6f}", **more}


def test_the_line_as_the_controllers_events_show_it():
    w = LineWatch()
    t = 1796000000.0
    assert w.on_event(ev("Newchannel", "1.1", t, Context="hotline-inbound"))
    assert w.on_event(ev("Newchannel", "1.2", t + 1, Context="hotline-inbound"))
    # A seat's leg and a unit's leg are not citizens.
    assert not w.on_event(ev("Newchannel", "1.3", t + 2, Linkedid="1.1", Context="x"))
    assert not w.on_event(ev("Newchannel", "1.1-unit1", t + 2, Context="hotline-conf-unit"))
    w.on_event(ev("QueueCallerJoin", "1.1", t + 5, Queue="hotline"))
    w.on_event(ev("QueueCallerJoin", "1.2", t + 6, Queue="hotline"))
    assert w.snapshot() == {"ivr": 0, "talking": 0, "waiting": [
        {"queue": "hotline", "since": t + 5}, {"queue": "hotline", "since": t + 6}]}
    w.on_event(ev("AgentConnect", "1.1", t + 9))
    w.on_event(ev("QueueCallerLeave", "1.1", t + 9))  # after the connect: still talking
    w.on_event(ev("QueueCallerAbandon", "1.2", t + 10))
    assert w.snapshot() == {"ivr": 1, "talking": 1, "waiting": []}
    w.on_event(ev("Hangup", "1.2", t + 11))
    # A resync: the controller came back; one citizen waiting 30 s, the other gone.
    w.on_event(ev("QueueEntry", "1.7", t + 60, Queue="hotline", Wait="30", ActionID="r1"))
    w.on_event(ev("CoreShowChannel", "1.7", t + 60, ActionID="r2"))
    assert w.on_event({"Event": "CoreShowChannelsComplete", "ActionID": "r2"})
    assert w.snapshot() == {"ivr": 0, "talking": 0,
                            "waiting": [{"queue": "hotline", "since": t + 30}]}


@pytest.fixture
def board(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    clock = Clock()
    clock.now = NOW
    desk = AgentDesk(UnitsOfWork(engine), ["8001", "8002"], clock)
    yield Wallboard(UnitsOfWork(engine), desk, clock)
    engine.dispose()


def test_the_wallboard_reads_the_controllers_line_and_the_store(board):
    empty = board.view(LEADER)
    assert empty["line_seen_s"] is None and empty["line"]["waiting"] == 0
    board.desk.act("8001", "login", LEADER, agent="zhang")
    board.desk.act("8001", "pause", LEADER, "meal")
    board.record_line({"ivr": 1, "talking": 2, "waiting": [
        {"queue": "hotline", "since": NOW.timestamp() - 40},
        {"queue": "hotline", "since": NOW.timestamp() - 12}]})
    board.clock.now = NOW + timedelta(seconds=3)
    seen = board.view(LEADER)
    assert seen["line_seen_s"] == 3.0
    assert seen["line"] == {"in_menu": 1, "talking": 2, "waiting": 2, "longest_wait_s": 43.0}
    assert seen["queues"]["hotline"]["waiting"] == 2
    assert seen["agents"]["by_state"] == {"paused": 1, "unmanaged": 1}
    assert seen["agents"]["paused_by_reason"] == {"meal": 1}
    assert seen["last_24h"]["answer_rate"]["denominator"] == 0
    with pytest.raises(Forbidden):
        board.view(Viewer(Role.UNIT, "w", "u-wuye"))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_wallboard_over_the_api(service, tmp_path):
    path = tmp_path / "tokens.toml"
    leader, unit = tokens.add(path, LEADER), tokens.add(path, Viewer(Role.UNIT, "w", "u-wuye"))
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path),
                                                     ["8001"]))))
    await client.start_server()
    try:
        call = caller(client)
        view = await call(leader, "GET", "/wallboard")
        assert set(view["last_24h"]) >= {"calls_offered", "answer_rate", "answered_within_15s"}
        await call(unit, "GET", "/wallboard", expect=403)
    finally:
        await client.close()
