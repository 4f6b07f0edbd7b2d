"""Services built from the configuration, for the CLI and the API server."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.config import ConfigError, Settings
from callcenter.domain.policy import PolicyError, load_profiles
from callcenter.domain.replies import ReplyRulesError, load_reply_rules
from callcenter.domain.tickets import RulesContext
from callcenter.domain.workdays import CalendarFileError, load_calendar
from callcenter.services.rules import RulesSource
from callcenter.services.tickets import TicketService
from callcenter.storage.engine import make_engine, migrate


def now() -> datetime:
    """The clock of the CLI and the API (the one place a test moves it for them)."""
    return datetime.now(UTC)


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


def rules_source(settings: Settings) -> RulesSource:
    """The rules, with the calendar file watched (a running process sees a new year)."""
    return RulesSource(rules_context(settings), settings.workdays_file)


def ticket_service(settings: Settings) -> TicketService:
    engine = make_engine(settings.store_url)
    migrate(engine)
    return TicketService(engine, rules_source(settings), lambda: now())
