"""Calling citizens back (回拨): missed calls listed, a callback placed from the desk.

Pure. A call is missed when the citizen hung up before a seat answered (in the IVR or in the
queue) or the line failed them. It needs a callback unless the same number called again since.
The policy: within `within` of the missed call, and only while the line is staffed (day).
One callback request per missed call: asking twice gives the same request, so the citizen is
rung once; only a callback that did not get through may be asked for again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.domain.calls import Disposition, party_leg_id

MISSED = frozenset({Disposition.ABANDONED_QUEUE, Disposition.ABANDONED_IVR,
                    Disposition.FAILED})
MAX_ATTEMPTS = 9  # legs callback1 … callback9 of one missed call


class CallbackState(StrEnum):
    PENDING = "pending"      # asked for, not yet placed
    PLACING = "placing"      # the controller is ringing the seat, then the citizen
    ANSWERED = "answered"    # the citizen answered
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"        # the seat did not answer, or the line refused


RETRYABLE = frozenset({CallbackState.NO_ANSWER, CallbackState.BUSY, CallbackState.FAILED})
_DIALSTATUS = {"ANSWER": CallbackState.ANSWERED, "NOANSWER": CallbackState.NO_ANSWER,
               "BUSY": CallbackState.BUSY}


@dataclass(frozen=True)
class CallbackRequest:
    id: int
    call: str            # the missed call's Linkedid
    number: str          # the citizen's number, dialled
    seat: str            # the desk whose phone rings first
    requested_by: str
    requested_at: datetime
    state: CallbackState
    detail: str
    channel_id: str      # the leg placed last: <call>-callback<N>, so its events are the call's
    kind: str = "missed"             # missed | satisfaction (回访 of a closed ticket)
    ticket_id: int | None = None     # satisfaction: the ticket


def missed_key(linkedid: str) -> str:
    return f"missed:{linkedid}"


def ticket_key(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def leg_id(call: str, attempt: int) -> str:
    return party_leg_id(call, f"callback{attempt}")


def attempt_of(channel_id: str) -> int:
    tail = channel_id.rsplit("-callback", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def outcome(dialstatus: str) -> CallbackState:
    return _DIALSTATUS.get(dialstatus, CallbackState.FAILED)


def called_again(missed_at: datetime, calls_from_number: Iterable[datetime]) -> bool:
    """The citizen called the line again after the missed call: no callback needed."""
    return any(at > missed_at for at in calls_from_number)


def due_by_policy(missed_at: datetime, now: datetime, within: timedelta, staffed: bool) -> bool:
    """Within the policy's time after the missed call, while the line is staffed."""
    return staffed and timedelta(0) <= now - missed_at <= within
