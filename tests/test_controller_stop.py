"""The controller process stopped mid-call and right after a hang-up, gently (SIGTERM) and
not (kill -9), on the real sandbox Asterisk: once it is back, exactly one correct record."""

from __future__ import annotations

import asyncio
import datetime as dt
import os

import pytest
from call_support import finish, place_call
from process_support import Proc, reconcile, rows_of, until_rows

from callcenter.storage.tables import CallRow

pytestmark = pytest.mark.asterisk


def _ended(rows: list[CallRow]) -> bool:
    return len(rows) == 1 and rows[0].ended_at is not None


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'calls.db'}"


async def test_sigterm_mid_call_stores_it_under_way_and_the_next_run_completes_it(
        sandbox_home, settings, asterisk, seat_phones, url, tmp_path):
    log = tmp_path / "controller.log"
    first = Proc(sandbox_home, url, log)
    call = place_call(settings, "13500135000", hold_ms=16000)
    (row,) = await until_rows(url, lambda rows: len(rows) == 1 and rows[0].answered_at)
    assert first.term() == 0
    (row,) = rows_of(url)
    assert row.disposition == "in_progress" and row.answered_at is not None
    back = Proc(sandbox_home, url, log)
    try:
        await finish(call)
        rows = await until_rows(url, _ended)
        (row,) = rows
        assert row.disposition == "answered" and row.hung_up_by == "citizen"
        assert row.seat in ("8001", "8002") and row.talk_s > 5
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
    finally:
        assert back.term() == 0


async def test_sigterm_right_after_the_hang_up_loses_nothing(sandbox_home, settings, asterisk,
                                                           seat_phones, url, tmp_path):
    proc = Proc(sandbox_home, url, tmp_path / "controller.log")
    # Root here, so its loop took the real-time priority it asks for by default.
    assert (os.geteuid() != 0 or "the event loop runs real-time (round-robin, priority 1)"
            in proc.log.read_text())
    call = place_call(settings, "13500135001", hold_ms=9000)
    await finish(call)
    assert proc.term() == 0
    (row,) = rows_of(url)
    assert row.disposition == "answered" and row.ended_at is not None and row.talk_s > 2


async def test_kill_right_after_the_hang_up_loses_nothing(sandbox_home, settings, asterisk,
                                                         seat_phones, url, tmp_path):
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    since = dt.datetime.now(dt.UTC).isoformat()
    call = place_call(settings, "13500135002", hold_ms=9000)
    await finish(call)
    await asyncio.sleep(0.3)  # the hang-up's events reach the controller
    proc.kill()
    back = Proc(sandbox_home, url, log)
    try:
        (row,) = await until_rows(url, _ended, timeout=10)
        assert row.disposition == "answered" and row.talk_s > 2
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
        found = reconcile(sandbox_home, url, since)
        assert found["ok"] and found["citizen_calls"] == 1, found
    finally:
        assert back.term() == 0


async def test_kill_mid_call_leaves_a_record_the_next_run_completes(sandbox_home, settings,
                                                                    asterisk, seat_phones,
                                                                    url, tmp_path):
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    since = dt.datetime.now(dt.UTC).isoformat()
    call = place_call(settings, "13500135003", hold_ms=12000)
    await until_rows(url, lambda rows: len(rows) == 1 and rows[0].answered_at)  # the checkpoint
    proc.kill()
    await finish(call)  # the call ends while nobody watches
    back = Proc(sandbox_home, url, log)
    try:
        rows = await until_rows(url, lambda rows: rows and rows[0].disposition != "in_progress")
        (row,) = rows
        # Answered, by which seat, when: all known. When it ended was not seen, and is not made
        # up.
        assert row.disposition == "answered" and row.seat in ("8001", "8002")
        assert row.answered_at is not None and row.ended_at is None
        found = reconcile(sandbox_home, url, since)
        assert found["ok"] and found["citizen_calls"] == 1, found
    finally:
        assert back.term() == 0
