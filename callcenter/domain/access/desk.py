"""The agent desk: seats and their states, the seat's live call, the screen pop, the desk's
events, listening in and its audit, the wallboard."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer, is_hotline

Refusal = str | None
_DESK = (Role.AGENT, Role.SUPERVISOR)


def seats(viewer: Viewer) -> Refusal:
    return None if viewer.role in _DESK else "seats are the hotline's"


def own_seat(viewer: Viewer, seat: str, agent_at_seat: str | None) -> Refusal:
    """An agent acts only at the seat they are logged in at (a supervisor at any)."""
    if viewer.role is Role.AGENT and agent_at_seat != viewer.id:
        return f"seat {seat} is not yours"
    return None


def call_command(viewer: Viewer, command: str) -> Refusal:
    if command == "listen" and viewer.role is Role.AGENT:
        return "only a supervisor listens in"
    return seats(viewer)


def listening_audit(viewer: Viewer) -> Refusal:
    return None if viewer.role is Role.SUPERVISOR else "the listening audit is the supervisors'"


def screen_pop(viewer: Viewer) -> Refusal:
    return None if viewer.role in _DESK else "the screen pop is the desk's"


def events(viewer: Viewer) -> Refusal:
    return None if is_hotline(viewer) else "the desk's events are the hotline's"


def wallboard(viewer: Viewer) -> Refusal:
    return None if is_hotline(viewer) else "the wallboard is the hotline's"
