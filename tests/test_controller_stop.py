"""The controller process stopped mid-call and right after a hang-up, gently (SIGTERM) and
not (kill -9), on the real sandbox Asterisk: once it is back, exactly one correct record."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from call_support import finish, place_call
from sqlalchemy import select

from callcenter.storage.engine import make_engine
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork

pytestmark = pytest.mark.asterisk


_started: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_stray_controllers():
    yield
    while _started:
        p = _started.pop()
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


class Proc:
    """`callcenter run` as its own process, its log in a file."""

    def __init__(self, home: Path, url: str, log: Path) -> None:
        self.log = log
        start = log.stat().st_size if log.exists() else 0
        env = {**os.environ, "CALLCENTER_DB_URL": url, "CALLCENTER_HOME": str(home)}
        with log.open("a") as out:
            self.p = subprocess.Popen(
                [sys.executable, "-m", "callcenter", "--config",
                 str(home / "config" / "hotline.toml"), "run"], env=env, stderr=out)
        _started.append(self.p)
        self._wait_for("AMI logged in", start)

    def _wait_for(self, text: str, start: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text()[start:]:
                return
            assert self.p.poll() is None, self.log.read_text()[-2000:]
            time.sleep(0.1)
        raise AssertionError(f"no {text!r}: {self.log.read_text()[-2000:]}")

    def term(self) -> int:
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=30)

    def kill(self) -> None:
        self.p.kill()
        self.p.wait(timeout=10)


def _rows(url: str) -> list[CallRow]:
    engine = make_engine(url)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            rows = list(uow.session.scalars(select(CallRow)).all())
            for r in rows:
                _ = r.legs  # loaded before the session ends
            return rows
    finally:
        engine.dispose()


async def _until(url: str, done, timeout: float = 30) -> list[CallRow]:
    deadline = time.monotonic() + timeout
    while True:
        rows = _rows(url)
        if done(rows) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.3)


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
    (row,) = await _until(url, lambda rows: len(rows) == 1 and rows[0].answered_at)
    assert first.term() == 0
    (row,) = _rows(url)
    assert row.disposition == "in_progress" and row.answered_at is not None
    back = Proc(sandbox_home, url, log)
    try:
        await finish(call)
        rows = await _until(url, _ended)
        (row,) = rows
        assert row.disposition == "answered" and row.hung_up_by == "citizen"
        assert row.seat in ("8001", "8002") and row.talk_s > 5
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
    finally:
        assert back.term() == 0


async def test_sigterm_right_after_the_hang_up_loses_nothing(sandbox_home, settings, asterisk,
                                                           seat_phones, url, tmp_path):
    proc = Proc(sandbox_home, url, tmp_path / "controller.log")
    call = place_call(settings, "13500135001", hold_ms=9000)
    await finish(call)
    assert proc.term() == 0
    (row,) = _rows(url)
    assert row.disposition == "answered" and row.ended_at is not None and row.talk_s > 2


async def test_kill_right_after_the_hang_up_loses_nothing(sandbox_home, settings, asterisk,
                                                         seat_phones, url, tmp_path):
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    call = place_call(settings, "13500135002", hold_ms=9000)
    await finish(call)
    await asyncio.sleep(0.3)  # the hang-up's events reach the controller
    proc.kill()
    back = Proc(sandbox_home, url, log)
    try:
        (row,) = await _until(url, _ended, timeout=10)
        assert row.disposition == "answered" and row.talk_s > 2
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
    finally:
        assert back.term() == 0


async def test_kill_mid_call_leaves_a_record_the_next_run_completes(sandbox_home, settings,
                                                                    asterisk, seat_phones,
                                                                    url, tmp_path):
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    call = place_call(settings, "13500135003", hold_ms=12000)
    await _until(url, lambda rows: len(rows) == 1 and rows[0].answered_at)  # the checkpoint
    proc.kill()
    await finish(call)  # the call ends while nobody watches
    back = Proc(sandbox_home, url, log)
    try:
        rows = await _until(url, lambda rows: rows and rows[0].disposition != "in_progress")
        (row,) = rows
        # Answered, by which seat, when: all known. When it ended was not seen, and is not made
        # up.
        assert row.disposition == "answered" and row.seat in ("8001", "8002")
        assert row.answered_at is not None and row.ended_at is None
    finally:
        assert back.term() == 0
