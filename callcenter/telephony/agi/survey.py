"""The FastAGI script "survey": the satisfaction callback by keys, on a call the controller
placed to the citizen of a closed ticket. The ticket comes from a variable the controller set
(digits only); the answers are recorded on the ticket as the system's callback, and the
outcome (recorded / incomplete) is a fact of the call."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from callcenter.contract.dialplan import CC_SURVEY_RESULT
from callcenter.domain.replies import Callback
from callcenter.domain.survey import QUESTIONS, Answers
from callcenter.telephony.agi.server import AgiError, AgiRequest, AgiSession

log = logging.getLogger(__name__)
_RESULT = re.compile(r"200 result=(-?[0-9]*)")
_TICKET = re.compile(r"[1-9][0-9]{0,11}")
TIME_LIMIT = 180.0
Record = Callable[[int, Callback], None]


class SurveyAnswers:
    def __init__(self, record: Record, wait_ms: int = 8000) -> None:
        self.record = record
        self.wait_ms = wait_ms

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        # The dialplan passes the ticket (CC_SURVEY_TICKET, set by the controller) as the
        # script's argument.
        arg = request.env.get("agi_arg_1", "")
        if not _TICKET.fullmatch(arg):
            log.error("survey without a ticket number; nothing asked")
            return
        try:
            await self._converse(session, int(arg))
        except AgiError as exc:
            log.info("survey ended early: %s", exc)

    async def _converse(self, session: AgiSession, ticket: int) -> None:
        await session.command("STREAM FILE", "hotline/survey_intro", "", timeout=60)
        keys: list[str] = []
        for prompt, allowed in QUESTIONS:
            key = await self._ask(session, prompt)
            if key not in ("", "-1") and key not in allowed:
                key = await self._ask(session, prompt)  # outside the range: asked once more
            if key == "-1":
                return  # the citizen hung up
            if not key or key not in allowed:
                await session.command("STREAM FILE", "hotline/survey_incomplete", "",
                                      timeout=60)
                await session.set_variable(CC_SURVEY_RESULT, "incomplete")
                return
            keys.append(key)
        answers = Answers(tuple(keys))
        if not answers.complete():
            return
        await asyncio.to_thread(self.record, ticket, answers.callback())
        await session.command("STREAM FILE", "hotline/survey_thanks", "", timeout=60)
        await session.set_variable(CC_SURVEY_RESULT, "recorded")

    async def _ask(self, session: AgiSession, prompt: str) -> str:
        """The key pressed: "" for none, "-1" when the caller hung up."""
        reply = await session.command("GET DATA", f"hotline/{prompt}", str(self.wait_ms), "1",
                                      timeout=self.wait_ms / 1000 + 60)
        got = _RESULT.match(reply)
        return got.group(1) if got else "-1"
