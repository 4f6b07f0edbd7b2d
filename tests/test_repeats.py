"""Repeats that count the right calls (001 §十二, domain/repeats.py), through the service on a
real store (SQLite and PostgreSQL), and the SQL mirror of "same matter" against the rule."""

from dataclasses import replace
from datetime import datetime

import pytest
from tickets_support import AGENT, FORM, OFFICE, REPLY, TZ, WUYE

from callcenter.domain.registration import address_key
from callcenter.domain.repeats import same_matter
from callcenter.domain.tickets import AcceptReply, Dispatch, LogContact, SubmitReply
from callcenter.services.errors import Forbidden
from callcenter.storage.tickets_repo import TicketsRepo
from callcenter.storage.uow import UnitOfWork


def _replied(service, tid):
    service.command(tid, Dispatch("u-wuye"), AGENT)
    service.command(tid, LogContact("x"), WUYE)
    service.command(tid, SubmitReply(REPLY), WUYE)


def test_calls_count_in_the_year_of_the_call(service):
    service.clock.now = datetime(2026, 12, 30, 10, tzinfo=TZ)
    tid = service.register(FORM, AGENT, linkedid="y1")
    _replied(service, tid)
    assert service.add_call(tid, "y2", AGENT)["repeats"] == 2
    service.clock.now = datetime(2027, 1, 2, 10, tzinfo=TZ)
    view = service.add_call(tid, "y3", AGENT)
    assert view["repeats"] == 1 and view["status"] == "replied"  # a new year starts again
    assert service.add_call(tid, "y4", AGENT)["repeats"] == 2
    view = service.add_call(tid, "y5", AGENT)
    assert view["repeats"] == 3 and view["status"] == "revisit"


def test_a_different_matter_from_the_same_phone_is_not_a_repeat(service):
    a = service.register(FORM, AGENT, linkedid="d1")
    heating = service.register(replace(FORM, category="供暖", matter="暖气不热"), AGENT,
                               linkedid="d2")
    elsewhere = service.register(replace(FORM, address="翠竹社区9号楼"), AGENT, linkedid="d3")
    assert [service.get(t, AGENT)["repeats"] for t in (a, heating, elsewhere)] == [1, 1, 1]
    # The same place written with other spacing and width is the same matter.
    same = service.register(replace(FORM, address=FORM.address.replace("3", "３") + " "),
                            AGENT, linkedid="d4")
    assert service.get(same, AGENT)["repeats"] == 2


def test_the_same_matter_from_a_second_phone_of_the_same_reporter(service):
    service.register(FORM, AGENT, linkedid="p1")
    second = service.register(replace(FORM, reporter_phone="13900001111"), AGENT,
                              linkedid="p2")
    assert service.get(second, AGENT)["repeats"] == 2
    # A namesake elsewhere is someone else.
    other = service.register(replace(FORM, reporter_phone="13900002222",
                                     home_address="别的小区1号"), AGENT, linkedid="p3")
    assert service.get(other, AGENT)["repeats"] == 1


def test_five_separate_registrations_bring_supervision(service):
    ids = [service.register(FORM, AGENT, linkedid=f"r{i}") for i in range(1, 6)]
    views = [service.get(t, OFFICE) for t in ids]
    assert [v["repeats"] for v in views] == [1, 2, 3, 4, 5]
    fifth = views[-1]
    assert fifth["supervised"] and fifth["head_signoff_required"]
    assert service.audit(ids[-1], OFFICE)[-1]["action"] == "CountRepeats"
    assert not views[3]["supervised"]


def test_a_closed_ticket_of_last_year_is_another_matter(service):
    service.clock.now = datetime(2026, 11, 2, 10, tzinfo=TZ)
    old = service.register(FORM, AGENT, linkedid="o1")
    _replied(service, old)
    service.command(old, AcceptReply(), OFFICE)
    service.clock.now = datetime(2027, 2, 1, 10, tzinfo=TZ)
    new = service.register(FORM, AGENT, linkedid="o2")
    assert service.get(new, AGENT)["repeats"] == 1


def test_a_merge_moves_calls_and_does_not_double_count(service):
    a = service.register(FORM, AGENT, linkedid="m1")
    b = service.register(FORM, AGENT, linkedid="m2")
    assert service.get(b, AGENT)["repeats"] == 2
    service.merge(b, a, AGENT, "同一漏水事项")
    assert service.get(a, AGENT)["calls"] == ["m1", "m2"]
    assert service.get(b, AGENT)["calls"] == []  # moved, not copied
    assert service.get(a, AGENT)["repeats"] == 2
    assert service.add_call(a, "m3", AGENT)["repeats"] == 3


def test_merging_different_citizens_needs_a_supervisor(service):
    a = service.register(FORM, AGENT, linkedid="n1")
    b = service.register(replace(FORM, reporter_phone="13900009999", reporter_name="李四",
                                 home_address="别处"), AGENT, linkedid="n2")
    with pytest.raises(Forbidden, match="supervisor"):
        service.merge(b, a, AGENT, "同一楼栋漏水")
    service.merge(b, a, OFFICE, "同一楼栋漏水，并案处理")
    assert service.get(b, OFFICE)["status"] == "merged"


def test_the_sql_mirror_selects_what_the_rule_selects(service):
    clock = service.clock
    forms = [FORM, replace(FORM, reporter_phone="13900001111"),            # same reporter
             replace(FORM, category="供暖"), replace(FORM, address="别处1号"),
             replace(FORM, reporter_phone="13700000000", reporter_name="王五"),
             replace(FORM, reporter_phone="", reporter_name="张三", anonymous=True),
             replace(FORM, address=" 高新区梧桐街道翠竹社区３号楼２单元")]
    ids = []
    for i, f in enumerate(forms * 2):
        tid = service.register(f, AGENT)
        if i % 3 == 0:
            _replied(service, tid)
            service.command(tid, AcceptReply(), OFFICE)
        ids.append(tid)
        clock.advance(days=40)  # across the new year of 2027 too
    start = datetime(2027, 1, 1, tzinfo=TZ)
    end = datetime(2028, 1, 1, tzinfo=TZ)
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        repo = TicketsRepo(uow.session)
        stored = {tid: repo.get(tid) for tid in ids}
        for me in ids:
            mine = stored[me]
            expected = sorted(
                tid for tid, st in stored.items() if tid == me or same_matter(
                    mine.form, st.form, st.ticket.status, st.ticket.closed_at, start, end))
            assert repo.matching(mine.form, me, start, end) == expected, me
    assert address_key(forms[-1].address) == address_key(FORM.address)
