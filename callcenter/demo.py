"""`callcenter simulate`: SIPp seats answer, SIPp citizens call the running sandbox line."""

from __future__ import annotations

import time

from callcenter import simulate
from callcenter.config import Settings


def simulate_calls(settings: Settings, calls: int, hold: float, key: str | None) -> int:
    phones = [simulate.seat_phone(seat.sandbox_port, 17000 + 10 * i)
              for i, seat in enumerate(settings.seats)]
    try:
        time.sleep(0.5)
        citizens = []
        for n in range(calls):
            caller = f"1380013{n:04d}"
            citizens.append(simulate.call(settings.number, settings.sip_port,
                                          settings.trunk_sandbox_port if n == 0 else 25070 + n,
                                          18000 + 10 * n, caller, int(hold * 1000),
                                          keys=[(key, 500)] if key else []))
            time.sleep(1)
        failed = 0
        for c in citizens:
            rc = c.wait(timeout=hold + settings.queue_max_wait + 120)
            failed += rc != 0
        print(f"{calls - failed} of {calls} simulated calls completed; see `callcenter calls`")
        return 1 if failed else 0
    finally:
        for p in phones:
            p.stop()
