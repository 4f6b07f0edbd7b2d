"""What was said: search, whole transcripts, topic tags, the recordings that need a look."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer, is_hotline


def recordings(viewer: Viewer) -> str | None:
    return "recordings are not public" if viewer.role is Role.PUBLIC else None


def search(viewer: Viewer, by_caller: bool) -> str | None:
    if viewer.role is Role.PUBLIC:
        return "recordings are not public"
    if by_caller and not is_hotline(viewer):
        return "only the hotline searches by caller number"
    return None


def topic_tags(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "topic tags come from recordings: the hotline only"


def transcription_problems(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else "the hotline office looks after recordings"
