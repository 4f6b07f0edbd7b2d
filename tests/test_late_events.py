"""Late events reach the call they belong to, however long ago (or by whom) it was stored."""

import asyncio
import json
import socket
import tempfile
from pathlib import Path

import hypothesis
from hypothesis import strategies as st

from callcenter.bootstrap import standalone_controller
from callcenter.domain.calls import wire_text
from callcenter.telephony.call_facts import CALL_EVENTS, record_of
from callcenter.telephony.tracker import CallTracker

TRACE = json.loads((Path(__file__).parent / "data" / "answered_call.json").read_text())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_late_event_merges_into_a_call_an_earlier_process_stored(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    tracker = CallTracker()
    for e in TRACE:
        tracker.feed(e)
    ((lid, trail),) = tracker.drain().items()
    # No Asterisk: the AMI port is closed, so only what on_event is given happens.
    c = standalone_controller(
        settings.with_overrides(store_url=url, ami_port=_closed_port(), agi_port=0), grace=0.1)
    await c.start()
    try:
        await asyncio.to_thread(c.call_log.save, {lid: trail})  # as a previous run left it
        late = {"Event": "UserEvent", "UserEvent": "CallCenter", "Fact": "late",
                "Uniqueid": lid, "Linkedid": lid, "Timestamp": "1795461999.000000"}
        stray = {**late, "Uniqueid": "1.999", "Linkedid": "1.999"}
        c.on_event(late)
        c.on_event(stray)
        for _ in range(100):
            if wire_text(late) in map(wire_text, c.call_log.trail(lid)):
                break
            await asyncio.sleep(0.05)
        assert c.call_log.trail(lid) == [*trail.values(), late]
        # A fragment of a call never stored is not invented into a call; it waits in the
        # tracker for the resync that will say whether it is alive.
        assert not c.call_log.exists("1.999")
        assert "1.999" in c.tracker.calls and lid not in c.tracker.calls
    finally:
        await c.stop()


def _record_of(c, lid):
    return record_of(lid, {wire_text(e): e for e in c.call_log.trail(lid)})


async def _settle(c, lid, n_events, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if len(c.call_log.trail(lid)) == n_events and not c.tracker.calls:
            return
        await asyncio.sleep(0.05)


CALL = [e for e in TRACE if e.get("Linkedid") and e["Event"] in CALL_EVENTS]


@hypothesis.settings(max_examples=15, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(order=st.permutations(CALL), gap_ms=st.sampled_from([0, 5, 20, 40]))
def test_the_stored_call_does_not_depend_on_how_far_apart_events_arrive(settings, order,
                                                                         gap_ms):
    """Events of one answered call in any order, spaced up to 4x the grace: the stored record
    is the fold of all of them (the live path is as order-blind as the fold)."""
    lid = CALL[0]["Linkedid"]
    expected = record_of(lid, {wire_text(e): e for e in CALL})
    assert expected.disposition.value == "answered"

    async def run(store: Path) -> None:
        c = standalone_controller(settings.with_overrides(store_url=f"sqlite:///{store}",
                                                          ami_port=_closed_port(), agi_port=0),
                                  grace=0.01)
        await c.start()
        try:
            for e in order:
                c.on_event(dict(e))
                await asyncio.sleep(gap_ms / 1000)
            await _settle(c, lid, len(CALL))
            assert _record_of(c, lid) == expected
            (row,) = c.call_log.list()
            assert row.disposition == "answered"
        finally:
            await c.stop()

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp) / "calls.db"))


async def test_stop_stores_every_call_held_and_the_next_run_completes_them(settings, tmp_path):
    lid = CALL[0]["Linkedid"]
    upto = next(i for i, e in enumerate(CALL) if e["Event"] == "AgentConnect")
    live = CALL[:upto + 1]   # answered, not hung up yet
    url = f"sqlite:///{tmp_path / 'calls.db'}"

    def controller():
        return standalone_controller(settings.with_overrides(
            store_url=url, ami_port=_closed_port(), agi_port=0), grace=0.05)

    c = controller()
    await c.start()
    for e in live:
        c.on_event(dict(e))
    await asyncio.sleep(0.2)  # the checkpoint at answer
    (row,) = c.call_log.list()
    assert row.disposition == "in_progress" and row.answered_at is not None
    more = CALL[upto + 1:upto + 3]
    for e in more:
        c.on_event(dict(e))
    await c.stop()  # what arrived since the checkpoint is stored too
    assert len(c.call_log.trail(lid)) == len(live) + len(more)
    (row,) = c.call_log.list()
    assert row.disposition == "in_progress"

    # The next run holds it again; its first resync finds it gone: completed, not lost.
    c2 = controller()
    await c2.start()
    try:
        assert lid in c2.tracker.calls
        c2.on_event({"Event": "CoreShowChannelsComplete", "ActionID": "cc-2",
                     "EventList": "Complete", "ListItems": "0",
                     "Timestamp": "1795469999.000000"})
        for _ in range(100):
            (row,) = c2.call_log.list()
            if row.disposition != "in_progress":
                break
            await asyncio.sleep(0.05)
        assert row.disposition == "answered" and not c2.tracker.calls
        assert len(c2.call_log.list()) == 1
    finally:
        await c2.stop()


def test_the_controller_stops_on_sigterm_storing_what_it_holds(sandbox_home, tmp_path):
    """The real process: SIGTERM with a call under way ends with exit 0 and its record."""
    import os
    import subprocess
    import sys

    from sqlalchemy import select

    from callcenter.storage.engine import make_engine
    from callcenter.storage.tables import CallRow

    url = f"sqlite:///{tmp_path / 'calls.db'}"
    env = {**os.environ, "CALLCENTER_DB_URL": url, "CALLCENTER_AMI_PORT": str(_closed_port()),
           "CALLCENTER_AGI_PORT": str(_closed_port()), "CALLCENTER_HOME": str(sandbox_home)}
    argv = [sys.executable, "-m", "callcenter", "--config",
            str(sandbox_home / "config" / "hotline.toml"), "run"]
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) as proc:
        _term_after_start(proc)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(CallRow)).all() == []  # nothing held, nothing invented
    engine.dispose()


def _term_after_start(proc):
    import signal
    import time

    try:
        seen = ""
        deadline = time.monotonic() + 30
        while "controller running" not in seen and time.monotonic() < deadline:
            seen += proc.stderr.readline()
        assert "controller running" in seen, seen
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "controller stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
