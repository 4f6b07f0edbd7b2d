"""The hotline office's own work: the sweep and the working-day calendar."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer


def sweep(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else "the hotline office runs the sweep"


def calendar(viewer: Viewer) -> str | None:
    return None if viewer.role in (Role.SUPERVISOR, Role.AGENT) else \
        "the hotline watches the working-day calendar"


def board(viewer: Viewer) -> str | None:
    """What waits for the office's decision, what is overdue, what is supervised."""
    return None if viewer.role is Role.SUPERVISOR else "the office's board is the office's"
