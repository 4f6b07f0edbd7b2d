"""Who may see a citizen's identity (001 §十八, 002 §24-25): roles and what each is shown.

- agents and supervisors (the hotline) see everything: they answer, call back and supervise;
- the lead unit sees the reporter, because it must contact them first, unless the citizen
  asked to stay anonymous, in which case it never sees name, gender or phone;
- a co-unit sees the matter but the phone masked and no name unless the lead may see it;
- the public sees no identity at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    UNIT = "unit"
    PUBLIC = "public"


@dataclass(frozen=True)
class Viewer:
    role: Role
    id: str
    unit: str | None = None  # the unit's code, for Role.UNIT

    def __post_init__(self) -> None:
        if (self.role is Role.UNIT) != (self.unit is not None):
            raise ValueError("a unit viewer names its unit, and only a unit viewer does")


HIDDEN = "（保密）"


def mask_number(number: str) -> str:
    """138****8000: enough to recognise a number, not to call it."""
    if len(number) <= 4:
        return "*" * len(number)
    keep = 3 if len(number) >= 7 else 1
    return number[:keep] + "*" * (len(number) - keep - 4) + number[-4:]


def is_hotline(viewer: Viewer) -> bool:
    return viewer.role in (Role.AGENT, Role.SUPERVISOR)


@dataclass(frozen=True)
class IdentityView:
    name: str
    gender: str
    phone: str


def identity_for(viewer: Viewer, *, lead_unit: str | None, co_units: tuple[str, ...],
                 anonymous: bool, name: str, gender: str, phone: str) -> IdentityView:
    """The reporter's identity as this viewer may see it. (The matter's address is not
    identity: it is where the unit must go, and every reader of the ticket sees it.)"""
    if is_hotline(viewer):
        return IdentityView(name, gender, phone)
    if viewer.role is Role.UNIT and not anonymous:
        if viewer.unit == lead_unit:
            return IdentityView(name, gender, phone)
        if viewer.unit in co_units:
            return IdentityView(HIDDEN, HIDDEN, mask_number(phone))
    return IdentityView(HIDDEN, HIDDEN, HIDDEN)


def may_read_ticket(viewer: Viewer, lead_unit: str | None, co_units: tuple[str, ...]) -> bool:
    if is_hotline(viewer):
        return True
    return viewer.role is Role.UNIT and viewer.unit is not None and (
        viewer.unit == lead_unit or viewer.unit in co_units)
