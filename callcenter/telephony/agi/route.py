"""The scripts the dialplan asks over FastAGI, each answered by its own handler, and the first
of them: "what now with this caller?" (script `route`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from callcenter.contract.dialplan import settable
from callcenter.domain.routing import RoutingPolicy
from callcenter.logs import Recurring
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


# How long one answer to "what now?" serves every caller. The answer reads the store (a forced
# day or night) and the duty plan in a worker thread; at 10 new calls a second, each call's
# own read waited behind the call log's writes for a free thread (FastAGI p99 up to 1 s,
# bench/load_ramp.py). A supervisor's forced night is still heard within FRESH seconds.
FRESH = 1.0
STALE = 10.0  # an answer older than this is never given: the caller waits for a new one


class RouteAnswers:
    """Answers the dialplan's "what now with this caller?" (script `route`)."""

    def __init__(self, routing: RoutingPolicy, fresh: float = FRESH, stale: float = STALE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.routing = routing
        self.fresh = fresh
        self.stale = stale
        self.clock = clock
        self._answer: dict[str, str] | None = None
        self._at = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self._failing = Recurring(log, "reading the routing answer (the last one serves "
                                       f"until it is {stale:.0f} s old)")

    async def _refresh(self) -> None:
        try:
            answer = await asyncio.to_thread(self.routing.route)
        except Exception:
            self._failing.failed()
            raise
        self._failing.worked()
        self._answer, self._at = answer, self.clock()

    def _start_refresh(self) -> asyncio.Task[None]:
        # One look at a time, shared by every caller that needs it.
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh())
            self._refreshing.add_done_callback(
                lambda t: t.cancelled() or t.exception())  # retrieved: logged in _refresh
        return self._refreshing

    async def current(self) -> dict[str, str]:
        age = self.clock() - self._at
        if self._answer is None or age >= self.stale:
            await asyncio.shield(self._start_refresh())
        elif age >= self.fresh:
            self._start_refresh()  # answered from memory at once; the next caller gets it
        assert self._answer is not None
        return self._answer

    async def __call__(self, request: AgiRequest, session: AgiSession) -> None:
        for name, value in (await self.current()).items():
            if not settable(name, value):
                raise ValueError(f"refusing to set {name}={value!r}")
            await session.set_variable(name, value)
