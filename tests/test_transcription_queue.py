"""The transcription queue: each recording transcribed exactly once, however many workers
claim and however they die (SQLite and PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from tickets_support import Clock

from callcenter.services.transcription_queue import MAX_ATTEMPTS, Segment, TranscriptionQueue
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.transcript_tables import SegmentRow, TranscriptionJobRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def engine(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    with UnitOfWork(engine) as uow:
        for n in range(10):
            answered = T0 if n < 9 else None  # the last call was never answered
            cid = uow.session.execute(insert(CallRow).values(
                linkedid=f"1.{n}", caller_number="138", dialled_number="12345", started_at=T0,
                fallback=False, hung_up_by="citizen", disposition="answered",
                disposition_reason="", answered_at=answered).returning(CallRow.id)).scalar_one()
            uow.session.execute(insert(RecordingRow), [
                {"call_id": cid, "kind": k, "path": f"2026/03/02/1.{n}{suffix}.wav",
                 "size_bytes": 1, "duration_s": 1.0, "sha256": "0" * 64, "error": ""}
                for k, suffix in (("mix", ""), ("citizen", "-in"), ("seat", "-out"))])
    yield engine
    engine.dispose()


def _segments(engine):
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(SegmentRow))


def seg(text="你好"):
    return [Segment("citizen", 0.5, 1.0, text, text, 0.9)]


def test_one_job_per_leg_of_answered_calls(engine):
    q = TranscriptionQueue(UnitsOfWork(engine), "w1")
    assert q.enqueue_pending() == 18  # 9 answered calls x (citizen, seat); no mix
    assert q.enqueue_pending() == 0
    assert q.counts() == {"queued": 18}


def test_two_workers_share_the_work_without_overlap(engine):
    store = UnitsOfWork(engine)
    a, b = TranscriptionQueue(store, "a"), TranscriptionQueue(store, "b")
    a.enqueue_pending()
    taken: dict[str, list[int]] = {"a": [], "b": []}

    def work(q):
        while (job := q.claim()) is not None:
            taken[q.worker].append(job.recording_id)
            assert q.finish(job, seg(), 1.0)

    threads = [threading.Thread(target=work, args=(q,)) for q in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_ids = taken["a"] + taken["b"]
    assert len(all_ids) == len(set(all_ids)) == 18
    assert _segments(engine) == 18 and a.counts() == {"done": 18}


def test_a_dead_worker_loses_its_lease_and_writes_nothing_late(engine):
    clock = Clock()
    dead = TranscriptionQueue(UnitsOfWork(engine), "dead", clock, lease=timedelta(minutes=5))
    alive = TranscriptionQueue(UnitsOfWork(engine), "alive", clock, lease=timedelta(minutes=5))
    dead.enqueue_pending()
    job = dead.claim()
    others = []
    while (j := alive.claim()) is not None:  # everything else; the dead one's job is leased
        others.append(j.recording_id)
        alive.finish(j, seg(), 1.0)
    assert job.recording_id not in others and len(others) == 17
    clock.now += timedelta(minutes=6)
    retry = alive.claim()
    assert retry.recording_id == job.recording_id
    assert not dead.finish(job, seg("迟到的"), 1.0)  # came back too late: fenced off
    assert alive.finish(retry, seg("重做"), 1.0)
    with UnitOfWork(engine, read_only=True) as uow:
        texts = list(uow.session.scalars(select(SegmentRow.text).where(
            SegmentRow.recording_id == job.recording_id)))
    assert texts == ["重做"] and _segments(engine) == 18
    assert alive.claim() is None


def test_damaged_recordings_are_flagged_with_the_reason(engine):
    q = TranscriptionQueue(UnitsOfWork(engine), "w")
    q.enqueue_pending()
    job = q.claim()
    assert q.flag(job, "flagged", "SHA-256 mismatch")
    assert q.counts() == {"flagged": 1, "queued": 17}
    assert q.requeue(job.call_id) == 2


def test_a_renewed_lease_keeps_the_job_and_a_recording_that_kills_workers_fails(engine):
    clock = Clock()
    slow = TranscriptionQueue(UnitsOfWork(engine), "slow", clock, lease=timedelta(minutes=5))
    other = TranscriptionQueue(UnitsOfWork(engine), "other", clock, lease=timedelta(minutes=5))
    slow.enqueue_pending()
    job = slow.claim()
    for _ in range(3):  # 12 minutes of decoding, renewed every 4
        clock.now += timedelta(minutes=4)
        assert slow.renew(job)
    while (j := other.claim()) is not None:
        assert j.recording_id != job.recording_id
        other.finish(j, seg(), 1.0)
    assert slow.finish(job, seg(), 1.0)
    # A recording whose worker dies every time: tried MAX_ATTEMPTS times, then failed.
    assert slow.requeue(job.call_id) == 2
    attempts = []
    while (j := other.claim()) is not None:
        if j.recording_id == job.recording_id:
            attempts.append(j)
            clock.now += timedelta(minutes=6)  # the worker died holding it
        else:
            other.finish(j, seg(), 1.0)
    assert len(attempts) == MAX_ATTEMPTS and not other.renew(attempts[-1])
    with UnitOfWork(engine, read_only=True) as uow:
        failed = uow.session.get(TranscriptionJobRow, job.recording_id)
    assert failed.state == "failed" and "died or hung 3 times" in failed.error


def test_a_stopping_worker_gives_back_only_its_own_jobs(engine):
    store = UnitsOfWork(engine)
    a, b = TranscriptionQueue(store, "a"), TranscriptionQueue(store, "b")
    a.enqueue_pending()
    mine, theirs = a.claim(), b.claim()
    assert a.release() == 1 and a.release() == 0
    assert not a.finish(mine, seg(), 1.0)  # a late finish after giving back writes nothing
    assert b.finish(theirs, seg(), 1.0)
    with UnitOfWork(engine, read_only=True) as uow:
        back = uow.session.get(TranscriptionJobRow, mine.recording_id)
    assert (back.state, back.worker, back.attempts) == ("queued", "", 0)
    assert a.counts() == {"queued": 17, "done": 1}


async def test_the_office_sees_flagged_recordings_over_the_api(service, tmp_path):
    from aiohttp.test_utils import TestClient, TestServer
    from api_support import api_of
    from speech_support import add_call
    from tickets_support import AGENT, OFFICE

    from callcenter.api import tokens
    from callcenter.api.app import make_app

    with UnitOfWork(service.uow.engine) as uow:
        add_call(uow.session, "1.9", T0)
    queue = TranscriptionQueue(service.uow, "w")
    queue.enqueue_pending()
    assert queue.flag(queue.claim(), "flagged", "SHA-256 mismatch: stored 00, file ff")
    path = tmp_path / "tokens.toml"
    office, agent = tokens.add(path, OFFICE), tokens.add(path, AGENT)
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path)))))
    await client.start_server()
    try:
        r = await client.get("/api/v1/transcription/problems",
                             headers={"Authorization": f"Bearer {office}"})
        body = await r.json()
        assert r.status == 200 and body["counts"] == {"flagged": 1, "queued": 1}
        (item,) = body["items"]
        assert (item["call"], item["state"]) == ("1.9", "flagged")
        assert item["error"].startswith("SHA-256 mismatch")
        r = await client.get("/api/v1/transcription/problems",
                             headers={"Authorization": f"Bearer {agent}"})
        assert r.status == 403
    finally:
        await client.close()
