"""The sweeper raises supervision for overdue tickets and sends notices, once, however often
or in however many processes it runs."""

import threading
from dataclasses import replace

from sqlalchemy import select
from tickets_support import AGENT, CTX, FORM, OFFICE, REPLY, WUYE, WUYE_LEADER

from callcenter.domain.policy import Span
from callcenter.domain.tickets import (
    DecideExtension,
    Dispatch,
    LogContact,
    RequestExtension,
    SubmitReply,
)
from callcenter.services.sweeper import Sweeper
from callcenter.storage.ticket_tables import NoticeRow, OfficeNoticeRow
from callcenter.storage.uow import UnitOfWork


def _notices(engine):
    with UnitOfWork(engine, read_only=True) as uow:
        return sorted((n.ticket_id, n.kind, n.unit) for n in uow.session.scalars(select(NoticeRow)))


def test_sweep_supervises_overdue_and_notifies_once(service):
    clock = service.clock
    late = service.register(FORM, AGENT)
    service.command(late, Dispatch("u-wuye"), AGENT)
    service.command(late, LogContact("x"), WUYE)
    clock.advance(days=4)
    soon = service.register(FORM, AGENT)
    service.command(soon, Dispatch("u-wuye"), AGENT)
    service.command(soon, LogContact("x"), WUYE)
    uncontacted = service.register(FORM, AGENT)
    service.command(uncontacted, Dispatch("u-wuye"), AGENT)
    registered_only = service.register(FORM, AGENT)
    # Monday 3-2 + 4 days; now move to Tuesday 3-10 09:00: the first ticket (due 3-9) is
    # overdue, the second (due 3-13 end) is not yet due soon; the third never made contact.
    clock.advance(days=4)
    sweeper = Sweeper(service.uow, CTX, clock)
    report = sweeper.run()
    assert (report.supervised, report.notices) == (1, 2)
    view = service.get(late, AGENT)
    assert view["supervised"] and view["supervision_reasons"] == ["overdue without approved "
                                                                  "extension"]
    assert view["sla"] == "overdue"
    assert not service.get(soon, AGENT)["supervised"]
    assert service.get(registered_only, AGENT)["status"] == "registered"
    assert _notices(service.uow.engine) == sorted([(late, "overdue", "u-wuye"),
                                               (uncontacted, "first_contact", "u-wuye")])
    again = sweeper.run()
    assert (again.supervised, again.notices) == (0, 0)
    assert len(service.audit(late, AGENT)) == 3  # Dispatch, LogContact, one Supervise

    # Thursday 3-12 19:00, a new day: the second and third tickets (due 3-13) are due soon;
    # the overdue one and the uncontacted one are chased again, once for the day.
    clock.advance(days=2, hours=10)
    report = sweeper.run()
    assert (report.supervised, report.notices) == (0, 4)
    kinds = [(t, k) for t, k, _ in _notices(service.uow.engine)]
    assert kinds.count((late, "overdue")) == 2 and (soon, "due_soon") in kinds
    assert (uncontacted, "due_soon") in kinds


def test_two_sweepers_at_once_supervise_once(service):
    clock = service.clock
    ids = []
    for i in range(20):
        # Twenty citizens: one citizen's fifth call would bring supervision by itself.
        tid = service.register(replace(FORM, reporter_phone=f"139000000{i:02d}",
                                       home_address=f"翠竹社区{i}号楼"), AGENT)
        service.command(tid, Dispatch("u-wuye"), AGENT)
        ids.append(tid)
    clock.advance(days=10)
    reports, failures = [], []

    def sweep():
        try:
            reports.append(Sweeper(service.uow, CTX, clock).run())
        except Exception as exc:  # a sweeper that dies (e.g. "database is locked") fails
            failures.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(reports) == 2
    assert sum(r.supervised for r in reports) == 20
    for tid in ids:
        assert [a["action"] for a in service.audit(tid, AGENT)].count("Supervise") == 1
    assert len([n for n in _notices(service.uow.engine) if n[1] == "overdue"]) == 20


def test_late_dispatch_extension_and_unsolved_notices(service):
    waiting = service.register(FORM, AGENT)
    assert service.get(waiting, AGENT)["dispatch_due"].startswith("2026-03-02T23:59")
    working = service.register(replace(FORM, reporter_phone="13900000001",
                                       home_address="别处"), AGENT)
    service.command(working, Dispatch("u-wuye"), AGENT)
    service.command(working, LogContact("x"), WUYE)
    # Asked by the unit's leader: agreed as it is asked.
    service.command(working, RequestExtension(Span.parse("15d"), "招标"), WUYE_LEADER)
    service.command(working, DecideExtension(True, "同意"), OFFICE)
    assert [k for _, k, _ in _notices(service.uow.engine)] == ["extension"]
    service.command(working, SubmitReply(replace(REPLY, result="unsolved",
                                                  reason="需业主大会表决")), WUYE)
    service.clock.advance(days=1)
    report = Sweeper(service.uow, CTX, service.clock).run()
    assert report.office_notices == 1  # the registered ticket, not dispatched in time
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        kinds = sorted(n.kind for n in uow.session.scalars(select(OfficeNoticeRow)))
    assert kinds == [f"dispatch_late:{waiting}", f"unsolved:{working}"]
    listed = service.office_notices(OFFICE)
    assert {n["kind"] for n in listed} == set(kinds)
