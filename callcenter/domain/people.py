"""The people who sign in to the console: who they are, what role they hold, which language
they read, and the rules a name, a password and a role must meet.

A person's role is one of the API's roles (domain/privacy.Role) and becomes the same Viewer
the API's bearer tokens give: the console checks nothing the services do not check."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.domain.privacy import Role, UnitRole, Viewer

LANGUAGES = ("zh", "en")
MIN_PASSWORD = 12
MAX_PASSWORD = 256  # argon2 would take more; a longer one is someone pasting the wrong thing
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_UNIT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SIGN_IN_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.UNIT, Role.AUDITOR, Role.ADMIN)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: Role
    unit: str | None = None
    unit_role: UnitRole = UnitRole.STAFF
    language: str = "zh"
    disabled: bool = False

    def viewer(self) -> Viewer:
        return Viewer(self.role, self.id, self.unit, self.unit_role)


def person_problems(p: Person) -> dict[str, str]:
    """What is wrong with a person as entered, field by field (empty: nothing)."""
    out: dict[str, str] = {}
    if not _ID.fullmatch(p.id):
        out["id"] = "lowercase letters, digits, '.', '_' or '-', at most 64"
    if not p.name.strip() or len(p.name) > 64 or any(ord(c) < 32 for c in p.name):
        out["name"] = "required, at most 64 characters, no control characters"
    if p.role not in SIGN_IN_ROLES:
        out["role"] = "one of " + ", ".join(r.value for r in SIGN_IN_ROLES)
    elif p.role is Role.UNIT and (p.unit is None or not _UNIT.fullmatch(p.unit)):
        out["unit"] = "a unit user names the unit's code"
    elif p.role is not Role.UNIT and (p.unit is not None or p.unit_role is not UnitRole.STAFF):
        out["unit"] = "only a unit user belongs to a unit"
    if p.language not in LANGUAGES:
        out["language"] = "zh or en"
    return out


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"at most {MAX_PASSWORD} characters"
    if len(set(password)) < 4:
        return "more than a few distinct characters"
    return None
