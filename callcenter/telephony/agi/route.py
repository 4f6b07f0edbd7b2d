"""The scripts the dialplan asks over FastAGI, each answered by its own handler, and the first
of them: "what now with this caller?" (script `route`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from callcenter.contract.dialplan import settable
from callcenter.domain.routing import RoutingPolicy
from callcenter.telephony.agi.server import AgiRequest, AgiSession, Handler

log = logging.getLogger(__name__)


class AgiScripts:
    """The FastAGI handler: each script the dialplan asks, answered by its own handler."""

    def __init__(self, scripts: Mapping[str, Handler]) -> None:
        self.scripts = dict(scripts)

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        handler = self.scripts.get(request.script)
        if handler is None:
            log.warning("FastAGI: unknown script %r", request.script[:40])
            return
        await handler(request, session)


class RouteAnswers:
    """Answers the dialplan's "what now with this caller?" (script `route`)."""

    def __init__(self, routing: RoutingPolicy) -> None:
        self.routing = routing

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        # The route reads the store (a forced day or night) and the duty plan: off the loop.
        for name, value in (await asyncio.to_thread(self.routing.route)).items():
            if not settable(name, value):
                raise ValueError(f"refusing to set {name}={value!r}")
            await session.set_variable(name, value)
