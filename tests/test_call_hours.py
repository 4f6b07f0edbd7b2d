"""The calls' hourly roll-up (storage/call_hours_repo.py, migration 0019) on SQLite and
PostgreSQL: a tally folded from rolled-up hours equals the definitions' row-by-row tally;
whatever writes a call (insert, change, move to another hour, delete) makes its hour stale
through the triggers, so late data is counted; a roll-up of a generation that moved on is
never used; only ended hours are rolled up; calls stored before the migration are covered."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, select, update

from callcenter.domain import figures as f
from callcenter.services.reports import Reports
from callcenter.storage.call_hours_repo import CallHoursRepo, HourFigures
from callcenter.storage.emerging_repo import EmergingRepo
from callcenter.storage.engine import alembic_config, make_engine, migrate
from callcenter.storage.figures_repo import FiguresRepo
from callcenter.storage.tables import CallHourRow, CallRow, RecordingRow, RingRow
from callcenter.storage.transcript_tables import TopicSpotRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)   # 16:00 in Shanghai
END = START + timedelta(days=1)
HOUR = timedelta(hours=1)


def calls() -> list[dict[str, Any]]:
    """Calls in every third hour of the day around the period and at its edges, of every
    kind the figures tell apart."""
    times = [START - timedelta(microseconds=1), START, END - timedelta(microseconds=1), END,
             *(START + timedelta(hours=h, minutes=7 * h % 60) for h in range(-2, 26, 3))]
    rows, n = [], itertools.count(1)
    for at, disposition, joined, answered, wait in itertools.product(
            times, ("answered", "abandoned_queue", "abandoned_ivr", "in_progress"),
            (False, True), (False, True), (None, 3.2, 15.0, 61.9)):
        i = next(n)
        rows.append({
            "linkedid": f"1796000000.{i}", "started_at": at,
            "route": "night" if i % 4 == 0 else None, "queue": "hotline" if joined else None,
            "queue_joined_at": at + timedelta(seconds=10) if joined else None,
            "answered_at": at + timedelta(seconds=20) if answered else None, "wait_s": wait,
            "talk_s": (i % 7) * 30.5 if answered else None, "disposition": disposition,
            "seat": ("8001", "8002", None)[i % 3], "hung_up_by": "citizen",
            "caller_number": f"1380000{i % 40:04d}", "dialled_number": "12345",
            "fallback": False, "disposition_reason": ""})
    return rows


def add_rings_and_topics(engine: Engine) -> None:
    """Each answered call rang its seat (picked up) after another seat that let it pass."""
    with UnitOfWork(engine) as uow:
        s = uow.session
        calls_ = s.execute(select(CallRow.id, CallRow.started_at, CallRow.seat,
                                  CallRow.answered_at)).all()
        s.execute(insert(RingRow), [
            {"call_id": cid, "arrived_at": at, "seat": rung, "rung_at": at,
             "answered": rung == seat and picked is not None,
             "agent": "" if rung == "8009" else f"agent-{rung}"}
            for cid, at, seat, picked in calls_ for rung in {"8009", seat or "8009"}])
        # Every third call was transcribed: its topic heard twice, and every sixth a second.
        heard = [c for c in calls_ if c.id % 3 == 0]
        recs = dict(s.execute(insert(RecordingRow).returning(RecordingRow.call_id,
                                                             RecordingRow.id), [
            {"call_id": c.id, "kind": "citizen", "path": f"{c.id}.wav"} for c in heard]).all())
        s.execute(insert(TopicSpotRow), [
            spot(recs[c.id], c.id, topic) for c in heard
            for topic in (("供暖", "漏水")[c.id % 2], ("供暖", "漏水")[c.id % 2],
                          *(("噪音",) if c.id % 6 == 0 else ()))])


def spot(recording: int, call: int, topic: str) -> dict[str, object]:
    return {"recording_id": recording, "call_id": call, "topic": topic, "word": topic,
            "speaker": "citizen", "start_s": 1.0, "end_s": 2.0}


def stored(engine: Engine, row: type[Any] = CallRow) -> list[SimpleNamespace]:
    cols = [c for c in row.__table__.columns]
    with UnitOfWork(engine, read_only=True) as uow:
        return [SimpleNamespace(**r._mapping) for r in uow.session.execute(select(*cols))]


def assert_tallies_match(engine: Engine, start: datetime, end: datetime) -> None:
    """The call parts through the roll-up equal the definitions applied to every stored row."""
    with UnitOfWork(engine, read_only=True) as uow:
        repo = FiguresRepo(uow.session)
        counted = f.Tally()
        for part in ("call_counts", "call_waits", "call_talks"):
            getattr(repo, part)(counted, start, end, None)
    expected = f.tally_rows(stored(engine), [], [], start, end, rings=stored(engine, RingRow))
    assert counted.calls == expected.calls
    if start.minute == 0:  # hour buckets are whole UTC hours (storage/sql_time.hour_of)
        assert counted.per_hour == expected.per_hour
    assert counted.wait.bins == expected.wait.bins and counted.talk.bins == expected.talk.bins
    assert round(counted.wait.total, 6) == round(expected.wait.total, 6)
    assert round(counted.talk.total, 6) == round(expected.talk.total, 6)
    assert counted.seats == expected.seats
    assert counted.agents == expected.agents
    # Topics: the calls that arrived in the period in which each was heard.
    arrived = {c.id for c in stored(engine) if start <= c.started_at < end}
    spots = {(sp.topic, sp.call_id) for sp in stored(engine, TopicSpotRow)
             if sp.call_id in arrived}
    with UnitOfWork(engine, read_only=True) as uow:
        assert EmergingRepo(uow.session).topic_calls(start, end) == Counter(
            topic for topic, _ in spots)


def stale_hours(engine: Engine) -> set[datetime]:
    with UnitOfWork(engine, read_only=True) as uow:
        return {s.hour for s in CallHoursRepo(uow.session).stale(START - 7 * HOUR * 24,
                                                                  END + 7 * HOUR * 24, 10_000)}


def test_the_roll_up_counts_what_the_definitions_count_and_sees_late_data(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    rows = calls()
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(CallRow), rows)
    add_rings_and_topics(engine)
    hours = {r["started_at"].replace(minute=0, second=0, microsecond=0) for r in rows}
    assert stale_hours(engine) == hours     # each hour with calls has a row, none rolled yet
    reports = Reports(UnitsOfWork(engine), TZ, lambda: END + 30 * timedelta(minutes=1))
    assert reports.roll_up(limit=3) == 3    # a look rolls up a few hours, the newest first
    while reports.roll_up():
        pass
    ahead = {h for h in hours if h >= END}  # the hour under way (from 08:00) and later ones
    assert stale_hours(engine) == ahead
    with UnitOfWork(engine, read_only=True) as uow:
        used = uow.session.scalars(select(CallHourRow.hour)
                                   .where(CallHourRow.rolled == CallHourRow.gen)).all()
    assert len(used) == len(hours - ahead)
    for start, end in ((START, END), (START + 30 * timedelta(minutes=1), END - HOUR / 2),
                       (START + HOUR, START + 2 * HOUR), (START, START + HOUR / 4)):
        assert_tallies_match(engine, start, end)

    # Late data, written by anyone: each write makes its hour stale.
    late = START + HOUR                  # hours with calls: START + 1, 4, 7 ... hours
    moved_from = START + 7 * HOUR
    with UnitOfWork(engine) as uow:
        s = uow.session
        first = s.scalars(select(CallRow.id).where(CallRow.started_at >= late,
                                                   CallRow.started_at < late + HOUR)
                          .order_by(CallRow.id)).first()
        s.execute(update(CallRow).where(CallRow.id == first)
                  .values(disposition="answered", wait_s=2.0, talk_s=99.0, seat="8009",
                          queue_joined_at=late, answered_at=late))
        s.execute(insert(CallRow), [{**rows[0], "linkedid": "late.1",
                                     "started_at": START + 9 * HOUR + timedelta(minutes=1)}])
        gone = s.scalars(select(CallRow.id).where(CallRow.started_at >= START + 4 * HOUR,
                                                  CallRow.started_at < START + 5 * HOUR)
                         ).first()
        s.execute(delete(CallRow).where(CallRow.id == gone))
        mover = s.scalars(select(CallRow.id).where(CallRow.started_at >= moved_from,
                                                   CallRow.started_at < moved_from + HOUR)
                          ).first()
        s.execute(update(CallRow).where(CallRow.id == mover)
                  .values(started_at=START + 15 * HOUR + timedelta(minutes=2)))
        # A topic heard late (the transcriber runs after the call) makes its call's hour stale.
        late_heard = s.execute(select(CallRow.id).where(CallRow.started_at >= START + 16 * HOUR,
                                                        CallRow.started_at < START + 17 * HOUR)
                               ).scalars().first()
        rec = s.scalar(insert(RecordingRow).values(call_id=late_heard, kind="seat",
                                                   path="late.wav").returning(RecordingRow.id))
        s.execute(insert(TopicSpotRow), [spot(rec, late_heard, "停电")])
        # Rings are the seats' figures: writing one alone makes its call's hour stale too.
        rung = s.execute(select(CallRow.id, CallRow.started_at)
                         .where(CallRow.started_at >= START + 10 * HOUR,
                                CallRow.started_at < START + 11 * HOUR)).first()
        assert rung is not None
        s.execute(insert(RingRow), [{"call_id": rung.id, "arrived_at": rung.started_at,
                                     "seat": "8010", "rung_at": rung.started_at,
                                     "answered": False}])
        s.execute(delete(RingRow).where(RingRow.id == s.scalars(
            select(RingRow.id).where(RingRow.arrived_at >= START + 13 * HOUR,
                                     RingRow.arrived_at < START + 14 * HOUR)).first()))
    # START + 9 and + 15 hours held no calls: the insert and the move give them a row.
    assert stale_hours(engine) == ahead | {late, START + 9 * HOUR, START + 4 * HOUR,
                                           moved_from, START + 15 * HOUR, START + 10 * HOUR,
                                           START + 13 * HOUR, START + 16 * HOUR}
    assert_tallies_match(engine, START, END)      # counted from the calls where stale
    while reports.roll_up():
        pass
    assert stale_hours(engine) == ahead
    assert_tallies_match(engine, START, END)
    engine.dispose()


def test_a_roll_up_of_a_generation_that_moved_on_is_never_used(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(CallRow), calls())
    hour = START + 4 * HOUR
    with UnitOfWork(engine, read_only=True) as uow:
        todo = [s for s in CallHoursRepo(uow.session).stale(hour, hour + HOUR, 1)]
        counted = FiguresRepo(uow.session).hour(hour)
    assert [s.hour for s in todo] == [hour]
    # A call of the hour changes after its generation was read and before the roll-up lands.
    with UnitOfWork(engine) as uow:
        uow.session.execute(update(CallRow).where(CallRow.started_at >= hour,
                                                  CallRow.started_at < hour + HOUR)
                            .values(disposition="abandoned_ivr"))
    with UnitOfWork(engine) as uow:
        CallHoursRepo(uow.session).store(todo[0], HourFigures(counted, Counter()))
    assert hour in stale_hours(engine)
    assert_tallies_match(engine, hour, hour + HOUR)
    engine.dispose()


@pytest.mark.empty_store
def test_calls_stored_before_the_roll_up_existed_are_covered(store_url):
    engine = make_engine(store_url)
    command.upgrade(alembic_config(engine), "0018")
    rows = calls()
    with engine.begin() as conn:
        conn.execute(insert(CallRow), rows)
    migrate(engine)
    assert stale_hours(engine) == {r["started_at"].replace(minute=0, second=0, microsecond=0)
                                   for r in rows}
    assert_tallies_match(engine, START, END)
    engine.dispose()
