"""Self-service ticket status on the phone (002 §18): the caller keys a ticket number and, if
the ticket is theirs, hears where it stands and its due date.

Pure. A ticket is the caller's when the calling number is the reporter's phone or the number
of a call the ticket came from. Anyone else hears the same neutral message as for a number
that does not exist, so the line tells nothing about other people's tickets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from callcenter.domain.tickets import FINISHED, TO_DISPATCH, WITH_UNIT, Status

MAX_TRIES = 3          # wrong or empty entries before the lookup ends
MAX_DIGITS = 12
_TICKET_NUMBER = re.compile(r"[1-9][0-9]{0,11}")

# What the line says for each status: the name of a prompt (config/prompts.toml).
SPOKEN: dict[Status, str] = {
    **{s: "status_to_dispatch" for s in TO_DISPATCH},
    **{s: "status_in_progress" for s in WITH_UNIT},
    Status.REPLIED: "status_replied",
    Status.PARKED: "status_parked",
    Status.MERGED: "status_merged",
    **{s: "status_closed" for s in FINISHED - {Status.PARKED, Status.MERGED}},
}
SPOKEN_PROMPTS = frozenset(SPOKEN.values())


@dataclass(frozen=True)
class StatusAnswer:
    prompt: str            # one of SPOKEN_PROMPTS
    due: date | None       # said only while a unit holds the ticket


def ticket_number(keyed: str) -> int | None:
    """The ticket number the caller keyed, or None for anything that cannot be one."""
    return int(keyed) if _TICKET_NUMBER.fullmatch(keyed) else None


def comparable(number: str) -> str:
    """A phone number reduced for comparison: digits only, without China's +86/0086 in front
    of a mobile number."""
    digits = re.sub(r"\D", "", number)
    for prefix in ("0086", "86"):
        rest = digits.removeprefix(prefix)
        if rest != digits and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def belongs_to(caller: str, numbers: Iterable[str]) -> bool:
    """Whether a ticket known by these numbers (reporter, calls) is the caller's."""
    mine = comparable(caller)
    return len(mine) >= 5 and any(comparable(n) == mine for n in numbers if n)


def last_four_match(last_four: str, numbers: Iterable[str]) -> bool:
    """The public page's check (no calling number there): the last four digits of a number
    the ticket is known by. Exactly four digits, or nothing matches."""
    if not re.fullmatch(r"[0-9]{4}", last_four):
        return False
    return any(len(c) >= 5 and c.endswith(last_four)
               for c in (comparable(n) for n in numbers if n))


def answer(status: Status, due: date | None) -> StatusAnswer:
    return StatusAnswer(SPOKEN[status], due if status in WITH_UNIT else None)
