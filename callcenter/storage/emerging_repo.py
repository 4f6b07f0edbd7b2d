"""What the emerging issues of a report are counted from (domain/emerging.py): topics heard in
calls, tickets per place and category, cluster candidates and notable tickets — grouped in SQL,
so only groups, never all rows, come to Python."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from callcenter.storage.call_hours_repo import CallHoursRepo
from callcenter.storage.sql_time import epoch_seconds
from callcenter.storage.tables import CallRow
from callcenter.storage.ticket_tables import TicketPhraseRow, TicketRow
from callcenter.storage.transcript_tables import TopicSpotRow

T = TicketRow
NOTABLE_LIMIT = 200


class EmergingRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def topic_calls(self, start: datetime, end: datetime) -> Counter[str]:
        """Per topic, the calls that arrived in [start, end) in which it was heard: from the
        calls' hourly roll-up where it is good, from the spots elsewhere."""
        out: Counter[str] = Counter()
        for a, b in CallHoursRepo(self.s).fold("topics", lambda data, _: out.update(data),
                                               start, end):
            out.update(self.counted_topics(a, b))
        return +out

    def counted_topics(self, start: datetime, end: datetime) -> Counter[str]:
        """topic_calls counted from the spots."""
        q = (select(TopicSpotRow.topic, func.count(distinct(TopicSpotRow.call_id)))
             .join(CallRow, CallRow.id == TopicSpotRow.call_id)
             .where(CallRow.started_at >= start, CallRow.started_at < end)
             .group_by(TopicSpotRow.topic))
        return Counter({topic: int(n) for topic, n in self.s.execute(q)})

    def ticket_counts(self, start: datetime, end: datetime, column: str) -> Counter[str]:
        """Tickets registered in [start, end) per place or per category."""
        col = getattr(T, column)
        q = (select(col, func.count()).where(T.registered_at >= start, T.registered_at < end)
             .group_by(col))
        return Counter({k: int(n) for k, n in self.s.execute(q) if k})

    def phrase_counts(self, start: datetime, end: datetime) -> Counter[str]:
        """Per key phrase, the tickets registered in [start, end) whose matter holds it."""
        q = (select(TicketPhraseRow.phrase, func.count())
             .where(TicketPhraseRow.registered_at >= start, TicketPhraseRow.registered_at < end)
             .group_by(TicketPhraseRow.phrase))
        return Counter({p: int(n) for p, n in self.s.execute(q)})

    def cluster_candidates(self, start: datetime, end: datetime, size: int,
                           window_s: float = 86400.0
                           ) -> dict[tuple[str, str], list[tuple[datetime, int]]]:
        """For each (category, place) where `size` tickets registered in [start, end) fall
        within `window_s` seconds of each other, its tickets' registration times and ids (the
        domain rule then finds the window). SQL keeps the groups: each ticket is compared with
        the one `size - 1` before it in its group, in the index's order."""
        in_period = and_(T.registered_at >= start, T.registered_at < end, T.place != "")
        at = epoch_seconds(T.registered_at, self.s.get_bind().dialect.name)
        ordered = (select(T.category, T.place, at.label("at"),
                          func.lag(at, size - 1).over(
                              partition_by=(T.category, T.place),
                              order_by=(T.registered_at, T.id)).label("back"))
                   .where(in_period).subquery())
        # Whole seconds on both sides: a second of slack; the domain rule decides exactly.
        groups = (select(ordered.c.category, ordered.c.place)
                  .where(ordered.c.back.is_not(None),
                         ordered.c.at - ordered.c.back <= int(window_s))
                  .distinct().subquery())
        q = (select(T.category, T.place, T.registered_at, T.id)
             .join(groups, and_(groups.c.category == T.category, groups.c.place == T.place))
             .where(in_period).order_by(T.category, T.place, T.registered_at, T.id))
        out: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
        for category, place, registered, tid in self.s.execute(q):
            out.setdefault((category, place), []).append((registered, tid))
        return out

    def notable(self, start: datetime, end: datetime, repeats_from: int
                ) -> Sequence[tuple[int, str, str, str, str | None, str, bool, int, str]]:
        """Tickets registered in [start, end) that are supervised, repeated `repeats_from` times
        or more, urgent or parked: (id, category, status, urgency, lead unit, place,
        supervised, repeats, matter), most repeated first."""
        q = (select(T.id, T.category, T.status, T.urgency, T.lead_unit, T.place, T.supervised,
                    T.repeats, T.matter)
             .where(T.registered_at >= start, T.registered_at < end,
                    or_(T.supervised.is_(True), T.repeats >= repeats_from,
                        T.urgency == "urgent", T.status == "parked"))
             .order_by(T.repeats.desc(), T.id).limit(NOTABLE_LIMIT))
        return [tuple(r) for r in self.s.execute(q)]  # type: ignore[misc]
