"""Deadline policy profiles and due-time arithmetic.

Seeds disagree on deadlines, so each city's rules are a profile in config/policies.toml. A
span is written `2h`, `30min`, `3d` (calendar days) or `5wd` (working days):
- hours and minutes run on the clock;
- `Nd` ends at the end of the N-th calendar day after the start day, or of the next working
  day when that one is a rest day (a period ending on a holiday ends on the day after it,
  民法典 §203);
- `Nwd` ends at the end of the N-th working day after the start day (the day of receipt never
  counts, as in "自派单之日起 N 个工作日内"), so a working-day deadline always falls at the end
  of a working day.
Times are aware datetimes; day arithmetic is done in the hotline's time zone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.domain.workdays import WorkCalendar


class PolicyError(ValueError):
    pass


class Urgency(StrEnum):
    URGENT = "urgent"          # 紧急
    SUB_URGENT = "sub_urgent"  # 次紧急
    GENERAL = "general"        # 一般
    COMPLEX = "complex"        # 复杂


class SlaState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


_SPAN = re.compile(r"(\d{1,4})(min|h|d|wd)")
# "0wd": the end of the same day if it is a working day, else of the next working day.
_END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class Span:
    amount: int
    unit: str  # min | h | d | wd

    @classmethod
    def parse(cls, text: str) -> Span:
        m = _SPAN.fullmatch(text.strip())
        if m is None or (int(m.group(1)) == 0 and m.group(2) != "wd"):
            raise PolicyError(f"{text!r} is not a span like 2h, 30min, 3d, 5wd or 0wd")
        return cls(int(m.group(1)), m.group(2))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, start: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
        return self.deadline(start, calendar, tz).at

    def deadline(self, start: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> Deadline:
        """The due time, and whether it rests on a day of a provisional calendar year."""
        if start.tzinfo is None:
            raise ValueError("deadlines are computed from aware datetimes only")
        if self.unit == "min":
            return Deadline(start + timedelta(minutes=self.amount), False)
        if self.unit == "h":
            return Deadline(start + timedelta(hours=self.amount), False)
        local = start.astimezone(tz).date()
        if self.unit == "d":
            day = calendar.next_workday(local + timedelta(days=self.amount))
        elif self.amount == 0:
            day = calendar.next_workday(local)
        else:
            day = calendar.add_workdays(local, self.amount)
        first = local if self.amount == 0 else local + timedelta(days=1)
        return Deadline(datetime.combine(day, _END_OF_DAY, tz),
                        calendar.any_provisional(first, day))


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool  # rests on a day whose year's arrangement is not published yet


@dataclass(frozen=True)
class PolicyProfile:
    name: str
    title: str
    completion: Mapping[Urgency, Span]
    revisit: Span
    first_contact: Span
    extension_request_within: Span   # a unit may ask for more time until then
    extension_options: tuple[Span, ...]
    return_within: Span
    kb_correction: Span
    kb_not_found: Span
    due_soon: float                  # fraction of the allowed time left that counts as "due soon"
    extension_limit: Span            # all extensions together end no later than due + this
    dispatch_within: Span            # a registered or returned ticket is dispatched by then
    dispatch_approval: bool          # an agent proposes, a supervisor dispatches (000 二(三)2)
    callback_sample: float           # share of closed tickets called back (抽查回访)
    callback_attempts: int           # unanswered callbacks before "unreachable"
    # Targets that are not ticket deadlines (e.g. Shenyang's crew on site in 30 min), kept
    # for the reports to measure.
    service_targets: Mapping[str, Span]
    assumed: frozenset[str]          # keys the source document does not state


_REQUIRED = ("title", "completion", "revisit", "first_contact", "extension_request_within",
             "extension_options", "return_within", "kb_correction", "kb_not_found",
             "extension_limit", "dispatch_within", "dispatch_approval", "callback_sample",
             "callback_attempts", "assumed")
_KEYS = frozenset(_REQUIRED) | {"due_soon", "service_targets", "source"}


def _profile(name: str, t: Mapping[str, Any], where: str) -> PolicyProfile:
    missing = [k for k in _REQUIRED if k not in t]
    if missing:
        raise PolicyError(f"{where}: profile {name!r} lacks {', '.join(missing)}")
    comp = t["completion"]
    if not isinstance(comp, dict) or set(comp) != {u.value for u in Urgency}:
        raise PolicyError(f"{where}: profile {name!r} completion must give exactly "
                          f"{', '.join(u.value for u in Urgency)}")
    options = t["extension_options"]
    if not isinstance(options, list) or not options:
        raise PolicyError(f"{where}: profile {name!r} extension_options must be a list of spans")
    unknown = sorted(set(t) - _KEYS)
    if unknown:
        raise PolicyError(f"{where}: profile {name!r} has unknown keys {', '.join(unknown)}")
    due_soon = float(t.get("due_soon", 0.2))
    if not 0 < due_soon < 1:
        raise PolicyError(f"{where}: profile {name!r} due_soon must be between 0 and 1")
    sample = t["callback_sample"]
    if not isinstance(sample, int | float) or not 0 < sample <= 1:
        raise PolicyError(f"{where}: profile {name!r} callback_sample must be in (0, 1]")
    attempts = t["callback_attempts"]
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise PolicyError(f"{where}: profile {name!r} callback_attempts must be 1-10")
    if not isinstance(t["dispatch_approval"], bool):
        raise PolicyError(f"{where}: profile {name!r} dispatch_approval must be true or false")
    assumed = t["assumed"]
    targets = t.get("service_targets", {})
    keys = (_KEYS - {"assumed", "source"}) | {f"completion.{u.value}" for u in Urgency}
    if not isinstance(assumed, list) or not set(assumed) <= keys:
        raise PolicyError(f"{where}: profile {name!r} assumed must list keys of the profile")
    if not isinstance(targets, dict):
        raise PolicyError(f"{where}: profile {name!r} service_targets must be a table")
    try:
        return PolicyProfile(
            name=name, title=str(t["title"]),
            completion={Urgency(k): Span.parse(str(v)) for k, v in comp.items()},
            revisit=Span.parse(str(t["revisit"])),
            first_contact=Span.parse(str(t["first_contact"])),
            extension_request_within=Span.parse(str(t["extension_request_within"])),
            extension_options=tuple(Span.parse(str(o)) for o in options),
            return_within=Span.parse(str(t["return_within"])),
            kb_correction=Span.parse(str(t["kb_correction"])),
            kb_not_found=Span.parse(str(t["kb_not_found"])),
            due_soon=due_soon, extension_limit=Span.parse(str(t["extension_limit"])),
            dispatch_within=Span.parse(str(t["dispatch_within"])),
            dispatch_approval=t["dispatch_approval"], callback_sample=float(sample),
            callback_attempts=attempts,
            service_targets={str(k): Span.parse(str(v)) for k, v in targets.items()},
            assumed=frozenset(assumed))
    except PolicyError as exc:
        raise PolicyError(f"{where}: profile {name!r}: {exc}") from exc


def parse_profiles(text: str, where: str) -> dict[str, PolicyProfile]:
    """The profiles of a policies file's text; `where` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where}: {exc}") from exc
    profiles = data.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        raise PolicyError(f"{where}: no [profiles.<name>] tables")
    return {name: _profile(name, t, where) for name, t in profiles.items()}


def sla_state(now: datetime, start: datetime, due: datetime, due_soon: float) -> SlaState:
    if now > due:
        return SlaState.OVERDUE
    total = (due - start).total_seconds()
    left = (due - now).total_seconds()
    if total > 0 and left <= total * due_soon:
        return SlaState.DUE_SOON
    return SlaState.ON_TIME
