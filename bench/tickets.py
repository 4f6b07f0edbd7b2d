"""Work orders at scale: create+dispatch through the service layer, the sweeper over a store
of open tickets, and the recomputation of provisional due times when a year is published.

    python3 bench/tickets.py [--open 1000000] [--create 2000] [--url postgresql://...]

The open tickets are written in bulk (Core executemany of rows made by the real domain code
and codec, not through the service, which would take hours); 1 % of them are overdue, 2 % due
soon, 1 % still waiting for first contact and 1 % carry a provisional due time (dispatched at
the end of December, due in a year not yet published). Prints rows, times, peak RSS and what
the sweep and the recomputation did; run it on a fresh database.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert

from callcenter.bootstrap import Hotline
from callcenter.config import PROJECT_ROOT, load_settings
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.registration import Channel, Registration
from callcenter.domain.replies import Kind
from callcenter.domain.tickets import Actor, Dispatch, LogContact, RulesContext, Ticket
from callcenter.domain.transitions import apply
from callcenter.domain.units import Unit
from callcenter.domain.workdays import WorkCalendar, parse_calendar
from callcenter.services.calendar import CalendarService
from callcenter.services.rules import load_profiles
from callcenter.services.sweeper import Sweeper
from callcenter.services.tickets import TicketService
from callcenter.storage import ticket_codec
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.ticket_tables import TicketRow, TicketUnitRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

TZ_CTX = RulesContext(load_profiles(PROJECT_ROOT / "config" / "policies.toml")["shanghai-2022"],
                      WorkCalendar(), ZoneInfo("Asia/Shanghai"))
AGENT = Viewer(Role.AGENT, "bench")
UNITS = [Unit(f"u{i:03d}", f"单位{i}") for i in range(100)]
FORM = Registration(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, channel=Channel.PHONE,
                    category="漏水", matter="楼上漏水到我家厨房，已经三天了", demand="尽快维修",
                    address="高新区梧桐街道翠竹社区3号楼2单元", reporter_name="张三",
                    reporter_phone="13812345678")
NOW = datetime(2026, 6, 15, 10, tzinfo=UTC)  # a Monday
PROVISIONAL_AT = datetime(2026, 12, 28, 10, tzinfo=UTC)  # 5 working days reach into 2027
YEAR_2027 = parse_calendar('[years.2027]\nholidays = ["2027-01-01", "2027-01-04"]\n'
                           'workdays = ["2027-01-09"]\n', "bench")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_and_dispatch(svc: TicketService, n: int) -> float:
    t = time.perf_counter()
    for i in range(n):
        # Each ticket its own citizen: the repeat count reads the citizen's matter.
        tid = svc.register(replace(FORM, reporter_phone=f"138{i:08d}",
                                   home_address=f"翠竹社区{i}号"), AGENT)
        svc.command(tid, Dispatch(UNITS[i % len(UNITS)].code), AGENT)
    return n / (time.perf_counter() - t)


def _template(dispatched: datetime, contacted: bool) -> Ticket:
    t = Ticket(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, registered_at=dispatched)
    t = apply(t, Dispatch("u000"), Actor("agent", "bench"), dispatched, TZ_CTX)
    if contacted:
        t = apply(t, LogContact("电话联系"), Actor("unit", "u000"), dispatched, TZ_CTX)
    return replace(t, history=())


def fill(engine: object, n: int) -> float:
    """n open tickets: 1 % overdue, 2 % due soon, 1 % not yet contacted, 1 % provisional, the
    rest on time."""
    kinds = {
        "overdue": _template(NOW - timedelta(days=10), True),
        "soon": _template(NOW - timedelta(days=6, hours=12), True),
        "uncontacted": _template(NOW - timedelta(days=2), False),
        "provisional": _template(PROVISIONAL_AT, True),
        "fine": _template(NOW - timedelta(hours=1), True),
    }
    assert kinds["provisional"].provisional
    states = {k: ticket_codec.encode(t) for k, t in kinds.items()}
    base = {"version": 1, "kind": "complaint", "urgency": "general", "channel": "phone",
            "category": FORM.category, "matter": FORM.matter, "demand": FORM.demand,
            "address": FORM.address, "history_text": "", "other_opinions": "",
            "reporter_name": FORM.reporter_name, "reporter_gender": "unknown",
            "reporter_phone": FORM.reporter_phone, "anonymous": False,
            "registered_by": "bench", "supervised": False, "home_address": "",
            "event_time": "", "people_involved": "", "address_key": FORM.address,
            "closed_at": None, "dispatch_due": None, "callback_due": False}
    t0 = time.perf_counter()
    batch = 20_000
    for start in range(0, n, batch):
        rows, units = [], []
        for i in range(start, min(start + batch, n)):
            k = ("overdue" if i % 100 == 0 else "soon" if i % 100 in (1, 2)
                 else "uncontacted" if i % 100 == 3 else "provisional" if i % 100 == 4
                 else "fine")
            t = kinds[k]
            unit = UNITS[i % len(UNITS)].code
            rows.append({**base, "id": i + 1, "status": t.status.value, "lead_unit": unit,
                         "registered_at": t.registered_at, "due_at": t.due_at,
                         "due_soon_at": t.due_soon_at, "first_contact_due": t.first_contact_due,
                         "provisional": bool(t.provisional),
                         "state": states[k].replace('"u000"', f'"{unit}"')})
            units.append({"ticket_id": i + 1, "unit": unit, "role": "lead"})
        with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
            uow.session.execute(insert(TicketRow), rows)
            uow.session.execute(insert(TicketUnitRow), units)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=1_000_000)
    ap.add_argument("--create", type=int, default=2000)
    ap.add_argument("--url", help="an empty database (default: a fresh SQLite file)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        migrate(engine)
        store = url.split(":", 1)[0]
        settings = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
        svc = Hotline(settings, engine, lambda: NOW, given_rules=TZ_CTX).tickets
        svc.units.replace(UNITS, [])
        rate = create_and_dispatch(svc, args.create)
        print(f"[{store}] create+dispatch through the service: {rate:,.0f} tickets/s "
              f"({args.create} tickets)")
        # Rows from the bulk fill use ids above those the service made.
        with UnitOfWork(engine) as uow:
            uow.session.execute(delete(TicketRow))
        filled = fill(engine, args.open)
        print(f"[{store}] bulk fill of {args.open:,} open tickets: {filled:.1f} s")
        before = rss_mb()
        t = time.perf_counter()
        report = Sweeper(UnitsOfWork(engine), TZ_CTX, clock=lambda: NOW).run()
        swept = time.perf_counter() - t
        print(f"[{store}] sweep: {swept:.1f} s; supervised {report.supervised:,}, "
              f"notices {report.notices:,}; peak RSS {rss_mb():.0f} MB "
              f"(before the sweep {before:.0f} MB)")
        t = time.perf_counter()
        again = Sweeper(UnitsOfWork(engine), TZ_CTX, clock=lambda: NOW).run()
        print(f"[{store}] second sweep (nothing to do): {time.perf_counter() - t:.1f} s; "
              f"supervised {again.supervised}, notices {again.notices}")
        t = time.perf_counter()
        idle = CalendarService(UnitsOfWork(engine), TZ_CTX, clock=lambda: NOW).recompute()
        print(f"[{store}] recompute, no year published: {time.perf_counter() - t:.1f} s; "
              f"changed {idle.changed:,}")
        published = replace(TZ_CTX, calendar=YEAR_2027)
        t = time.perf_counter()
        done = CalendarService(UnitsOfWork(engine), published, clock=lambda: NOW).recompute()
        print(f"[{store}] recompute, 2027 published: {time.perf_counter() - t:.1f} s; "
              f"changed {done.changed:,} provisional tickets; peak RSS {rss_mb():.0f} MB")
        engine.dispose()


if __name__ == "__main__":
    main()
