"""What the controller's parts on the line need of the settings, and nothing else: bootstrap
fills it from `Settings`, so telephony never reads the whole configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class SeatLine:
    id: str
    interface: str                       # PJSIP/seat<id>
    penalties: tuple[tuple[str, int], ...]  # each queue the seat answers, with its penalty


@dataclass(frozen=True)
class LineConfig:
    number: str                 # the hotline's number: the caller id of the line's own calls
    trunk: str                  # the PJSIP endpoint the line's own calls go out through
    seats: tuple[SeatLine, ...]
    seat_ring_s: int            # a seat rung by the line (a consultation, a callback)
    unit_ring_s: int            # each of a unit's numbers in a three-way call
    outside_ring_s: int         # the leader on duty, a citizen called for a survey
    wrapup_s: int               # after-call work; 0: none
    auto_pause_after: int       # unanswered rings in a row that pause a seat; 0: never
    recordings_root: str        # the recordings folder as Asterisk sees it
    tz: ZoneInfo
    unmanaged_ready: bool       # a seat nobody logged in at is in the queue (the sandbox)
    auto_callbacks: bool        # due missed calls are given to ready seats

    def seat(self, seat_id: str) -> SeatLine | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def outside(self, number: str) -> str:
        """The channel that dials a number through the trunk."""
        return f"PJSIP/{number}@{self.trunk}"

    @property
    def caller_id(self) -> str:
        return f'"{self.number}" <{self.number}>'

    def recording_base(self, name: str, now: datetime) -> str:
        """A recording the line makes itself, beside the day's calls, as Asterisk sees it."""
        return f"{self.recordings_root.rstrip('/')}/{now.astimezone(self.tz):%Y/%m/%d}/{name}"
