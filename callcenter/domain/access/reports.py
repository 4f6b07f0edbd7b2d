"""Stored reports: who reads them, which sections, who produces them again."""

from __future__ import annotations

from callcenter.domain.privacy import Role, UnitRole, Viewer


def read(viewer: Viewer) -> str | None:
    if viewer.role is Role.SUPERVISOR:
        return None
    if viewer.role is Role.UNIT and viewer.unit_role in (UnitRole.LEADER, UnitRole.HEAD):
        return None
    return "reports are read by the hotline office and by units' leaders and heads"


def read_unit(viewer: Viewer, unit: str) -> str | None:
    """A unit reads its own sections only (the office any unit's)."""
    refusal = read(viewer)
    if refusal is None and viewer.role is Role.UNIT and unit != viewer.unit:
        return "a unit reads its own sections of a report"
    return refusal


def produce(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else "the hotline office produces reports"
