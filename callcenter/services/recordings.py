"""Use case: a call's recording played or downloaded — by whoever may hear the call (a unit
only the calls of its own tickets, as in search), each access written to the access audit
before the first byte is sent, refusals included."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from callcenter.domain.access import people as people_access
from callcenter.domain.access import speech as access
from callcenter.domain.privacy import Viewer
from callcenter.services.access_audit import AccessAudit
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed, require
from callcenter.services.ports import UnitsOfWork
from callcenter.services.transcript_search import scope_of

# The legs a person asks for, and the recordings' kinds they are stored under.
LEGS = {"mix": "mix", "citizen": "citizen", "agent": "seat"}


@dataclass(frozen=True)
class RecordingFile:
    path: Path
    name: str  # a safe file name for a download: the call id and the leg


class Recordings:
    def __init__(self, uow: UnitsOfWork, root: Path, audit: AccessAudit) -> None:
        self.uow = uow
        self.root = root
        self.audit = audit

    def open(self, viewer: Viewer, linkedid: str, leg: str, download: bool,
             byte_range: str = "") -> RecordingFile:
        action = "downloaded" if download else "played"
        subject = f"call:{linkedid[:64]}/{leg[:8]}"
        detail: dict[str, object] = {"range": byte_range[:64]} if byte_range else {}
        try:
            found = self._find(viewer, linkedid, leg, download)
        except (Forbidden, NotFound, ValidationFailed) as exc:
            self.audit.record(viewer, action, subject,
                              {**detail, "refused": type(exc).__name__})
            raise
        self.audit.record(viewer, action, subject, detail)
        return found

    def _find(self, viewer: Viewer, linkedid: str, leg: str, download: bool) -> RecordingFile:
        require(access.recordings(viewer))
        if download:
            require(people_access.download_recording(viewer))
        kind = LEGS.get(leg)
        if kind is None:
            raise ValidationFailed({"leg": "mix, citizen or agent"})
        with self.uow(read_only=True) as uow:
            call = uow.transcripts.call(linkedid, scope_of(viewer))
            # Not the viewer's to hear reads as absent: a unit learns nothing of other calls.
            rec = None if call is None else next(
                (r for r in call.recordings if r.kind == kind and not r.error), None)
        if rec is None:
            raise NotFound(f"no {leg} recording of call {linkedid}")
        root = self.root.resolve()
        path = (root / rec.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise NotFound(f"no {leg} recording of call {linkedid}")
        safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in linkedid)
        return RecordingFile(path, f"call-{safe}-{leg}{path.suffix}")
