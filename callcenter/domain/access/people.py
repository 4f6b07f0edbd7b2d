"""The console's people and the access audit."""

from __future__ import annotations

from callcenter.domain.privacy import Role, Viewer

Refusal = str | None


def manage(viewer: Viewer) -> Refusal:
    return None if viewer.role is Role.ADMIN else "only an administrator manages people"


def read_audit(viewer: Viewer) -> Refusal:
    return None if viewer.role is Role.AUDITOR else "the access audit is the auditors'"


def download_recording(viewer: Viewer) -> Refusal:
    """Playing is for whoever may hear the call (domain/access/speech); taking a copy away
    is the office's alone."""
    return None if viewer.role is Role.SUPERVISOR else "only the hotline office downloads"
