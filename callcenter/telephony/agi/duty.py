"""The FastAGI script "duty": a supervisor forces day or night from a seat's phone (*88).

PIN first (three tries), then 1 day, 2 night, 0 back to the schedule. The change is stored as
that supervisor's, like one made in the API. Nothing keyed reaches a log or a command: the PIN
is compared, the mode is one key of three.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from callcenter.contract.dialplan import CC_DUTY_RESULT
from callcenter.telephony.agi.server import AgiError, AgiRequest, AgiSession

log = logging.getLogger(__name__)
_RESULT = re.compile(r"200 result=(-?[0-9]*)")
MODES = {"1": "day", "2": "night", "0": "auto"}
TRIES = 3
TIME_LIMIT = 120.0


class DutyAnswers:
    def __init__(self, supervisor_of: Callable[[str], str | None],
                 force: Callable[[str, str], object], wait_ms: int = 8000) -> None:
        self.supervisor_of = supervisor_of  # PIN -> supervisor id, or None
        self.force = force                  # (mode, supervisor id)
        self.wait_ms = wait_ms

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        try:
            await self._converse(session)
        except AgiError as exc:
            log.info("duty change by phone ended early: %s", exc)

    async def _keys(self, session: AgiSession, prompt: str, most: int) -> str:
        reply = await session.command("GET DATA", f"hotline/{prompt}", str(self.wait_ms),
                                      str(most), timeout=self.wait_ms / 1000 + 60)
        got = _RESULT.match(reply)
        return got.group(1) if got else "-1"

    async def _converse(self, session: AgiSession) -> None:
        supervisor = None
        for _ in range(TRIES):
            pin = await self._keys(session, "duty_pin", 8)
            if pin == "-1":
                return
            supervisor = await asyncio.to_thread(self.supervisor_of, pin) if pin else None
            if supervisor is not None:
                break
            await session.command("STREAM FILE", "hotline/duty_wrong", "", timeout=60)
        if supervisor is None:
            log.warning("duty change by phone refused: %d wrong PINs", TRIES)
            await session.set_variable(CC_DUTY_RESULT, "refused")
            return
        key = await self._keys(session, "duty_mode", 1)
        if key not in MODES:
            await session.set_variable(CC_DUTY_RESULT, "no_change")
            return
        await asyncio.to_thread(self.force, MODES[key], supervisor)
        await session.command("STREAM FILE", "hotline/duty_done", "", timeout=60)
        await session.set_variable(CC_DUTY_RESULT, MODES[key])
