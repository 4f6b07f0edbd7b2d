"""The rules context running processes use, with the working-day calendar read again when its
file changes: a year's arrangement added to config/workdays.toml reaches the API and the
sweeper within seconds, without a restart.

`RulesSource()` costs one stat() of the file at most once a second; the file is read only
when its size, time or inode changed, and the calendar replaced only when its text did. A
file that no longer parses is logged and the calendar in force kept: a typo must not stop
dispatching (`callcenter calendar reload` names the error to the person who made it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from threading import Lock
from typing import TypeVar

from callcenter.domain.policy import PolicyError, PolicyProfile, parse_profiles
from callcenter.domain.replies import ReplyRules, ReplyRulesError, parse_reply_rules
from callcenter.domain.tickets import RulesContext
from callcenter.domain.topics import Topic, TopicsError, parse_topics
from callcenter.domain.workdays import CalendarFileError, WorkCalendar, parse_calendar
from callcenter.services.watched_file import FollowedFile, WatchedFile

log = logging.getLogger(__name__)
Rules = RulesContext | Callable[[], RulesContext]
T = TypeVar("T")


# The rules' files are read here; the domain's loaders take their text (and a name for errors).
def _read(path: Path, parse: Callable[[str, str], T], error: type[Exception]) -> T:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {exc}") from exc
    return parse(text, str(path))


def load_profiles(path: Path) -> dict[str, PolicyProfile]:
    return _read(path, parse_profiles, PolicyError)


def load_reply_rules(path: Path) -> ReplyRules:
    return _read(path, parse_reply_rules, ReplyRulesError)


def load_topics(path: Path) -> list[Topic]:
    return _read(path, parse_topics, TopicsError)


def topics_file(path: Path, check_every: float = 1.0) -> FollowedFile[list[Topic]]:
    """The hot topics, read again when the file changes (live assist's emergency banner must
    follow a list changed mid-shift); no file: no topics."""
    return FollowedFile(path, lambda text: [] if text is None else parse_topics(text, str(path)),
                        "topics file", (TopicsError,), check_every)


def load_calendar(path: Path | None) -> WorkCalendar:
    """The package's years plus those of the overrides file (if any)."""
    if path is None or not path.exists():
        return WorkCalendar()
    return _read(path, parse_calendar, CalendarFileError)


def as_source(rules: Rules) -> Callable[[], RulesContext]:
    if isinstance(rules, RulesContext):
        fixed = rules
        return lambda: fixed
    return rules


class RulesSource:
    def __init__(self, ctx: RulesContext, workdays_file: Path | None,
                 check_every: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.path = workdays_file
        self.generation = 0           # bumped on every calendar change
        self._ctx = ctx
        self._file = WatchedFile(workdays_file, check_every, monotonic)
        self._text = self._read_text()
        self._lock = Lock()

    def __call__(self) -> RulesContext:
        if self._file.due():
            try:
                self.reload()
            except CalendarFileError as exc:
                log.error("calendar file not reloaded, the one in force is kept: %s", exc)
        return self._ctx

    def reload(self) -> bool:
        """Read the file again if it changed; True if the calendar changed. A bad file raises
        CalendarFileError and leaves the calendar in force."""
        with self._lock:
            if not self._file.moved():
                return False
            text = self._read_text()
            calendar = WorkCalendar() if text is None else parse_calendar(text, str(self.path))
            if text == self._text:
                return False
            self._text = text
            self._ctx = replace(self._ctx, calendar=calendar)
            self.generation += 1
            log.info("working-day calendar reloaded from %s (official years %s-%s)",
                     self.path, min(calendar.official_years()), max(calendar.official_years()))
            return True

    def _read_text(self) -> str | None:
        try:
            return self._file.text()
        except OSError as exc:
            raise CalendarFileError(f"{self.path}: {exc}") from exc


def calendar_file(path: Path | None,
                  check_every: float = 1.0) -> FollowedFile[WorkCalendar]:
    """The working-day calendar alone, followed like the rules' (for the night line, which
    needs no ticket policies)."""
    return FollowedFile(path, lambda text: WorkCalendar() if text is None
                        else parse_calendar(text, str(path)), "calendar file",
                        (CalendarFileError,), check_every)


def generation_of(source: Callable[[], RulesContext]) -> int:
    """How many times the calendar behind `source` changed (0 for fixed rules)."""
    return source.generation if isinstance(source, RulesSource) else 0


def current_generation(source: Callable[[], RulesContext]) -> int:
    """The generation after the file has been looked at (reading the rules re-reads it)."""
    source()
    return generation_of(source)
