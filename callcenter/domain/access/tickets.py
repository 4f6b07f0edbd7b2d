"""Work orders beyond their commands (`commands`): registering, linking calls, merging, the
callbacks due, the office's notices, the list."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer, is_hotline


def register(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "only the hotline registers tickets"


def link_call(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "only the hotline links calls to tickets"


def merge_citizens(viewer: Viewer, same_citizen: bool) -> str | None:
    if same_citizen or viewer.role is Role.SUPERVISOR:
        return None
    return "merge: tickets of different citizens are merged by a supervisor, with the reason"


def callbacks_due(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "the hotline makes the callbacks"


def office_notices(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else \
        "notices to the hotline office are for the office"


def list_tickets(viewer: Viewer) -> str | None:
    if is_hotline(viewer) or viewer.role is Role.UNIT:
        return None
    return "the ticket list is the hotline's and the units'"
