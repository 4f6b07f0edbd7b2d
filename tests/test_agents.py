"""Agents at seats: the rules of a status change, and the desk over a real store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeAgents, FakeUnitsOfWork
from sqlalchemy import delete, select
from tickets_support import Clock

from callcenter.domain.agents import AgentError, AgentState, AgentStatus, agent_at, change
from callcenter.domain.calls import CallRecord, Disposition, HungUpBy, Ring
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.services.errors import Forbidden, NotFound
from callcenter.storage.agent_tables import AgentStatusRow
from callcenter.storage.agents_repo import AgentsRepo
from callcenter.storage.calls_repo import CallsRepo
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import RingRow
from callcenter.storage.uow import UnitOfWork

T0 = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
HOUR = timedelta(hours=1)
ZHANG, LI = Viewer(Role.AGENT, "zhang"), Viewer(Role.AGENT, "li")
LEADER = Viewer(Role.SUPERVISOR, "banzhang")


def test_a_seat_goes_from_login_to_ready_paused_and_out():
    s = change(None, "8001", "login", "zhang", "", T0, {})
    assert (s.agent, s.state, s.since) == ("zhang", AgentState.READY, T0)
    p = change(s, "8001", "pause", "", "meal", T0 + timedelta(minutes=1), {})
    assert (p.state, p.reason, p.agent) == (AgentState.PAUSED, "meal", "zhang")
    out = change(p, "8001", "logout", "", "", T0 + timedelta(minutes=2), {})
    assert (out.state, out.agent) == (AgentState.LOGGED_OUT, "")
    with pytest.raises(AgentError, match="nobody is logged in"):
        change(out, "8001", "ready", "", "", T0, {})
    with pytest.raises(AgentError, match="reason 'nap'"):
        change(s, "8001", "pause", "", "nap", T0, {})
    with pytest.raises(AgentError, match="already has zhang"):
        change(s, "8001", "login", "li", "", T0, {})
    with pytest.raises(AgentError, match="zhang is logged in at seat 8001"):
        change(None, "8002", "login", "zhang", "", T0, {"8001": s})


@pytest.fixture
def desk():
    """The desk over the in-memory unit of work (tests/fakes.py): the use case's rules.
    test_the_fake_agents_repository_answers_as_the_store_does holds the fake to the SQL."""
    return AgentDesk(FakeUnitsOfWork(), ["8001", "8002"], Clock())


def test_the_fake_agents_repository_answers_as_the_store_does(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    fake = FakeAgents()
    steps = [("8001", "login", "zhang", ""), ("8002", "login", "li", ""),
             ("8001", "pause", "", "meal"), ("8001", "ready", "", ""),
             ("8002", "logout", "", ""), ("8001", "logout", "", ""),
             ("8002", "login", "zhang", "")]
    current: dict[str, AgentStatus] = {}
    seen = []
    for i, (seat, command, agent, reason) in enumerate(steps):
        status = change(current.get(seat), seat, command, agent, reason, T0 + i * HOUR, current)
        current[seat] = status
        with UnitOfWork(engine) as uow:
            uow.agents.add(status, f"agent:{i}")
        fake.add(status, f"agent:{i}")
        with UnitOfWork(engine, read_only=True) as uow:
            real = uow.agents
            assert real.current() == fake.current()
            seen.append(real.generation())
            for s_ in ("8001", "8002", "8009"):
                assert real.history(s_, 3) == fake.history(s_, 3)
                for at in (T0 - HOUR, T0 + i * HOUR, T0 + i * HOUR + HOUR / 2):
                    assert real.agent_at(s_, at) == fake.agent_at(s_, at)
    assert seen == sorted(set(seen))  # every change moves the generation on
    engine.dispose()


def test_the_desk_keeps_each_change_and_lets_agents_act_on_their_own_seat(desk):
    clock = desk.clock
    assert desk.act("8001", "login", ZHANG, agent="li")["agent"] == "zhang"  # as themselves
    with pytest.raises(Forbidden, match="not yours"):
        desk.act("8001", "pause", LI, "meal")
    clock.advance(minutes=5)
    desk.act("8001", "pause", ZHANG, "training")
    desk.act("8002", "login", LEADER, agent="li")  # the supervisor logs li in
    with pytest.raises(NotFound):
        desk.act("9999", "login", LEADER, agent="wang")
    with pytest.raises(Forbidden):
        desk.statuses(Viewer(Role.UNIT, "x", "u-wuye"))
    clock.advance(minutes=2)
    seats = {s["seat"]: s for s in desk.statuses(LEADER)}
    assert (seats["8001"]["state"], seats["8001"]["reason"], seats["8001"]["seconds"]) == (
        "paused", "training", 120.0)
    assert (seats["8002"]["agent"], seats["8002"]["state"]) == ("li", "ready")
    before = desk.generation()
    desk.act("8002", "logout", LI)
    assert desk.generation() > before and desk.current()["8002"].agent == ""


def test_after_call_work_begins_only_at_a_ready_seat_and_ends_after_its_span():
    from callcenter.domain.agents import after_call_over
    from callcenter.domain.agents import system_pause_applies as after_call_begins

    ready = change(None, "8001", "login", "zhang", "", T0, {})
    work = change(ready, "8001", "pause", "", "after_call", T0, {})
    meal = change(ready, "8001", "pause", "", "meal", T0, {})
    assert after_call_begins(ready) and not after_call_begins(meal)
    assert not after_call_begins(None)  # a seat nobody logged in at is not managed
    span = timedelta(seconds=10)
    assert not after_call_over(work, T0 + timedelta(seconds=9.9), span)
    assert after_call_over(work, T0 + span, span)
    assert not after_call_over(meal, T0 + timedelta(hours=1), span)  # a meal is the agent's


def test_after_call_work_at_the_desk(desk):
    clock = desk.clock
    desk.act("8001", "login", LEADER, agent="zhang")
    assert desk.begin_after_call("8001") and not desk.begin_after_call("8002")
    assert not desk.begin_after_call("8001")  # already in after-call work
    clock.advance(seconds=5)
    assert desk.end_after_call(timedelta(seconds=10)) == []
    clock.advance(seconds=5)
    assert desk.end_after_call(timedelta(seconds=10)) == ["8001"]
    history = desk.history("8001", LEADER)
    assert [(h["state"], h["actor"], h["seconds"]) for h in history] == [
        ("ready", "system:after_call", 0.0), ("paused", "system:after_call", 10.0),
        ("ready", "supervisor:banzhang", 0.0)]


def test_who_was_at_a_seat_when_it_rang_the_rule_and_its_sql_agree(store_url):
    """domain/agents.agent_at and AgentsRepo.agent_at, at every edge of a seat's history
    (before any change, at a change, paused, after a logout, another agent later), and the
    rings a call log stores carry that agent."""
    history = [change(None, "8001", "login", "zhang", "", T0, {})]
    for minutes, command, agent, reason in ((5, "pause", "", "meal"), (9, "ready", "", ""),
                                             (20, "logout", "", ""), (30, "login", "li", "")):
        history.append(change(history[-1], "8001", command, agent, reason,
                              T0 + timedelta(minutes=minutes), {}))
    engine = make_engine(store_url)
    migrate(engine)
    with UnitOfWork(engine) as uow:
        repo = AgentsRepo(uow.session)
        for st in history:
            repo.add(st, "test")
    probes = [T0 - timedelta(seconds=1), T0, T0 + timedelta(minutes=5, seconds=30),
              T0 + timedelta(minutes=19), T0 + timedelta(minutes=20),
              T0 + timedelta(minutes=29, seconds=59), T0 + timedelta(minutes=30),
              T0 + timedelta(days=400)]
    expected = ["", "zhang", "zhang", "zhang", "", "", "li", "li"]
    assert [agent_at(history, t) for t in probes] == expected
    with UnitOfWork(engine, read_only=True) as uow:
        repo = AgentsRepo(uow.session)
        assert [repo.agent_at("8001", t) for t in probes] == expected
        assert repo.agent_at("8002", T0) == ""
    # A call rang 8001 while zhang was there and again once li had logged in.
    rings = (Ring("8001", T0 + timedelta(minutes=1), False),
             Ring("8001", T0 + timedelta(minutes=31), True))
    record = CallRecord("1796000000.1", "13800138000", "12345", T0, T0 + HOUR, None, "queue",
                        False, "hotline", T0, 60.0, "8001", T0 + timedelta(minutes=31), 60.0,
                        HungUpBy.CITIZEN, Disposition.ANSWERED, "", None, rings=rings)
    with UnitOfWork(engine) as uow:
        calls = CallsRepo(uow.session)
        ids = calls.insert_calls([record])
        calls.replace_legs([record], ids, [])
    with UnitOfWork(engine, read_only=True) as uow:
        stored = uow.session.execute(select(RingRow.rung_at, RingRow.agent, RingRow.answered)
                                     .order_by(RingRow.rung_at)).all()
    assert [(a, picked) for _, a, picked in stored] == [("zhang", False), ("li", True)]
    # Saved again (a call is saved several times), a stored ring keeps its agent without
    # asking the statuses again; a new ring asks them.
    later = replace(record, rings=(*rings, Ring("8001", T0 + timedelta(minutes=40), False)))
    with UnitOfWork(engine) as uow:
        uow.session.execute(delete(AgentStatusRow).where(AgentStatusRow.since < T0 + HOUR / 2))
        CallsRepo(uow.session).replace_legs([later], ids, list(ids.values()))
    with UnitOfWork(engine, read_only=True) as uow:
        stored = uow.session.execute(select(RingRow.rung_at, RingRow.agent, RingRow.answered)
                                     .order_by(RingRow.rung_at)).all()
    assert [a for _, a, _ in stored] == ["zhang", "li", "li"]
    engine.dispose()
