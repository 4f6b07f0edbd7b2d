"""Repository of the access audit: appends and reads, nothing else (the store refuses an
update or a delete, migration 0024). Also reads the older audits beside it, the transcript
searches and the listening-in, so the audit view shows every kind of access in one list."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from callcenter.domain.access_log import Access, AccessFilter
from callcenter.storage.agent_tables import ListenRow
from callcenter.storage.people_tables import AccessAuditRow
from callcenter.storage.transcript_tables import SearchAuditRow


def _window(q: Select[Any], at: Any, f: AccessFilter) -> Select[Any]:
    if f.since is not None:
        q = q.where(at >= f.since)
    if f.until is not None:
        q = q.where(at < f.until)
    return q


class AccessAuditRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, a: Access) -> None:
        self.s.execute(insert(AccessAuditRow).values(
            at=a.at, role=a.role, person=a.person, action=a.action, subject=a.subject,
            detail=a.detail))

    def listing(self, f: AccessFilter, limit: int) -> list[Access]:
        """Newest first, at most `limit` of the three audits together."""
        out: list[Access] = []
        if f.action in (None, "played", "downloaded", "opened"):
            q = _window(select(AccessAuditRow), AccessAuditRow.at, f)
            if f.person:
                q = q.where(AccessAuditRow.person == f.person)
            if f.action:
                q = q.where(AccessAuditRow.action == f.action)
            if f.subject:
                q = q.where(AccessAuditRow.subject.startswith(f.subject, autoescape=True))
            out += [Access(r.at, r.role, r.person, r.action, r.subject, r.detail)
                    for r in self.s.scalars(q.order_by(AccessAuditRow.at.desc()).limit(limit))]
        if f.action in (None, "searched") and not f.subject:
            q = _window(select(SearchAuditRow), SearchAuditRow.at, f)
            if f.person:
                q = q.where(SearchAuditRow.person == f.person)
            out += [Access(r.at, r.role, r.person, "searched", "transcripts",
                           json.dumps({"query": r.query, "filters": json.loads(r.filters)},
                                      ensure_ascii=False))
                    for r in self.s.scalars(q.order_by(SearchAuditRow.at.desc()).limit(limit))]
        if f.action in (None, "listened"):
            q = _window(select(ListenRow), ListenRow.started_at, f)
            if f.person:
                q = q.where(ListenRow.actor == f.person)
            if f.subject:
                q = q.where(("call:" + ListenRow.call).startswith(f.subject, autoescape=True))
            rows = self.s.scalars(q.order_by(ListenRow.started_at.desc()).limit(limit))
            out += [Access(r.started_at, "supervisor", r.actor, "listened", f"call:{r.call}",
                           json.dumps({"mode": r.mode, "seat": r.seat, "agent": r.agent}))
                    for r in rows]
        return sorted(out, key=lambda a: a.at, reverse=True)[:limit]
