"""Where SQL must mirror a rule of the domain, both select the same tickets.

The sweeper finds overdue, due-soon and not-yet-contacted tickets with index scans; the rules
themselves live in domain/supervision.py. Tickets in every status, with each time before, at
and after "now", missing or set, are stored and both sides asked.
"""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tickets_support import FORM

from callcenter.domain.policy import Urgency
from callcenter.domain.replies import Kind
from callcenter.domain.supervision import awaiting_first_contact, due_soon, overdue
from callcenter.domain.tickets import Status, Ticket
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tickets_repo import TicketsRepo
from callcenter.storage.uow import UnitOfWork

NOW = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
TIMES = (None, NOW - timedelta(hours=1), NOW, NOW + timedelta(hours=1))


def _tickets() -> list[Ticket]:
    rnd = random.Random(20261202)
    out = []
    for status in Status:
        for _ in range(24):
            out.append(Ticket(
                kind=Kind.COMPLAINT, urgency=Urgency.GENERAL,
                registered_at=NOW - timedelta(days=3), status=status, lead_unit="u-wuye",
                dispatched_at=NOW - timedelta(days=2),
                due_at=rnd.choice(TIMES), due_soon_at=rnd.choice(TIMES),
                first_contact_due=rnd.choice(TIMES),
                first_contact_at=rnd.choice((None, NOW - timedelta(hours=2))),
                supervised=rnd.random() < 0.3))
    return out


def test_sweeper_queries_select_exactly_what_the_domain_rules_accept(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    stored: dict[int, Ticket] = {}
    with UnitOfWork(engine) as uow:
        repo = TicketsRepo(uow.session)
        for t in _tickets():
            tid = repo.add(t, FORM, "agent-7")
            stored[tid] = replace(t, id=tid)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            repo = TicketsRepo(uow.session)
            sql_overdue = {i for i, _ in repo.overdue(NOW, 10_000)}
            sql_unsupervised = {i for i, _ in repo.overdue(NOW, 10_000, unsupervised_only=True)}
            sql_soon = {i for i, _ in repo.due_soon(NOW)}
            sql_contact = {i for i, _ in repo.awaiting_first_contact(NOW)}
        expect_overdue = {i for i, t in stored.items() if overdue(t, NOW)}
        assert sql_overdue == expect_overdue and expect_overdue
        assert sql_unsupervised == {i for i in expect_overdue if not stored[i].supervised}
        expect_soon = {i for i, t in stored.items() if due_soon(t, NOW)}
        assert sql_soon == expect_soon and expect_soon
        expect_contact = {i for i, t in stored.items() if awaiting_first_contact(t, NOW)}
        assert sql_contact == expect_contact
        # Not only dispatched tickets: every status in which the unit holds it.
        assert len({stored[i].status for i in expect_contact}) > 1
    finally:
        engine.dispose()
