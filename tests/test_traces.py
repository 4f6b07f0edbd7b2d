"""AMI traces captured from the real sandbox (tests/traces/, refreshed with
`pytest tests/test_call_e2e.py --capture-traces DIR`), replayed through the live path: the
call service the controller feeds, over a real store. Each must give the record the
end-to-end test saw."""

import asyncio
import json
from pathlib import Path

import pytest

from callcenter.domain.calls import Disposition, wire_text
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.call_service import CallService

TRACES = Path(__file__).parent / "traces"


def _trace(name: str) -> list[dict[str, str]]:
    events: list[dict[str, str]] = json.loads((TRACES / f"{name}.json").read_text("utf-8"))
    return events


async def _replay(events: list[dict[str, str]], tmp_path: Path) -> CallLog:
    engine = make_engine(f"sqlite:///{tmp_path / 'calls.db'}")
    migrate(engine)
    log = CallLog(UnitsOfWork(engine), tmp_path, "/var/spool/asterisk/hotline-rec", record_of,
                  measure_files=False)
    calls = CallService(log, grace=0.05)
    await calls.start()
    for e in events:
        calls.feed(e)
        await asyncio.sleep(0)
    await asyncio.sleep(0.3)  # past the grace: late parts merged
    await calls.flush()
    return log


def _citizen_calls(events: list[dict[str, str]]) -> set[str]:
    return {e["Linkedid"] for e in events
            if e.get("Event") in ("Newchannel", "CoreShowChannel")
            and e.get("Uniqueid") == e.get("Linkedid")}


@pytest.mark.parametrize("name", ["abandoned_in_queue", "ivr_hangup", "fallback_controller_down",
                                  "ami_reconnect_mid_call"])
async def test_a_captured_trace_replays_to_one_complete_record(name, tmp_path):
    events = _trace(name)
    log = await _replay(events, tmp_path)
    (row,) = log.list()
    assert {row.linkedid} == _citizen_calls(events)
    assert row.ended_at is not None and row.hung_up_by == "citizen"
    # The live path stored every event of the call, and the record is their fold.
    mine = {wire_text(e): e for e in events if e.get("Linkedid") == row.linkedid}
    assert {wire_text(e) for e in log.trail(row.linkedid)} == set(mine)
    assert record_of(row.linkedid, mine).disposition.value == row.disposition


async def test_abandoned_in_queue(tmp_path):
    events = _trace("abandoned_in_queue")
    (row,) = (await _replay(events, tmp_path)).list()
    assert row.disposition == Disposition.ABANDONED_QUEUE.value
    assert row.seat is None and row.answered_at is None and row.queue == "hotline"
    (abandon,) = [e for e in events if e.get("Event") == "QueueCallerAbandon"]
    assert abs(row.wait_s - int(abandon["HoldTime"])) < 1.0


async def test_hang_up_during_the_prompts(tmp_path):
    (row,) = (await _replay(_trace("ivr_hangup"), tmp_path)).list()
    assert row.disposition == Disposition.ABANDONED_IVR.value
    assert row.queue is None and row.answered_at is None


async def test_fallback_while_the_controller_was_down(tmp_path):
    events = _trace("fallback_controller_down")
    log = await _replay(events, tmp_path)
    (row,) = log.list()
    assert row.disposition == Disposition.ANSWERED.value and row.fallback
    assert row.dialled_number == "12345" and row.seat in ("8001", "8002")
    recovered = {e["Fact"] for e in log.trail(row.linkedid) if e.get("Origin") == "resync"}
    assert recovered == {"start", "fallback"}
    # The controller met this call in its first resync, not at its start.
    assert not any(e.get("Event") == "Newchannel" and e.get("Uniqueid") == row.linkedid
                   for e in events)


async def test_ami_reconnect_mid_call(tmp_path):
    events = _trace("ami_reconnect_mid_call")
    (row,) = (await _replay(events, tmp_path)).list()
    assert row.disposition == Disposition.ANSWERED.value and row.seat in ("8001", "8002")
    # Two logins, two resyncs: the second met the call under way.
    assert sum(e.get("Event") == "CoreShowChannelsComplete" for e in events) >= 2
    assert any(e.get("Event") == "CoreShowChannel" and e.get("Linkedid") == row.linkedid
               for e in events)
