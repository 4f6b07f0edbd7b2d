"""Use case: the access audit — every play or download of a recording, every opening of a
transcript, written before the first byte leaves; read by auditors with the transcript
searches and the listening-in beside it. Nothing here updates or deletes (the store refuses
it too)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TypedDict

from callcenter.domain.access import people as access
from callcenter.domain.access_log import Access, AccessFilter
from callcenter.domain.privacy import Viewer
from callcenter.services.errors import ValidationFailed, require
from callcenter.services.ports import UnitsOfWork

ACTIONS = ("played", "downloaded", "opened", "searched", "listened")


class AccessView(TypedDict):
    at: str
    role: str
    person: str
    action: str
    subject: str
    detail: dict[str, object]


class AccessAudit:
    def __init__(self, uow: UnitsOfWork, clock: Callable[[], datetime]) -> None:
        self.uow = uow
        self.clock = clock

    def record(self, viewer: Viewer, action: str, subject: str,
               detail: dict[str, object]) -> None:
        if action not in ACTIONS[:3]:
            raise ValueError(f"not an access: {action}")
        with self.uow() as uow:
            uow.access_audit.add(Access(self.clock(), viewer.role.value, viewer.id, action,
                                        subject, json.dumps(detail, ensure_ascii=False,
                                                            sort_keys=True)))

    def listing(self, viewer: Viewer, f: AccessFilter, limit: int = 200) -> list[AccessView]:
        require(access.read_audit(viewer))
        if f.action is not None and f.action not in ACTIONS:
            raise ValidationFailed({"action": ", ".join(ACTIONS)})
        with self.uow(read_only=True) as uow:
            found = uow.access_audit.listing(f, max(1, min(limit, 1000)))
        return [AccessView(at=a.at.isoformat(), role=a.role, person=a.person, action=a.action,
                           subject=a.subject, detail=json.loads(a.detail)) for a in found]
