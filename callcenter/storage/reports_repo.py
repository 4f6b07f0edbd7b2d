"""Stored reports: every version of every period, and their deliveries. Stages work on the
session it is given; never commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TypedDict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from callcenter.domain.report_content import ReportContent, ReportDocument
from callcenter.storage.ticket_tables import ReportDeliveryRow, ReportRow


class ReportSummary(TypedDict):
    """A stored version of a report, as the list shows it."""

    kind: str
    period: str
    version: int
    produced_at: str
    produced_by: str
    sha256: str  # of the content: the same content is never stored twice


@dataclass(frozen=True)
class StoredReport:
    id: int
    kind: str
    period: str
    version: int
    produced_at: datetime
    produced_by: str
    sha256: str
    content: ReportContent | None  # None in listings

    def document(self, tz: tzinfo) -> ReportDocument:
        """The content as read and sent: with its version, production time and digest."""
        assert self.content is not None
        return ReportDocument(**self.content, version=self.version,
                              produced_at=self.produced_at.astimezone(tz).isoformat(),
                              sha256=self.sha256)

    def summary(self) -> ReportSummary:
        return ReportSummary(kind=self.kind, period=self.period, version=self.version,
                             produced_at=self.produced_at.isoformat(),
                             produced_by=self.produced_by, sha256=self.sha256)


def _stored(row: ReportRow, with_content: bool = True) -> StoredReport:
    return StoredReport(row.id, row.kind, row.period, row.version, row.produced_at,
                        row.produced_by, row.sha256,
                        json.loads(row.content) if with_content else None)


class ReportsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, kind: str, period: str, version: int | None = None) -> StoredReport | None:
        """A version of a period's report; without `version`, the latest."""
        q = select(ReportRow).where(ReportRow.kind == kind, ReportRow.period == period)
        q = (q.where(ReportRow.version == version) if version is not None
             else q.order_by(ReportRow.version.desc()).limit(1))
        row = self.s.scalars(q).first()
        return None if row is None else _stored(row)

    def add(self, kind: str, period: str, start: datetime, end: datetime, at: datetime,
            by: str, text: str, sha256: str) -> StoredReport:
        """The next version of a period's report (the unique key refuses a concurrent twin)."""
        last = self.s.scalar(select(func.max(ReportRow.version)).where(
            ReportRow.kind == kind, ReportRow.period == period)) or 0
        row = ReportRow(kind=kind, period=period, version=last + 1, period_start=start,
                        period_end=end, produced_at=at, produced_by=by, sha256=sha256,
                        content=text)
        self.s.add(row)
        self.s.flush()
        return _stored(row)

    def stored(self, kind: str, periods: list[str]) -> set[str]:
        q = select(ReportRow.period).where(ReportRow.kind == kind,
                                           ReportRow.period.in_(periods)).distinct()
        return set(self.s.scalars(q))

    def listing(self, kind: str | None, limit: int, offset: int = 0) -> list[StoredReport]:
        """Every version, newest period first."""
        q = select(ReportRow).order_by(ReportRow.period_end.desc(), ReportRow.kind,
                                       ReportRow.version.desc()).limit(limit).offset(offset)
        if kind is not None:
            q = q.where(ReportRow.kind == kind)
        return [_stored(r, with_content=False) for r in self.s.scalars(q)]

    # -- deliveries ---------------------------------------------------------------------
    def plan_delivery(self, report_id: int, target: str, at: datetime) -> bool:
        """A delivery of this version to this target, once: False if it was planned before."""
        exists = self.s.scalar(select(ReportDeliveryRow.id).where(
            ReportDeliveryRow.report_id == report_id, ReportDeliveryRow.target == target))
        if exists is not None:
            return False
        self.s.add(ReportDeliveryRow(report_id=report_id, target=target, attempts=0,
                                     next_at=at, delivered_at=None, error=""))
        self.s.flush()
        return True

    def deliveries_due(self, now: datetime, limit: int = 20) -> list[tuple[int, StoredReport,
                                                                         str, int]]:
        """(delivery id, report, target, attempts so far) not yet acknowledged and due."""
        q = (select(ReportDeliveryRow, ReportRow)
             .join(ReportRow, ReportRow.id == ReportDeliveryRow.report_id)
             .where(ReportDeliveryRow.delivered_at.is_(None), ReportDeliveryRow.next_at <= now)
             .order_by(ReportDeliveryRow.next_at, ReportDeliveryRow.id).limit(limit))
        return [(d.id, _stored(r), d.target, d.attempts) for d, r in self.s.execute(q)]

    def claim_delivery(self, delivery_id: int, attempts: int, until: datetime) -> bool:
        """Take a delivery for one attempt (no other worker takes it before `until`)."""
        res = self.s.execute(update(ReportDeliveryRow).where(
            ReportDeliveryRow.id == delivery_id, ReportDeliveryRow.attempts == attempts,
            ReportDeliveryRow.delivered_at.is_(None)).values(attempts=attempts + 1,
                                                             next_at=until))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def delivered(self, delivery_id: int, at: datetime) -> None:
        self.s.execute(update(ReportDeliveryRow).where(ReportDeliveryRow.id == delivery_id)
                       .values(delivered_at=at, error=""))

    def failed(self, delivery_id: int, retry_at: datetime, error: str) -> None:
        self.s.execute(update(ReportDeliveryRow).where(ReportDeliveryRow.id == delivery_id)
                       .values(next_at=retry_at, error=error[:200]))

    def deliveries(self, report_id: int) -> list[dict[str, Any]]:
        q = (select(ReportDeliveryRow).where(ReportDeliveryRow.report_id == report_id)
             .order_by(ReportDeliveryRow.id))
        return [{"target": d.target, "attempts": d.attempts, "error": d.error,
                 "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None}
                for d in self.s.scalars(q)]
