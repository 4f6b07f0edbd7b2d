"""The units directory and the seeds' "map association" (地图关联, 003): from the address of a
matter and its category, which unit answers for it.

An area is a path of place names from wide to narrow ("高新区/梧桐街道/翠竹社区"). An
address matches an area when it names every part, in order (addresses are written wide to
narrow in Chinese). The narrowest matching area wins; at equal depth a unit responsible for
the category beats one responsible for everything ("*").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ANY = "*"
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    parent: str | None = None
    contact: str = ""
    phone: str = ""
    duty_phone: str = ""
    office_hours: str = ""   # e.g. "周一至周五 8:30-17:30"


@dataclass(frozen=True)
class Coverage:
    unit: str
    area: tuple[str, ...]
    category: str = ANY


@dataclass(frozen=True)
class Proposal:
    unit: str
    area: str
    category: str
    depth: int


def check_unit(u: Unit) -> list[str]:
    out = []
    if not _CODE.fullmatch(u.code):
        out.append(f"unit {u.code!r}: code must be lowercase letters, digits, - or _")
    if not u.name.strip():
        out.append(f"unit {u.code!r}: name is required")
    return out


def check_directory(units: Iterable[Unit], coverages: Iterable[Coverage]) -> list[str]:
    units = list(units)
    codes = [u.code for u in units]
    problems = [p for u in units for p in check_unit(u)]
    problems += [f"unit {c!r} is listed twice" for c in sorted({c for c in codes
                                                               if codes.count(c) > 1})]
    known = set(codes)
    problems += [f"unit {u.code!r}: parent {u.parent!r} is not a unit" for u in units
                 if u.parent is not None and u.parent not in known]
    for c in coverages:
        if c.unit not in known:
            problems.append(f"area {'/'.join(c.area)!r}: unit {c.unit!r} is not a unit")
        if not c.area or not all(part.strip() for part in c.area):
            problems.append(f"unit {c.unit!r}: an area needs at least one place name")
    return problems


def parse_area(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("/") if p.strip())


def _matches(address: str, area: tuple[str, ...]) -> bool:
    pos = 0
    for part in area:
        found = address.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


def propose(address: str, category: str, coverages: Iterable[Coverage]) -> list[Proposal]:
    """Candidate units, best first."""
    found = [c for c in coverages if c.category in (category, ANY) and _matches(address, c.area)]
    found.sort(key=lambda c: (-len(c.area), c.category == ANY, c.unit))
    seen: set[str] = set()
    out = []
    for c in found:
        if c.unit not in seen:
            seen.add(c.unit)
            out.append(Proposal(c.unit, "/".join(c.area), c.category, len(c.area)))
    return out
