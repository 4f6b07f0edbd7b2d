"""Placing SIPp citizens' calls on the sandbox line and waiting for the stored records."""

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ports
from sqlalchemy import select
from tickets_support import engine_of

from callcenter import simulate
from callcenter.config import Settings
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork

_calls = iter(enumerate(ports.CITIZENS))

if TYPE_CHECKING:
    from callcenter.controller import Controller


def place_call(settings: Settings, caller: str, hold_ms: int, key: str | None = None,
               key_after_ms: int = 0, audio: Path = simulate.DEFAULT_AUDIO,
               then_key: str | None = None, then_after_ms: int = 0,
               more_keys: Sequence[tuple[str, int]] = (), routed: bool = False) -> simulate.Sipp:
    """A citizen's call; `key` pressed key_after_ms after answer, `then_key` then_after_ms
    after that, then each of `more_keys` (key, ms after the one before)."""
    n, port = next(_calls)
    keys = [(key, key_after_ms)] if key else []
    keys += [(then_key, then_after_ms)] if then_key else []
    keys += list(more_keys)
    return simulate.call(settings.number, settings.sip_port, port, ports.media(100 + n),
                         caller, hold_ms, audio=audio, keys=keys, timeout_s=90, routed=routed)


async def finish(call: simulate.Sipp, timeout: float = 90) -> None:
    rc = await asyncio.to_thread(call.wait, timeout)
    assert rc == 0, f"SIPp citizen failed ({rc}): {call.errors()[:1500]}"


async def stored_calls(controller: "Controller", expect: int, timeout: float = 20) -> list[CallRow]:
    deadline = time.monotonic() + timeout
    while True:
        with UnitOfWork(engine_of(controller.call_log.uow), read_only=True) as uow:
            rows = list(uow.session.scalars(select(CallRow)).all())
            if (len(rows) >= expect and all(r.ended_at for r in rows)) or \
                    time.monotonic() > deadline:
                return rows
        await asyncio.sleep(0.3)


async def until(check: Callable[[], object], timeout: float = 10.0, step: float = 0.05) -> None:
    """Wait until `check()` is true; fail the test after `timeout` seconds."""
    for _ in range(int(timeout / step)):
        if check():
            return
        await asyncio.sleep(step)
    raise AssertionError("timed out")
