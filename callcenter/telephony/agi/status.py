"""The FastAGI script "status": the caller keys a ticket number and hears its status.

The caller's number comes from Asterisk (agi_callerid), never from what they key; keyed text
reaches no command: only a ticket number parsed as an integer is looked up, and only prompt
names and numbers are sent back. Three wrong or empty entries end the lookup. The dialplan
reports the outcome (Fact: status) in the call's trail: found / gave_up and the prompt said,
never the number keyed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from callcenter.contract.dialplan import CC_STATUS_RESULT, CC_STATUS_SAID
from callcenter.domain.self_service import (
    MAX_DIGITS,
    MAX_TRIES,
    StatusAnswer,
    ticket_number,
)
from callcenter.telephony.agi.server import AgiError, AgiRequest, AgiSession

log = logging.getLogger(__name__)
_RESULT = re.compile(r"200 result=(-?[0-9]*)")
Lookup = Callable[[int, str], StatusAnswer | None]
# How long a whole lookup may take: three prompts and entries, and the answer spoken.
TIME_LIMIT = 120.0


class StatusAnswers:
    def __init__(self, lookup: Lookup, wait_ms: int = 6000) -> None:
        self.lookup = lookup
        self.wait_ms = wait_ms

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        try:
            await self._converse(request.caller, session)
        except AgiError as exc:
            log.info("status lookup ended early: %s", exc)  # most often: the caller hung up

    async def _converse(self, caller: str, session: AgiSession) -> None:
        for _ in range(MAX_TRIES):
            reply = await session.command("GET DATA", "hotline/status_enter", str(self.wait_ms),
                                          str(MAX_DIGITS), timeout=self.wait_ms / 1000 + 30)
            m = _RESULT.match(reply)
            if m is None or m.group(1) == "-1":
                return  # the caller hung up (or the channel failed)
            number = ticket_number(m.group(1))
            found = await asyncio.to_thread(self.lookup, number, caller) \
                if number is not None else None
            if found is not None:
                await self._say(session, found)
                await session.set_variable(CC_STATUS_SAID, found.prompt)
                await session.set_variable(CC_STATUS_RESULT, "found")
                return
            await self._play(session, "hotline/status_not_found")
        await self._play(session, "hotline/status_goodbye")
        await session.set_variable(CC_STATUS_RESULT, "gave_up")

    async def _say(self, session: AgiSession, found: StatusAnswer) -> None:
        await self._play(session, f"hotline/{found.prompt}")
        if found.due is not None:
            await self._play(session, "hotline/status_due")
            await session.command("SAY NUMBER", str(found.due.month), "", timeout=15)
            await self._play(session, "hotline/date_month")
            await session.command("SAY NUMBER", str(found.due.day), "", timeout=15)
            await self._play(session, "hotline/date_day")

    @staticmethod
    async def _play(session: AgiSession, prompt: str) -> None:
        await session.command("STREAM FILE", prompt, "", timeout=60)
