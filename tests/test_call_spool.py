"""Calls the store refused wait on disk and reach it once it answers: this run's, a killed
run's, and not twice. The real outage (PostgreSQL stopped under live calls) is in
tests/test_store_outage_e2e.py."""

import asyncio
import json
from pathlib import Path

import pytest

from callcenter.domain.calls import wire_text
from callcenter.services.call_log import CallLog
from callcenter.services.call_spool import CallSpool, SpoolError
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.call_service import CallService

TRACES = Path(__file__).parent / "traces"


def _events(name: str) -> list[dict[str, str]]:
    events: list[dict[str, str]] = json.loads((TRACES / f"{name}.json").read_text("utf-8"))
    return events


class AwayLog(CallLog):
    """A real call log over a real store, whose store can be made to refuse writes."""

    away = False
    tries = 0

    def save(self, calls):
        self.tries += 1
        if self.away:
            raise ConnectionRefusedError("store away")
        return super().save(calls)


def _log(tmp_path: Path) -> AwayLog:
    engine = make_engine(f"sqlite:///{tmp_path / 'calls.db'}")
    migrate(engine)
    return AwayLog(UnitsOfWork(engine), tmp_path, "/var/spool/asterisk/hotline-rec", record_of,
                   measure_files=False)


async def _until(check, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")


def test_a_batch_reads_back_as_written_names_and_all(tmp_path):
    spool = CallSpool(tmp_path / "spool")
    event = {"Event": "Newchannel", "CallerIDName": "张三\"<b>", "Uniqueid": "1.1",
             "Linkedid": "1.1"}
    first = spool.put({"1.1": {wire_text(event): event}})
    second = spool.put({"1.2": {}})
    assert spool.batches() == [first, second]
    assert spool.read(first) == {"1.1": {wire_text(event): event}}
    assert oct(first.stat().st_mode & 0o777) == "0o640"
    assert not list((tmp_path / "spool").glob(".*.tmp"))  # nothing half-written left
    spool.done(first)
    assert spool.batches() == [second]


def test_a_file_that_is_not_a_batch_is_moved_aside_not_blocking(tmp_path):
    spool = CallSpool(tmp_path / "spool")
    bad = spool.put({"1.1": {}})
    bad.write_text('{"1.1": [[["Event"')  # cut short, e.g. by hand
    good = spool.put({"1.2": {}})
    assert spool.read(bad) == {}
    assert spool.batches() == [good]
    assert bad.with_name(bad.name + ".bad").exists()


def test_a_spool_that_cannot_be_written_says_so(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(SpoolError, match="spool"):
        CallSpool(tmp_path / "file" / "spool").put({"1.1": {}})


async def test_calls_the_store_refused_are_kept_on_disk_and_stored_once_it_answers(tmp_path):
    log = _log(tmp_path)
    spool = CallSpool(tmp_path / "spool")
    calls = CallService(log, grace=0.05, spool=spool, retry_after=0.1)
    await calls.start()
    try:
        log.away = True
        events = []
        for name in ("abandoned_in_queue", "ivr_hangup"):  # one after the other, as on a line
            events += _events(name)
            for e in _events(name):
                calls.feed(e)
            await asyncio.sleep(0.2)
        await _until(lambda: spool.batches() and not calls.held)
        assert log.list() == []
        assert calls.spooled >= 1
        log.away = False
        await _until(lambda: not spool.batches())
        rows = log.list()
        assert len(rows) == 2 and all(r.ended_at is not None for r in rows)
        for row in rows:
            mine = {wire_text(e) for e in events if e.get("Linkedid") == row.linkedid}
            assert {wire_text(e) for e in log.trail(row.linkedid)} == mine
    finally:
        await calls.flush()


async def test_a_run_killed_while_the_store_was_away_leaves_its_calls_to_the_next(tmp_path):
    log = _log(tmp_path)
    spool = CallSpool(tmp_path / "spool")
    first = CallService(log, grace=0.05, spool=spool, retry_after=0.1)
    await first.start()
    log.away = True
    events = _events("abandoned_in_queue")
    for e in events:
        first.feed(e)
    await _until(lambda: spool.batches() and not first.held)
    # kill -9: nothing more of the first run happens; what it spooled is on disk.
    for task in (first._persister, first._drainer):
        task.cancel()
    log.away = False
    second = CallService(log, grace=0.05, spool=spool, retry_after=0.1)
    await second.start()  # drains before it takes any call
    try:
        assert spool.batches() == []
        (row,) = log.list()
        assert row.disposition == "abandoned_queue"
    finally:
        await second.flush()


async def test_stopping_while_the_store_is_away_keeps_the_live_calls_on_disk(tmp_path):
    log = _log(tmp_path)
    spool = CallSpool(tmp_path / "spool")
    calls = CallService(log, grace=0.05, spool=spool, retry_after=0.1)
    await calls.start()
    log.away = True
    events = _events("abandoned_in_queue")
    live = [e for e in events if e.get("Event") != "Hangup"]
    for e in live:
        calls.feed(e)
    await calls.flush()
    (batch,) = spool.batches()
    (lid,) = spool.read(batch)
    assert lid == next(e["Linkedid"] for e in events if "Linkedid" in e)
    log.away = False
    again = CallService(log, grace=0.05, spool=spool)
    await again.start()
    try:
        (row,) = log.list()
        assert row.disposition == "in_progress"  # stored as a stopped run stores live calls
    finally:
        await again.flush()


async def test_without_room_on_disk_the_calls_stay_held_and_are_retried(tmp_path):
    log = _log(tmp_path)
    (tmp_path / "file").write_text("")
    calls = CallService(log, grace=0.05, spool=CallSpool(tmp_path / "file" / "spool"),
                        retry_after=0.1)
    await calls.start()
    try:
        log.away = True
        for e in _events("ivr_hangup"):
            calls.feed(e)
        await _until(lambda: log.tries >= 3)
        assert calls.held == 1 and log.list() == []
        log.away = False
        await _until(lambda: len(log.list()) == 1)
    finally:
        await calls.flush()
