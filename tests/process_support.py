"""`callcenter run` as its own process (so it can be killed), and the stored calls read from
outside it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.storage.engine import make_engine
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork

_started: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def no_stray_controllers():
    yield
    while _started:
        p = _started.pop()
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


class Proc:
    """`callcenter run` as its own process, its log in a file."""

    def __init__(self, home: Path, url: str, log: Path, wait_for: str = "AMI logged in") -> None:
        self.log = log
        start = log.stat().st_size if log.exists() else 0
        env = {**os.environ, "CALLCENTER_DB_URL": url, "CALLCENTER_HOME": str(home)}
        with log.open("a") as out:
            self.p = subprocess.Popen(
                [sys.executable, "-m", "callcenter", "--config",
                 str(home / "config" / "hotline.toml"), "run"], env=env, stderr=out)
        _started.append(self.p)
        self._wait_for(wait_for, start)

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


def rows_of(url: str) -> list[CallRow]:
    engine = make_engine(url)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            rows = list(uow.session.scalars(select(CallRow)).all())
            for r in rows:
                _ = r.legs  # loaded before the session ends
            return rows
    finally:
        engine.dispose()


async def until_rows(url: str, done, timeout: float = 30) -> list[CallRow]:
    deadline = time.monotonic() + timeout
    while True:
        rows = rows_of(url)
        if done(rows) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.3)




def reconcile(home: Path, url: str, since: str) -> dict[str, object]:
    """`callcenter reconcile` over the sandbox's CEL file: Asterisk's account against the
    store's, from `since` (ISO) on."""
    env = {**os.environ, "CALLCENTER_DB_URL": url, "CALLCENTER_HOME": str(home)}
    out = subprocess.run([sys.executable, "-m", "callcenter", "--config",
                          str(home / "config" / "hotline.toml"), "reconcile", "--since", since,
                          "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1), out.stderr[-2000:]
    found: dict[str, object] = json.loads(out.stdout)
    return found
