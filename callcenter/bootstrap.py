"""The composition root: every part of the hotline is built here, from `Settings`, once.

The CLI, the controller, the API and the workers receive what they use by constructor;
nothing else builds an engine, reads the rules files or chooses a clock. A `Hotline` owns
the one engine of its process and disposes of it in `close()`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from callcenter.config import ConfigError, Settings
from callcenter.domain.calls import GRACE
from callcenter.domain.duty import DutyFileError, DutyPlan, Person
from callcenter.domain.emerging import Thresholds
from callcenter.domain.policy import PolicyError
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.replies import Callback, ReplyRulesError
from callcenter.domain.report_periods import Schedule
from callcenter.domain.routing import RoutingPolicy
from callcenter.domain.tickets import RecordCallback, RulesContext
from callcenter.domain.workdays import CalendarFileError, WorkCalendar
from callcenter.search import phrases
from callcenter.services.agents import AgentDesk
from callcenter.services.backup import Backups
from callcenter.services.calendar import CalendarService
from callcenter.services.call_log import CallLog
from callcenter.services.call_spool import CallSpool
from callcenter.services.callbacks import Callbacks
from callcenter.services.desk_calls import DeskCalls
from callcenter.services.desk_events import DeskEvents
from callcenter.services.duty import DutyDesk, duty_file
from callcenter.services.kb import KnowledgeBase
from callcenter.services.live_assist import LiveAssist
from callcenter.services.live_words import LiveStreams
from callcenter.services.report_delivery import ReportDelivery, Targets
from callcenter.services.reports import Reports
from callcenter.services.rules import (
    Rules,
    RulesSource,
    as_source,
    calendar_file,
    load_calendar,
    load_profiles,
    load_reply_rules,
    topics_file,
)
from callcenter.services.screen_pop import ScreenPop
from callcenter.services.sweeper import Sweeper
from callcenter.services.tickets import TicketService
from callcenter.services.topics import Topics
from callcenter.services.transcript_search import TranscriptSearch
from callcenter.services.transcription_queue import LEASE, TranscriptionQueue
from callcenter.services.units import UnitsDirectory
from callcenter.services.wallboard import Wallboard
from callcenter.services.watched_file import FollowedFile
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.line_config import LineConfig, SeatLine

if TYPE_CHECKING:
    from callcenter.api.services import Api
    from callcenter.api.tokens import Tokens
    from callcenter.console.app import Console
    from callcenter.controller import AmiPort, Controller
    from callcenter.services.access_audit import AccessAudit
    from callcenter.services.people import People
    from callcenter.services.public import PublicDesk
    from callcenter.services.recordings import Recordings

log = logging.getLogger(__name__)


SURVEY = Viewer(Role.AGENT, "system-survey")  # who records the answers keyed in a callback


def system_clock() -> datetime:
    """The clock of every process: the one place a test of the CLI moves it (or hands its
    own to `build`)."""
    return datetime.now(UTC)


def _looked_up_clock() -> datetime:
    return system_clock()  # looked up at each call, so a moved clock is seen


def line_config(s: Settings) -> LineConfig:
    """The slice of the settings the controller's parts on the line use."""
    return LineConfig(
        number=s.number, trunk=s.trunk_outbound,
        seats=tuple(SeatLine(seat.id, seat.interface,
                             tuple(seat.penalties(s.queue_name).items())) for seat in s.seats),
        seat_ring_s=s.queue_ring_timeout, unit_ring_s=s.conference_ring_timeout,
        outside_ring_s=s.duty_ring_timeout, wrapup_s=s.queue_wrapup,
        auto_pause_after=s.queue_auto_pause_after, recordings_root=s.asterisk_recording_root,
        tz=s.tz, unmanaged_ready=s.profile == "sandbox", auto_callbacks=s.callback_auto)


def rules_context(settings: Settings) -> RulesContext:
    try:
        profiles = load_profiles(settings.policies_file)
        calendar = load_calendar(settings.workdays_file)
        replies = load_reply_rules(settings.replies_file)
    except (PolicyError, CalendarFileError, ReplyRulesError) as exc:
        raise ConfigError(str(exc)) from exc
    if settings.policy not in profiles:
        raise ConfigError(f"tickets.policy {settings.policy!r} is not in "
                          f"{settings.policies_file} (there: {', '.join(profiles)})")
    return RulesContext(profiles[settings.policy], calendar, settings.tz, replies)


@dataclass
class Hotline:
    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = _looked_up_clock
    given_rules: Rules | None = field(default=None, repr=False)  # fixed rules (tests)
    _rules: Callable[[], RulesContext] | None = field(default=None, repr=False)

    @property
    def rules(self) -> Callable[[], RulesContext]:
        """The rules, with the calendar file watched (a running process sees a new year).
        Read on first use: the controller and the transcriber never need them."""
        if self._rules is None:
            self._rules = as_source(self.given_rules) if self.given_rules is not None else \
                RulesSource(rules_context(self.settings), self.settings.workdays_file)
        return self._rules

    @functools.cached_property
    def store(self) -> UnitsOfWork:
        """Units of work on the one engine: what every service is given."""
        return UnitsOfWork(self.engine)

    @functools.cached_property
    def tickets(self) -> TicketService:
        # The key phrases of what is registered keep the hotline's phrases whole. Without
        # the dictionary they are rjieba's words alone: registering never fails for it (a
        # message left at night must become a ticket), and the settings checked its lines.
        path = self.settings.reports_dictionary
        try:
            phrases.use_dictionary(phrases.read_dictionary(path))
        except phrases.DictionaryError:
            log.warning("reports.dictionary %s cannot be read: key phrases without it", path)
        return TicketService(self.store, self.rules, self.clock, self.units, self.kb)

    @functools.cached_property
    def units(self) -> UnitsDirectory:
        return UnitsDirectory(self.store)  # needs no rules

    @functools.cached_property
    def kb(self) -> KnowledgeBase:
        return KnowledgeBase(self.store, self.rules, self.clock)

    @functools.cached_property
    def call_log(self) -> CallLog:
        s = self.settings
        from callcenter.telephony.call_facts import record_of

        return CallLog(self.store, s.recording_root, s.asterisk_recording_root, record_of,
                       min_free=s.recordings_min_free_mb << 20)

    @property
    def seat_ids(self) -> list[str]:
        return [seat.id for seat in self.settings.seats]

    def desk(self) -> AgentDesk:
        return AgentDesk(self.store, self.seat_ids, self.clock)

    @functools.cached_property
    def duty_plan(self) -> FollowedFile[DutyPlan]:
        try:
            return duty_file(self.settings.duty_file)
        except (DutyFileError, OSError) as exc:
            raise ConfigError(str(exc)) from exc

    def duty(self) -> DutyDesk:
        """Day or night and who is on duty: the plan's file and the calendar both followed."""
        return DutyDesk(self.store, self.duty_plan, self.working_days, self.settings.tz,
                        self.clock)

    @functools.cached_property
    def working_days(self) -> FollowedFile[WorkCalendar]:
        try:
            return calendar_file(self.settings.workdays_file)
        except (CalendarFileError, OSError) as exc:
            raise ConfigError(str(exc)) from exc

    def callbacks(self) -> Callbacks:
        """Missed calls called back; the policy's "staffed" is the duty plan's day."""
        s = self.settings
        duty = self.duty()
        return Callbacks(self.store, self.seat_ids, self.clock,
                         timedelta(minutes=s.callback_within_minutes),
                         lambda: not duty.decision().night)

    def wallboard(self) -> Wallboard:
        return Wallboard(self.store, self.desk(), self.clock)

    def transcription_problems(self) -> TranscriptionQueue:
        """The transcription queue read by the office (no worker of its own)."""
        return self.transcription_queue("api")

    def screen_pop(self) -> ScreenPop:
        return ScreenPop(self.store, self.rules, self.seat_ids, self.clock)

    def desk_calls(self) -> DeskCalls:
        return DeskCalls(self.store, self.seat_ids, self.clock)

    def sweeper(self) -> Sweeper:
        return Sweeper(self.store, self.rules, self.clock)

    def calendar(self) -> CalendarService:
        return CalendarService(self.store, self.rules, self.clock)

    def search(self) -> TranscriptSearch:
        return TranscriptSearch(self.store, self.clock)

    def access_audit(self) -> AccessAudit:
        from callcenter.services.access_audit import AccessAudit

        return AccessAudit(self.store, self.clock)

    def recordings(self, audit: AccessAudit | None = None) -> Recordings:
        from callcenter.services.recordings import Recordings

        return Recordings(self.store, self.settings.recording_root,
                          audit or self.access_audit())

    def people(self) -> People:
        from callcenter.services.people import People

        return People(self.store, self.clock)

    def public_desk(self) -> PublicDesk:
        from callcenter.services.public import PublicDesk

        return PublicDesk(self.store, self.settings.tz, self.clock)

    def console(self, tokens: Tokens | Mapping[str, Viewer] | None = None) -> Console:
        """The console over the API's services (one process serves both)."""
        from callcenter.console.app import Console

        return Console(api=self.api(tokens), people=self.people(), public=self.public_desk(),
                       tz=self.settings.tz, after_call_s=float(self.settings.queue_wrapup))

    def reports(self) -> Reports:
        s = self.settings
        return Reports(self.store, s.tz, self.clock,
                       Schedule(s.reports_weekly_day, s.reports_monthly_day),
                       Thresholds(min_count=s.reports_rising_min,
                                  factor=s.reports_rising_factor,
                                  cluster_size=s.reports_cluster_size),
                       catch_up=s.reports_catch_up, on_new=self.report_delivery().plan)

    def report_delivery(self) -> ReportDelivery:
        s = self.settings
        return ReportDelivery(self.store, Targets(
            mail_to=tuple(filter(None, (a.strip() for a in s.reports_mail_to.split(",")))),
            mail_from=s.reports_mail_from, smtp_host=s.reports_smtp_host,
            smtp_port=s.reports_smtp_port, webhook=s.reports_webhook,
            fmt=s.reports_deliver_format, language=s.reports_language), self.clock, s.tz)

    def topics(self) -> Topics:
        return Topics(self.store, self.settings.tz)

    def transcription_queue(self, worker: str, lease: timedelta = LEASE) -> TranscriptionQueue:
        return TranscriptionQueue(self.store, worker, self.clock, lease)

    def api(self, tokens: Tokens | Mapping[str, Viewer] | None = None) -> Api:
        """The API's services; the bearer tokens of the tokens file unless given."""
        from callcenter.api.services import Api
        from callcenter.api.tokens import TokenFile

        desk, pop, audit = self.desk(), self.screen_pop(), self.access_audit()
        return Api(tickets=self.tickets, units=self.units, kb=self.kb, sweeper=self.sweeper(),
                   tokens=TokenFile(self.settings.api_tokens_file) if tokens is None else tokens,
                   transcripts=self.search(), topics=self.topics(), calendar=self.calendar(),
                   desk=desk, desk_calls=self.desk_calls(), pop=pop,
                   events=DeskEvents(self.store, desk, pop, self.seat_ids, self.clock,
                                     assist=self.live_assist()),
                   wallboard=Wallboard(self.store, desk, self.clock),
                   problems=self.transcription_problems(), duty=self.duty(),
                   callbacks=self.callbacks(), reports=self.reports(),
                   recordings=self.recordings(audit), audit=audit,
                   report_language=self.settings.reports_language)

    def controller(self, ami: AmiPort | None = None, grace: float = GRACE.total_seconds(),
                   on_stopped: Callable[[], None] | None = None) -> Controller:
        """The controller with the real AMI client, unless a test hands in its own."""
        from callcenter.contract.dialplan import (
            AGI_SCRIPT_DUTY,
            AGI_SCRIPT_ROUTE,
            AGI_SCRIPT_STATUS,
            AGI_SCRIPT_SURVEY,
        )
        from callcenter.controller import Controller
        from callcenter.services import duty_pins
        from callcenter.services.night_line import NightLine
        from callcenter.services.status_line import StatusLine
        from callcenter.telephony.agi import duty as duty_agi
        from callcenter.telephony.agi import status as status_agi
        from callcenter.telephony.agi import survey as survey_agi
        from callcenter.telephony.agi.route import AgiScripts, RouteAnswers
        from callcenter.telephony.agi.server import FastAgiServer
        from callcenter.telephony.ami.client import AmiClient
        from callcenter.telephony.ami.pbxs import Pbxs
        from callcenter.telephony.call_service import CallService
        from callcenter.telephony.callback_placer import CallbackPlacer
        from callcenter.telephony.desk.control import CallControl
        from callcenter.telephony.line_watch import LineWatch
        from callcenter.telephony.live_spy import LiveSpies
        from callcenter.telephony.tracker import CallTracker

        s = self.settings
        if ami is None:
            def client(host: str, port: int) -> AmiClient:
                return AmiClient(host, port, s.ami_user, s.ami_secret(),
                                 # every queue's waiting citizens (skill queues too)
                                 resync_queue=None if s.skill_queues else s.queue_name,
                                 wanted=CallTracker.WANTS | CallControl.WANTS
                                 | CallbackPlacer.WANTS | LineWatch.WANTS | LiveSpies.WANTS)

            ami = client(s.ami_host, s.ami_port)
            if s.ami_peers():  # several Asterisks behind one proxy: one port over them all
                ami = Pbxs({s.asterisk_systemname: ami,
                            **{name: client(host, port) for name, host, port in s.ami_peers()}})
        duty = self.duty()
        scripts = AgiScripts({
            AGI_SCRIPT_ROUTE: RouteAnswers(RoutingPolicy(s.menu_enabled, duty.decision)),
            AGI_SCRIPT_STATUS: status_agi.StatusAnswers(StatusLine(self.store, s.tz).lookup),
            AGI_SCRIPT_SURVEY: survey_agi.SurveyAnswers(self._record_survey),
            AGI_SCRIPT_DUTY: duty_agi.DutyAnswers(
                lambda pin: duty_pins.supervisor_of(s.duty_pins_file, pin),
                lambda mode, who: duty.force(mode, Viewer(Role.SUPERVISOR, who)))})
        agi = FastAgiServer(scripts, s.agi_host, s.agi_port,
                            answer_timeout=s.agi_timeout_ms / 1000,
                            time_limits={AGI_SCRIPT_STATUS: status_agi.TIME_LIMIT,
                                         AGI_SCRIPT_SURVEY: survey_agi.TIME_LIMIT,
                                         AGI_SCRIPT_DUTY: duty_agi.TIME_LIMIT})
        def alert_whom() -> Person | None:
            decision = duty.decision()
            return decision.leader if decision.night else decision.duty

        night = NightLine(self.store, lambda: self.tickets, s.tz, self.clock, alert_whom)
        config = line_config(s)
        # The desk's requests on live calls; the facts it makes join the call's event stream.
        control = CallControl(config, ami, self.desk_calls(), ami.events.put_nowait)
        calls = CallService(self.call_log, grace, spool=self.spool())
        live = LiveSpies(ami, self.live_streams(), f"{s.live_host}:{s.live_port}",
                         s.live_speakers.split(",")) if s.live_port else None
        return Controller(config, ami, agi, calls, self.desk(), control,
                          CallbackPlacer(config, ami, self.callbacks()), LineWatch(),
                          night, self.wallboard(), on_stopped, live=live)

    def live_assist(self) -> LiveAssist | None:
        """Live assist's offers to the desk, when it is on ([live] port)."""
        if not self.settings.live_port:
            return None
        return LiveAssist(self.kb, topics_file(self.settings.topics_file))

    def live_streams(self) -> LiveStreams:
        return LiveStreams(self.store, self.clock)

    def backups(self) -> Backups:
        from callcenter.storage import backup

        return Backups(self.store, self.settings.recording_root,
                       lambda folder: backup.snapshot(self.engine, folder),
                       backup.kind_of(self.settings.store_url), self.clock)

    def spool(self) -> CallSpool:
        """The controller's spool for this store: one folder per store (its URL without the
        password), so batches kept for one store never drain into another."""
        key = self.engine.url.render_as_string(hide_password=True)
        return CallSpool(self.settings.controller_spool_dir
                         / hashlib.sha256(key.encode()).hexdigest()[:16])

    def _record_survey(self, ticket_id: int, callback: Callback) -> None:
        """The answers keyed in a satisfaction callback, recorded on the ticket by the line."""
        self.tickets.command(ticket_id, RecordCallback(callback), SURVEY)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, clock: Callable[[], datetime] = _looked_up_clock,
          store_may_be_away: bool = False) -> Hotline:
    """The hotline of one process: its engine made and the store migrated, once.

    `store_may_be_away`: the controller's. A controller restarted while the store is down
    still runs the line and spools its calls; the schema is taken as it was (a store that
    comes back older makes the spool wait, never lose a call, until a restart migrates)."""
    engine = make_engine(settings.store_url)
    try:
        migrate(engine)
    except OperationalError as exc:
        if not store_may_be_away:
            engine.dispose()
            raise
        log.warning("the store did not answer at start (%s): the line runs, calls are "
                    "spooled until it does", type(exc).__name__)
    except BaseException:
        engine.dispose()
        raise
    return Hotline(settings, engine, clock)


def standalone_controller(settings: Settings, ami: AmiPort | None = None,
                          grace: float = GRACE.total_seconds(),
                          clock: Callable[[], datetime] = _looked_up_clock) -> Controller:
    """A controller that owns its hotline: stopping it disposes of the engine too."""
    hotline = build(settings, clock)
    return hotline.controller(ami, grace, on_stopped=hotline.close)
