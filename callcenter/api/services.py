"""The services the API serves, built by callcenter/bootstrap.py, and who is asking."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from callcenter.api.http import SESSION_CHECK, SESSION_VIEWER
from callcenter.api.tokens import Tokens, viewer_for
from callcenter.domain.privacy import Viewer
from callcenter.services.access_audit import AccessAudit
from callcenter.services.agents import AgentDesk
from callcenter.services.calendar import CalendarService
from callcenter.services.callbacks import Callbacks
from callcenter.services.desk_calls import DeskCalls
from callcenter.services.desk_events import DeskEvents
from callcenter.services.duty import DutyDesk
from callcenter.services.errors import NotFound
from callcenter.services.kb import KnowledgeBase
from callcenter.services.recordings import Recordings
from callcenter.services.reports import Reports
from callcenter.services.rules import current_generation
from callcenter.services.screen_pop import ScreenPop
from callcenter.services.sweeper import Sweeper
from callcenter.services.tickets import TicketService
from callcenter.services.topics import Topics
from callcenter.services.transcript_search import TranscriptSearch
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.services.units import UnitsDirectory
from callcenter.services.wallboard import Wallboard

log = logging.getLogger(__name__)


@dataclass
class Api:
    tickets: TicketService
    units: UnitsDirectory
    kb: KnowledgeBase
    sweeper: Sweeper
    tokens: Tokens | Mapping[str, Viewer]  # a TokenFile in the running API
    transcripts: TranscriptSearch
    topics: Topics
    calendar: CalendarService
    desk: AgentDesk
    desk_calls: DeskCalls
    pop: ScreenPop
    events: DeskEvents
    wallboard: Wallboard
    problems: TranscriptionQueue  # the recordings the office looks after
    # Seconds between a stream's looks: its screen pop shows within this of the answer (the
    # looks are shared: DeskEvents reads the store once for every stream).
    events_every: float = 0.05
    # None: not served here (the routes answer 404).
    callbacks: Callbacks | None = None
    duty: DutyDesk | None = None
    reports: Reports | None = None
    recordings: Recordings | None = None
    audit: AccessAudit | None = None
    report_language: str = "zh"
    watch_every: float = 10.0  # seconds between looks at the calendar file

    def viewer(self, request: web.Request) -> Viewer:
        """The person the request's bearer token names, or the signed-in console's person;
        401 without either."""
        v = viewer_for(self.tokens, request.headers.get("Authorization"))
        if v is None and "Authorization" not in request.headers:
            v = request.get(SESSION_VIEWER)
        if v is None:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "a valid bearer token is required"}),
                content_type="application/json", headers={"WWW-Authenticate": "Bearer"})
        return v

    def still_the_same(self, request: web.Request, who: Viewer) -> bool:
        """Whether the request's bearer token or console session still names `who`: a
        revoked token, an ended session or a disabled person ends a long stream."""
        header = request.headers.get("Authorization")
        if header is not None:
            return viewer_for(self.tokens, header) == who
        check = request.get(SESSION_CHECK)
        return check is not None and check() == who

    def duty_desk(self) -> DutyDesk:
        return _served(self.duty, "no duty plan is configured")

    def callbacks_service(self) -> Callbacks:
        return _served(self.callbacks, "callbacks are not configured")

    def reports_service(self) -> Reports:
        return _served(self.reports, "reports are not served here")

    def recordings_service(self) -> Recordings:
        return _served(self.recordings, "recordings are not served here")

    def audit_service(self) -> AccessAudit:
        return _served(self.audit, "the access audit is not served here")

    def watch_calendar_once(self, seen: int) -> int:
        """Recompute provisional due times if the calendar changed since generation `seen`;
        returns the generation now in force."""
        generation = current_generation(self.tickets.rules)
        if generation != seen:
            report = self.calendar.recompute()
            log.info("calendar changed: %d tickets recomputed", report.changed)
        return generation


T = TypeVar("T")


def _served(part: T | None, missing: str) -> T:
    """A part this process may not serve (callbacks, duty, reports …): 404 when it does not."""
    if part is None:
        raise NotFound(missing)
    return part
