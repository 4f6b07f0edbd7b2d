"""The knowledge base: articles and not-found / correction requests."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer, is_hotline


def may_edit(viewer: Viewer, owner_unit: str) -> bool:
    """The hotline office, or the unit that owns the article (or filed the request)."""
    return viewer.role is Role.SUPERVISOR or (viewer.role is Role.UNIT
                                              and viewer.unit == owner_unit)


def write(viewer: Viewer, owner_unit: str) -> str | None:
    return None if may_edit(viewer, owner_unit) else \
        "articles are written by the hotline office or their owner unit"


def rewrite(viewer: Viewer, owner_unit: str) -> str | None:
    return None if may_edit(viewer, owner_unit) else \
        "only the hotline office or the owner unit edits it"


def file_request(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "the hotline files knowledge base requests"


def read_requests(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.UNIT or is_hotline(viewer) else \
        "requests are for the hotline and units"
