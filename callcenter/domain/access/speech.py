"""What was said: search, whole transcripts, topic tags, the recordings that need a look."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer, is_hotline


def recordings(viewer: Viewer) -> str | None:
    """The hotline hears every call, a unit those of its tickets (the store's scope says
    which); nobody else."""
    if is_hotline(viewer) or viewer.role is Role.UNIT:
        return None
    return "recordings are the hotline's and the units'"


def search(viewer: Viewer, by_caller: bool) -> str | None:
    if (refusal := recordings(viewer)) is not None:
        return refusal
    if by_caller and not is_hotline(viewer):
        return "only the hotline searches by caller number"
    return None


def topic_tags(viewer: Viewer) -> str | None:
    return None if is_hotline(viewer) else "topic tags come from recordings: the hotline only"


def transcription_problems(viewer: Viewer) -> str | None:
    return None if viewer.role is Role.SUPERVISOR else "the hotline office looks after recordings"
