"""What an agent asks of a live call from the desk: pull the responsible unit into a three-way
call (三方通话), or leave the citizen and the unit talking.

Pure. The desk stores a request; the controller carries it out on the line and writes back how
it went. Each rule that refuses a request names itself, so the agent reads why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from callcenter.domain.agents import AgentError

CALL_COMMANDS = ("conference", "transfer", "leave", "listen", "consult", "complete", "cancel")
# Listening in (监听/强插): SEAT[:mode] from a supervisor's seat, as ChanSpy's options. q: no
# beep or name; E: end when the spied call ends; w: whisper to the agent only; B: talk to both.
LISTEN_MODES = {"listen": "qE", "whisper": "qEw", "barge": "qEB"}
# Where a blind transfer (即时转接) takes the citizen: unit:<code>, seat:<id>, or the queue.
TRANSFER_KINDS = ("unit", "seat", "queue")
MAX_PARTIES = 9  # legs unit1 … unit9 of one call (domain/calls.py names them)


class RequestState(StrEnum):
    PENDING = "pending"    # stored, not yet taken by the controller
    WORKING = "working"    # the controller is on it (dialling …)
    DONE = "done"
    FAILED = "failed"


class DeskCallError(AgentError):
    """A request refused; `rule` names the rule (refused like any change at the desk)."""


@dataclass(frozen=True)
class DeskRequest:
    id: int
    seat: str
    command: str
    target: str       # the unit's code for a conference; "" to leave
    actor: str
    requested_at: datetime
    state: RequestState
    detail: str
    call: str         # the call's Linkedid once the controller found it


_DIALLABLE = re.compile(r"\+?[0-9]{3,20}")


def dialled_form(number: str) -> str | None:
    """A directory number as dialled: digits (and a leading +) only; None if it is not a phone
    number at all. "024-2222 1111" → "02422221111"."""
    compact = re.sub(r"[\s\-()]", "", number)
    return compact if _DIALLABLE.fullmatch(compact) else None


def numbers_to_try(phone: str, duty_phone: str) -> list[str]:
    """A unit's numbers in the order they are rung: its phone, then its duty phone."""
    out: list[str] = []
    for n in (phone, duty_phone):
        dialled = dialled_form(n) if n else None
        if dialled and dialled not in out:
            out.append(dialled)
    return out


def unit_of(command: str, target: str) -> str | None:
    """The unit a request dials, if any: conference UNIT, transfer unit:UNIT."""
    if command == "conference":
        return target
    if command == "transfer" and target.startswith("unit:"):
        return target.removeprefix("unit:")
    return None


def check_request(command: str, target: str, numbers: list[str] | None,
                  seats: tuple[str, ...] = (), own_seat: str = "") -> None:
    """numbers: the numbers of the unit the request dials (None: no such unit)."""
    if command not in CALL_COMMANDS:
        raise DeskCallError("desk.command", f"{command!r} is not one of {', '.join(CALL_COMMANDS)}")
    if command == "transfer":
        kind, _, rest = target.partition(":")
        if kind not in TRANSFER_KINDS or (kind == "queue") != (rest == ""):
            raise DeskCallError("transfer.target", f"{target!r}: say unit:CODE, seat:ID or "
                                                   "queue")
        if kind == "seat" and (rest not in seats or rest == own_seat):
            raise DeskCallError("transfer.seat", f"{rest!r} is not another seat of the line")
    if command == "consult":
        other = target.removeprefix("seat:")
        if other not in seats or other == own_seat:
            raise DeskCallError("consult.seat", f"{other!r} is not another seat of the line")
    if command == "listen":
        spied, _, mode = target.partition(":")
        if spied not in seats or spied == own_seat:
            raise DeskCallError("listen.seat", f"{spied!r} is not another seat of the line")
        if (mode or "listen") not in LISTEN_MODES:
            raise DeskCallError("listen.mode", f"{mode!r}: say listen, whisper or barge")
    unit = unit_of(command, target)
    if unit is not None:
        if numbers is None:
            raise DeskCallError(f"{command}.unit", f"no unit {unit!r} in the directory")
        if not numbers:
            raise DeskCallError(f"{command}.unit_phone",
                                f"unit {unit!r} has no phone number to dial")
    elif command in ("leave", "complete", "cancel") and target:
        raise DeskCallError(f"{command}.target", f"{command} takes no target")


# What the controller writes back. Kept here so the desk, the CLI and the tests read one text.
NO_CALL = "desk.no_call: no answered call at the seat"
ALREADY = "desk.busy: this call is being moved already (dialling, or in a three-way call)"
CITIZEN_GONE = "desk.citizen_gone: the citizen hung up"
TOO_MANY = f"conference.parties: at most {MAX_PARTIES} numbers dialled into one call"
ABANDONED = "line.restarted: the controller stopped while carrying it out; ask again"
NOT_IN_CONFERENCE = "leave.no_unit: no unit is connected in this call; stay, or hang up"


def connected(unit: str, number: str) -> str:
    return f"connected: unit {unit} answered at {number}"


def dialling(unit: str, number: str) -> str:
    return f"dialling unit {unit} at {number}"


def not_reached(unit: str, tried: list[str], command: str = "conference") -> str:
    back = "the citizen is with the agent" if command == "conference" else \
        "the citizen is back in the queue, first in line"
    return f"{command}.no_answer: unit {unit} did not answer at {', '.join(tried)}; {back}"


def transferred(target: str) -> str:
    return f"transferred: the citizen goes to {target}"
