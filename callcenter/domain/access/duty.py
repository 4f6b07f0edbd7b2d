"""Day or night on the line and who is on duty."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer


def show(viewer: Viewer) -> str | None:
    return None if viewer.role in (Role.AGENT, Role.SUPERVISOR) else \
        "the duty plan is the hotline's"


def force(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else "only a supervisor forces day or night"
