"""The reports over a big store: 30 days of 100,000 calls a day (3,000,000 calls) and
1,000,000 tickets; the daily summary and the monthly report built from it.

    python3 bench/reports.py [--days 30] [--calls-per-day 100000] [--tickets 1000000]
                             [--url postgresql://...]

Rows are written in bulk (Core executemany, deterministic pseudo-random data spread over
November 2026 in Asia/Shanghai): calls with every disposition, a third of the answered ones
with a transcribed recording and a topic, 1 % with a unit dialled in; tickets over 12
categories, 5,000 communities and 100 units, with deadlines, replies, first contacts and
callbacks, three key phrases each; the rings of the seats (the one that answered, and for
every fifth queued call one that let it pass). Prints load time, then for the daily, weekly
and monthly report the build time and how much the process's peak memory grew while
building (flat: the aggregation runs in SQL and only groups come back), twice: cold (no hour
of calls rolled up) and warm (every ended hour rolled up, as the reports worker keeps them),
with the time the roll-up of the whole month took between the two. Run it on a fresh database.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from callcenter.domain import report_periods as rp
from callcenter.domain.report_content import ReportContent
from callcenter.services.reports import Reports
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, PartyRow, RecordingRow, RingRow
from callcenter.storage.ticket_tables import TicketPhraseRow, TicketRow
from callcenter.storage.transcript_tables import TopicSpotRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
CHUNK = 20_000
CATEGORIES = ["漏水", "供暖", "物业费", "噪音", "停水", "停电", "电梯", "违建", "绿化", "停车",
              "垃圾", "装修"]
TOPICS = ["供暖", "漏水", "物业费", "停电", "停水", "噪音"]
STATUSES = ["closed", "called_back", "in_progress", "replied", "answered_directly", "parked",
            "dispatched", "contacted"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chunks(rows: Iterator[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for r in rows:
        batch.append(r)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def calls(days: int, per_day: int, rnd: random.Random) -> Iterator[dict[str, object]]:
    span = days * 86400
    for i in range(days * per_day):
        at = START + timedelta(seconds=span * i / (days * per_day))
        roll = rnd.random()
        queued = roll > 0.08
        answered = queued and roll > 0.14
        disposition = ("abandoned_ivr" if not queued else "answered" if answered
                       else "abandoned_queue")
        wait = rnd.expovariate(1 / 12) if queued else None
        yield {"id": i + 1, "linkedid": f"17{i:011d}.1", "caller_number":
               f"138{rnd.randrange(2_000_000):08d}", "dialled_number": "12345",
               "started_at": at, "route": "night" if roll < 0.02 else "day", "fallback": False,
               "queue": "hotline" if queued else None,
               "queue_joined_at": at + timedelta(seconds=9) if queued else None,
               "wait_s": wait, "seat": f"80{rnd.randrange(60):02d}" if answered else None,
               "answered_at": at + timedelta(seconds=9 + (wait or 0)) if answered else None,
               "talk_s": rnd.expovariate(1 / 180) if answered else None,
               "hung_up_by": "citizen", "disposition": disposition, "disposition_reason": ""}


def tickets(days: int, n: int, rnd: random.Random) -> Iterator[dict[str, object]]:
    span = days * 86400
    for i in range(n):
        at = START + timedelta(seconds=span * i / n)
        status = STATUSES[rnd.randrange(len(STATUSES))]
        dispatched = status != "answered_directly"
        due = at + timedelta(days=rnd.randrange(1, 8)) if dispatched else None
        replied = (due + timedelta(hours=rnd.randrange(-100, 20)) if due and
                   status in ("closed", "called_back", "replied") else None)
        reached = status == "called_back" or (status == "closed" and rnd.random() < 0.3)
        community = rnd.randrange(5000)
        yield {
            "id": i + 1, "version": 1, "status": status, "kind": "complaint",
            "urgency": "urgent" if rnd.random() < 0.01 else "general",
            "channel": ("phone", "web", "sms", "fax")[rnd.randrange(4)],
            "category": CATEGORIES[rnd.randrange(len(CATEGORIES))],
            "matter": "楼上漏水到我家厨房，已经三天了", "demand": "尽快维修",
            "address": f"区{community % 10}街道{community}社区{rnd.randrange(30)}号楼",
            "place": f"区{community % 10}街道{community}社区", "history_text": "",
            "other_opinions": "", "reporter_name": "", "reporter_gender": "unknown",
            "reporter_phone": "", "home_address": "", "event_time": "",
            "people_involved": "", "address_key": f"a{i}", "anonymous": False,
            "registered_at": at, "registered_by": f"agent{rnd.randrange(80)}",
            "lead_unit": f"u{rnd.randrange(100):03d}" if dispatched else None,
            "dispatched_at": at if dispatched else None, "due_at": due, "due_soon_at": None,
            "first_contact_due": at + timedelta(days=1) if dispatched else None,
            "first_contact_at": at + timedelta(hours=rnd.randrange(1, 40)) if dispatched and
            rnd.random() < 0.9 else None,
            "replied_at": replied, "supervised": rnd.random() < 0.01, "closed_at": None,
            "dispatch_due": None, "callback_due": False, "provisional": False,
            "returns": int(rnd.random() < 0.02), "extensions": int(rnd.random() < 0.05),
            "revisits": int(rnd.random() < 0.03), "repeats": 1 + int(rnd.random() < 0.1) * 4,
            "cb_reached": True if reached else None,
            "cb_solved": rnd.random() < 0.8 if reached else None,
            "cb_satisfied": rnd.random() < 0.9 if reached else None, "state": "{}"}


def ring_rows(cid: int, c: dict[str, object]) -> list[dict[str, object]]:
    """The seat that answered rang once; every fifth queued call first rang a seat that let
    it pass."""
    out: list[dict[str, object]] = []
    if c["queue_joined_at"] is not None and cid % 5 == 0:
        out.append({"call_id": cid, "arrived_at": c["started_at"], "seat": f"80{cid % 60:02d}",
                    "rung_at": c["queue_joined_at"], "answered": False,
                    "agent": f"agent{cid % 60}"})
    if c["seat"] is not None:
        out.append({"call_id": cid, "arrived_at": c["started_at"], "seat": c["seat"],
                    "rung_at": c["answered_at"], "answered": True,
                    "agent": f"agent{int(str(c['seat'])[2:])}"})
    return out


def load(engine: Engine, days: int, per_day: int, n_tickets: int) -> float:
    rnd = random.Random(12345)
    began = time.perf_counter()
    rec_id = 0
    for batch in chunks(calls(days, per_day, rnd)):
        recordings, spots, parties, rings = [], [], [], []
        for c in batch:
            cid = int(str(c["id"]))
            rings += ring_rows(cid, c)
            if c["disposition"] == "answered" and cid % 3 == 0:
                rec_id += 1
                recordings.append({"id": rec_id, "call_id": cid, "kind": "citizen",
                                   "path": f"r{cid}.wav", "offset_s": 0.0, "error": ""})
                spots.append({"recording_id": rec_id, "call_id": cid,
                              "topic": TOPICS[cid % len(TOPICS)], "word": "x",
                              "speaker": "citizen", "start_s": 1.0, "end_s": 2.0})
            if cid % 100 == 0:
                parties.append({"call_id": cid, "leg": "unit1", "uniqueid": f"{cid}-unit1",
                                "unit": f"u{cid % 100:03d}", "number": "0371",
                                "dialled_at": c["started_at"], "answered_at":
                                c["started_at"] if cid % 300 else None, "ended_at": None,
                                "outcome": "answered"})
        with UnitOfWork(engine) as uow:
            s = uow.session
            s.execute(insert(CallRow), batch)
            if recordings:
                s.execute(insert(RecordingRow), recordings)
                s.execute(insert(TopicSpotRow), spots)
            if parties:
                s.execute(insert(PartyRow), parties)
            if rings:
                s.execute(insert(RingRow), rings)
    for batch in chunks(tickets(days, n_tickets, rnd)):
        phrases = [{"ticket_id": t["id"], "phrase": f"词{w}", "registered_at": t["registered_at"]}
                   for t in batch for w in {int(str(t["id"])) * k % 2000 for k in (1, 7, 13)}]
        with UnitOfWork(engine) as uow:
            uow.session.execute(insert(TicketRow), batch)
            uow.session.execute(insert(TicketPhraseRow), phrases)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - began


def measure(reports: Reports, periods: tuple[rp.Period, ...], repeat: int, state: str
            ) -> list[ReportContent]:
    out = []
    for period in periods:
        times = []
        before = rss_mb()
        for _ in range(repeat):
            t0 = time.perf_counter()
            content = reports.build(period)
            times.append(time.perf_counter() - t0)
        f = content["figures"]
        print(f"{state} {period.kind.value:8} {period.name}: build {min(times):.2f} s best of "
              f"{repeat} (all: {', '.join(f'{t:.2f}' for t in times)}); peak RSS grew "
              f"{rss_mb() - before:.1f} MB; calls {f['calls_total']['value']:,}, tickets "
              f"{f['tickets_registered']['value']:,}, on_time_rate "
              f"{f['on_time_rate']['value']}, wait_p90_s {f['wait_p90_s']['value']}, "
              f"clusters {len(content['clusters'])}")
        out.append(content)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--calls-per-day", type=int, default=100_000)
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--url", help="a fresh database (default: a new SQLite file)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-load", action="store_true",
                    help="measure a store this benchmark loaded before (--url)")
    args = ap.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-reports-')}/r.db"
    engine = make_engine(url)
    migrate(engine)
    if not args.no_load:
        loaded = load(engine, args.days, args.calls_per_day, args.tickets)
        print(f"store: {engine.dialect.name}; {args.days * args.calls_per_day:,} calls, "
              f"{args.tickets:,} tickets loaded in {loaded:.0f} s; peak RSS {rss_mb():.0f} MB")
    clock = lambda: datetime(2026, 12, 3, 12, tzinfo=TZ)  # noqa: E731
    reports = Reports(UnitsOfWork(engine), TZ, clock)
    last = (START + timedelta(days=args.days - 1)).astimezone(TZ).date()
    periods = (rp.daily(last, TZ), rp.weekly(last, TZ), rp.monthly(last, TZ))
    # Cold: no hour rolled up (a store the reports worker never looked at); warm: every ended
    # hour rolled up, as the worker keeps them.
    with engine.begin() as conn:
        conn.execute(text("UPDATE call_hours SET rolled = 0, counts = NULL, waits = NULL, "
                          "talks = NULL"))
    cold = measure(reports, periods, args.repeat, "cold")
    began, hours = time.perf_counter(), 0
    while done := reports.roll_up(limit=10_000):
        hours += done
    print(f"roll-up of {hours} ended hours: {time.perf_counter() - began:.2f} s "
          f"({(time.perf_counter() - began) / max(hours, 1) * 1000:.1f} ms an hour)")
    warm = measure(reports, periods, args.repeat, "warm")
    print("cold and warm contents equal:", cold == warm)
    engine.dispose()


if __name__ == "__main__":
    main()
