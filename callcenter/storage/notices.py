"""Notices to units (chase, due soon, first contact) and to the hotline office, each at most
once per key and local day: a row already sent is skipped by the store's unique key, so two
sweepers at once cannot send one twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from callcenter.storage.ticket_tables import NoticeRow, OfficeNoticeRow

BATCH = 500


def _insert_new(s: Session, table: type[NoticeRow] | type[OfficeNoticeRow],
                rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    ins = (sqlite_insert if s.get_bind().dialect.name == "sqlite" else pg_insert)(table)
    q = ins.on_conflict_do_nothing().returning(table.id)
    # Rows skipped on conflict return nothing, so the count is of notices really sent.
    return sum(len(s.execute(q, rows[i:i + BATCH]).all()) for i in range(0, len(rows), BATCH))


class OfficeNotice(TypedDict):
    kind: str  # calendar, dispatch_late:<id>, unsolved:<id>, cluster:<key>, emergency:<call>
    day: str  # the local day it is for (one per kind and day)
    at: str
    text: str


class NoticesRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def send_to_units(self, rows: Sequence[dict[str, Any]]) -> int:
        """Rows of (ticket_id, unit, kind, day, created_at, text): the count really sent."""
        return _insert_new(self.s, NoticeRow, rows)

    def send_to_office(self, kind: str, day: str, now: datetime, text: str) -> bool:
        return _insert_new(self.s, OfficeNoticeRow, [{"kind": kind, "day": day,
                                                      "created_at": now, "text": text}]) == 1

    def office_sent(self, kind: str, day: str) -> bool:
        return self.s.scalar(select(OfficeNoticeRow.id).where(
            OfficeNoticeRow.kind == kind, OfficeNoticeRow.day == day)) is not None

    def for_office(self, limit: int = 100) -> list[OfficeNotice]:
        rows = self.s.scalars(select(OfficeNoticeRow).order_by(OfficeNoticeRow.id.desc())
                              .limit(limit))
        return [OfficeNotice(kind=r.kind, day=r.day, at=r.created_at.isoformat(), text=r.text)
                for r in rows]
