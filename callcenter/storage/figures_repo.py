"""The call figures of reports/figures.py counted in SQL (streamed aggregation: no rows in
Python). Each CASE mirrors one predicate there; tests/test_figures.py checks they agree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from callcenter.reports.figures import WITHIN_S
from callcenter.storage.tables import CallRow

_ANSWERED = and_(CallRow.answered_at.is_not(None), CallRow.disposition != "in_progress")
MIRRORS: Mapping[str, ColumnElement[bool]] = {
    "calls_offered": CallRow.queue_joined_at.is_not(None),
    "calls_answered": _ANSWERED,
    "answered_within_15s": and_(_ANSWERED, CallRow.wait_s.is_not(None),
                                CallRow.wait_s <= WITHIN_S),
    "abandoned_ivr": CallRow.disposition == "abandoned_ivr",
    "abandoned_queue": CallRow.disposition == "abandoned_queue",
}


class FiguresRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def counts(self, since: datetime, until: datetime) -> dict[str | None, dict[str, int]]:
        """Per queue (None: calls that never reached one) and for all ("*"), the calls that
        arrived in [since, until) counted by each predicate."""
        cols = [func.sum(case((cond, 1), else_=0)).label(name) for name, cond in
                MIRRORS.items()]
        q = (select(CallRow.queue, *cols).where(CallRow.started_at >= since,
                                                CallRow.started_at < until)
             .group_by(CallRow.queue))
        out: dict[str | None, dict[str, int]] = {}
        total = dict.fromkeys(MIRRORS, 0)
        for row in self.s.execute(q):
            counts = {name: int(getattr(row, name) or 0) for name in MIRRORS}
            out[row.queue] = counts
            for name, n in counts.items():
                total[name] += n
        out["*"] = total
        return out
