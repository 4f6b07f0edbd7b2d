"""Missed calls called back, satisfaction callbacks."""

from __future__ import annotations

from callcenter.domain.privacy import Viewer, is_hotline


def callbacks(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "callbacks are the hotline's"
