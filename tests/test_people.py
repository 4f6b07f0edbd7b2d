"""The console's people: who may be created, signing in (password or one-time link), the
limits on attempts, sessions that end when they idle, outlive a shift or their person is
disabled — on SQLite and PostgreSQL, with the clock injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from callcenter.domain.people import Person, password_problem, person_problems
from callcenter.domain.privacy import Role, UnitRole
from callcenter.domain.throttle import Throttle
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.people import IDLE, LONGEST, REFUSED, THROTTLED, People, SignInRefused
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork

T0 = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)
PASSWORD = "correct horse battery"
ADMIN = Person("root", "管理员", Role.ADMIN)
AGENT = Person("zhang", "张三", Role.AGENT)
# Cheap parameters: the tests check the rules, not argon2's cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def people(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    clock = Clock()
    svc = People(UnitsOfWork(engine), clock, hasher=FAST)
    svc.create(None, ADMIN, PASSWORD)
    yield svc, clock
    engine.dispose()


@pytest.mark.parametrize(("person", "field"), [
    (Person("Zhang San", "张三", Role.AGENT), "id"),
    (Person("zhang", " ", Role.AGENT), "name"),
    (Person("zhang", "张\n三", Role.AGENT), "name"),
    (Person("zhang", "张三", Role.PUBLIC), "role"),
    (Person("zhang", "张三", Role.UNIT), "unit"),
    (Person("zhang", "张三", Role.AGENT, unit="u-wuye"), "unit"),
    (Person("zhang", "张三", Role.AGENT, language="fr"), "language"),
])
def test_a_person_is_refused_field_by_field(person, field):
    assert set(person_problems(person)) == {field}


def test_the_roles_that_sign_in_each_make_a_viewer():
    head = Person("wang", "王", Role.UNIT, "u-wuye", UnitRole.HEAD)
    assert person_problems(head) == {} and head.viewer().unit_role is UnitRole.HEAD
    for role in (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN):
        assert person_problems(Person("x", "x", role)) == {}


@pytest.mark.parametrize(("password", "ok"), [
    ("short", False), ("a" * 12, False), ("abcabcabcabc", False), ("abcdabcdabcd", True),
    ("x" * 256 + "yzw", False), (PASSWORD, True)])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_the_throttle_counts_within_its_window_only():
    t = Throttle(3, timedelta(minutes=1))
    assert [t.attempt("k", T0 + timedelta(seconds=i)) for i in range(4)] == [
        True, True, True, False]
    assert t.blocked("k", T0 + timedelta(seconds=59))
    # A minute after the first try it has left the window; the refused one still counts.
    assert t.attempt("k", T0 + timedelta(seconds=60)) is False
    assert t.attempt("k", T0 + timedelta(minutes=5)) is True
    assert t.attempt("other", T0) is True


def test_the_throttle_forgets_stale_keys_to_stay_bounded():
    t = Throttle(1, timedelta(seconds=10), max_keys=3)
    for i in range(10):
        assert t.attempt(f"k{i}", T0 + timedelta(seconds=i))
    assert len(t._tries) <= 3


def test_sign_in_with_a_password_and_sign_out(people):
    svc, _clock = people
    svc.create(None, AGENT, PASSWORD)
    signed = svc.sign_in("zhang", PASSWORD, "127.0.0.1")
    session = svc.session(signed.token)
    assert session is not None and session.viewer.role is Role.AGENT
    assert session.csrf == signed.csrf and len(signed.csrf) >= 32
    svc.sign_out(session)
    assert svc.session(signed.token) is None


def test_wrong_password_unknown_account_and_disabled_read_the_same(people):
    svc, _clock = people
    svc.create(None, AGENT, PASSWORD)
    svc.create(None, Person("li", "李四", Role.AGENT), PASSWORD)
    svc.set_disabled(None, "li", True)
    refusals = []
    for who, pw in (("zhang", "wrong password!"), ("nobody", PASSWORD), ("li", PASSWORD)):
        with pytest.raises(SignInRefused) as caught:
            svc.sign_in(who, pw, "127.0.0.2")
        refusals.append(str(caught.value))
    assert refusals == [REFUSED] * 3


def test_attempts_are_limited_per_account_and_per_address(people):
    svc, clock = people
    svc.create(None, AGENT, PASSWORD)
    for i in range(5):
        with pytest.raises(SignInRefused):
            svc.sign_in("zhang", "wrong password!", f"10.0.0.{i}")
    with pytest.raises(SignInRefused) as caught:  # the right password, but too many tries
        svc.sign_in("zhang", PASSWORD, "10.0.0.9")
    assert str(caught.value) == THROTTLED and caught.value.throttled
    clock.now += timedelta(minutes=6)
    assert svc.sign_in("zhang", PASSWORD, "10.0.0.9").person.id == "zhang"
    # One address trying many accounts is stopped too.
    for i in range(30):
        with pytest.raises(SignInRefused):
            svc.sign_in(f"guess{i}", "wrong password!", "10.9.9.9")
    with pytest.raises(SignInRefused) as caught:
        svc.sign_in("zhang", PASSWORD, "10.9.9.9")
    assert caught.value.throttled


def test_a_one_time_link_signs_in_once_then_the_person_sets_a_password(people):
    svc, clock = people
    token = svc.create(None, AGENT)  # no password: a link
    with pytest.raises(SignInRefused):
        svc.sign_in("zhang", "", "127.0.0.1")  # no password set yet: nothing opens it
    signed = svc.sign_in_once(token)
    with pytest.raises(SignInRefused):
        svc.sign_in_once(token)
    session = svc.session(signed.token)
    assert session is not None
    with pytest.raises(ValidationFailed):
        svc.set_password(session, "short")
    svc.set_password(session, PASSWORD)
    assert svc.session(signed.token) is not None  # this browser stays in
    assert svc.sign_in("zhang", PASSWORD, "127.0.0.1").person.id == "zhang"
    late = svc.sign_in_link(None, "zhang")
    clock.now += timedelta(hours=24)
    with pytest.raises(SignInRefused):
        svc.sign_in_once(late)


def test_disabling_a_person_ends_their_sessions_at_once(people):
    svc, _clock = people
    svc.create(None, AGENT, PASSWORD)
    tokens = [svc.sign_in("zhang", PASSWORD, "127.0.0.1").token for _ in range(2)]
    admin = svc.session(svc.sign_in("root", PASSWORD, "127.0.0.1").token)
    assert admin is not None
    assert svc.set_disabled(admin.viewer, "zhang", True) == 2
    assert [svc.session(t) for t in tokens] == [None, None]
    with pytest.raises(ValidationFailed):
        svc.set_disabled(admin.viewer, "root", True)
    with pytest.raises(NotFound):
        svc.set_disabled(admin.viewer, "nobody", True)
    svc.set_disabled(admin.viewer, "zhang", False)
    assert svc.sign_in("zhang", PASSWORD, "127.0.0.1")


def test_only_an_administrator_manages_people(people):
    svc, _clock = people
    svc.create(None, AGENT, PASSWORD)
    agent = svc.session(svc.sign_in("zhang", PASSWORD, "127.0.0.1").token)
    assert agent is not None
    with pytest.raises(Forbidden):
        svc.create(agent.viewer, Person("li", "李四", Role.SUPERVISOR), PASSWORD)
    with pytest.raises(Forbidden):
        svc.listing(agent.viewer)
    with pytest.raises(ValidationFailed, match="taken"):
        svc.create(None, AGENT, PASSWORD)


def test_a_session_ends_when_idle_and_after_a_shift_across_the_year_end(people):
    svc, clock = people
    svc.create(None, AGENT, PASSWORD)
    token = svc.sign_in("zhang", PASSWORD, "127.0.0.1").token  # 23:50 on 31 December
    clock.now += IDLE - timedelta(seconds=1)
    assert svc.session(token) is not None  # and seen now
    while clock.now + IDLE / 2 < T0 + LONGEST:
        clock.now += IDLE / 2
        assert svc.session(token) is not None
    clock.now = T0 + LONGEST
    assert svc.session(token) is None
    again = svc.sign_in("zhang", PASSWORD, "127.0.0.1").token
    clock.now += IDLE
    assert svc.session(again) is None
    assert svc.session("") is None and svc.session("x" * 500) is None


def test_people_from_the_command_line(run):
    first = run("people", "first-supervisor").out
    assert first.startswith("first supervisor banzhang: http://") and "/signin/link/" in first
    assert "people exist already" in run("people", "first-supervisor").out
    added = run("people", "add", "li", "--name", "李四", "--role", "unit", "--unit",
                "hexie-property", "--unit-role", "head").out
    assert "/signin/link/" in added
    assert "refused: --role is required" in run("people", "add", "x", "--name", "x",
                                                expect=2).out
    refused = run("people", "add", "Bad Id", "--name", "x", "--role", "agent", expect=2)
    assert refused.err.startswith("refused: invalid fields: id:") and "Traceback" not in (
        refused.err + refused.out)
    assert "li disabled" in run("people", "disable", "li").out
    listed = run("people", "list").out
    assert "li " in listed and "unit" in listed and "(disabled)" in listed
    assert "banzhang" in listed and "supervisor" in listed
    run("people", "enable", "li")
    link = run("people", "link", "li").out.strip().rsplit("/", 1)[1]
    assert len(link) > 30
