"""Who may see a citizen's identity (001 §十八, 002 §24-25): roles and what each is shown.

- agents and supervisors (the hotline) see everything: they answer, call back and supervise;
- the lead unit sees the reporter, because it must contact them first, unless the citizen
  asked to stay anonymous, in which case it never sees name, gender or phone;
- a co-unit sees the matter but the phone masked and no name unless the lead may see it;
- the public sees no identity at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    UNIT = "unit"
    PUBLIC = "public"
    AUDITOR = "auditor"  # reads who saw, searched, played or downloaded what; nothing else
    ADMIN = "admin"      # manages the console's people; reads no ticket, call or recording


class UnitRole(StrEnum):
    """A unit user's place in the unit: who may agree, sign and sign off (001 §六, §八, §十二)."""

    STAFF = "staff"    # 经办人
    LEADER = "leader"  # 分管领导: agrees to extension requests
    HEAD = "head"      # 主要负责人: signs parking, signs off supervised and 5+-repeat tickets


@dataclass(frozen=True)
class Viewer:
    role: Role
    id: str
    unit: str | None = None  # the unit's code, for Role.UNIT
    unit_role: UnitRole = UnitRole.STAFF

    def __post_init__(self) -> None:
        if (self.role is Role.UNIT) != (self.unit is not None):
            raise ValueError("a unit viewer names its unit, and only a unit viewer does")
        if self.role is not Role.UNIT and self.unit_role is not UnitRole.STAFF:
            raise ValueError("only a unit viewer has a role within a unit")


HIDDEN = "（保密）"


def mask_number(number: str) -> str:
    """138****8000: enough to recognise a number, not to call it."""
    if len(number) <= 4:
        return "*" * len(number)
    keep = 3 if len(number) >= 7 else 1
    return number[:keep] + "*" * (len(number) - keep - 4) + number[-4:]


def is_hotline(viewer: Viewer) -> bool:
    return viewer.role in (Role.AGENT, Role.SUPERVISOR)


def mask_address(address: str) -> str:
    """The first 3 characters (a district), the rest hidden, its length too: where, roughly,
    not the door."""
    if not address:
        return ""
    return address[:3] + "****" if len(address) > 3 else HIDDEN


@dataclass(frozen=True)
class IdentityView:
    name: str
    gender: str
    phone: str
    home_address: str


def identity_for(viewer: Viewer, *, lead_unit: str | None, co_units: tuple[str, ...],
                 anonymous: bool, name: str, gender: str, phone: str,
                 home_address: str = "") -> IdentityView:
    """The reporter's identity as this viewer may see it. (The matter's address is not
    identity: it is where the unit must go, and every reader of the ticket sees it. The
    caller's home address is identity, masked like the phone number.)"""
    if is_hotline(viewer):
        return IdentityView(name, gender, phone, home_address)
    if viewer.role is Role.UNIT and not anonymous:
        if viewer.unit == lead_unit:
            return IdentityView(name, gender, phone, home_address)
        if viewer.unit in co_units:
            return IdentityView(HIDDEN, HIDDEN, mask_number(phone), mask_address(home_address))
    return IdentityView(HIDDEN, HIDDEN, HIDDEN, HIDDEN)


def may_read_ticket(viewer: Viewer, lead_unit: str | None, co_units: tuple[str, ...]) -> bool:
    if is_hotline(viewer):
        return True
    return viewer.role is Role.UNIT and viewer.unit is not None and (
        viewer.unit == lead_unit or viewer.unit in co_units)


# What a citizen says can carry identity too: numbers read out (in digits or in Chinese
# numerals, 幺三八…), ID-card numbers and their own name.
_SPOKEN_DIGITS = "0-9０-９零〇一二三四五六七八九幺两"
_SPOKEN_NUMBER = re.compile(rf"[{_SPOKEN_DIGITS}](?:[\s-]*[{_SPOKEN_DIGITS}]){{6,}}[xX]?")


def mask_speech(text: str, names: Iterable[str] = ()) -> str:
    """Transcript text for a role that may not see identity: every run of 7 or more spoken
    digits (a phone or ID-card number) and the reporter's name hidden."""
    out = _SPOKEN_NUMBER.sub(lambda m: "*" * len(m.group(0)), text)
    for name in sorted({n for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, HIDDEN)
    return out
