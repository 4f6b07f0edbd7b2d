"""Repository of what was said: utterances found by word under filters and a unit's access
rule, a call's transcript, the tickets and reporters of calls, and the search audit. Stages
work on the session it is given; never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, insert, select, text
from sqlalchemy.orm import Session

from callcenter.storage import word_index
from callcenter.storage.tables import CallRow
from callcenter.storage.ticket_tables import TicketCallRow, TicketRow, TicketUnitRow
from callcenter.storage.transcript_tables import SearchAuditRow, SegmentRow


@dataclass(frozen=True)
class Scope:
    """Which calls (and utterances) a query may reach: every condition must hold."""

    since: datetime | None = None
    until: datetime | None = None
    seat: str | None = None
    speaker: str | None = None
    caller: str | None = None
    kind: str | None = None
    category: str | None = None
    units: tuple[str, ...] = ()  # calls of tickets dispatched to each of these units


def _calls_of_tickets(*where: ColumnElement[bool]) -> Select[str]:
    return (select(TicketCallRow.linkedid)
            .join(TicketRow, TicketRow.id == TicketCallRow.ticket_id).where(*where))


def _conditions(f: Scope) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.since:
        out.append(CallRow.started_at >= f.since)
    if f.until:
        out.append(CallRow.started_at < f.until)
    if f.seat:
        out.append(CallRow.seat == f.seat)
    if f.speaker:
        out.append(SegmentRow.speaker == f.speaker)
    if f.caller:
        out.append(CallRow.caller_number == f.caller)
    if f.kind:
        out.append(CallRow.linkedid.in_(_calls_of_tickets(TicketRow.kind == f.kind)))
    if f.category:
        out.append(CallRow.linkedid.in_(_calls_of_tickets(TicketRow.category == f.category)))
    for unit in f.units:
        out.append(CallRow.linkedid.in_(
            select(TicketCallRow.linkedid)
            .join(TicketUnitRow, TicketUnitRow.ticket_id == TicketCallRow.ticket_id)
            .where(TicketUnitRow.unit == unit)))
    return out


class TranscriptsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def newest_matching(self, words: list[str], scope: Scope, window: int
                        ) -> list[tuple[int, str]]:
        """(id, words) of the newest `window` utterances holding every word, in scope."""
        if self.s.get_bind().dialect.name == "postgresql":
            # The window is found by walking the newest utterances; on two cores, parallel
            # workers cost more to start (10 ms) than they save.
            self.s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        q = select(SegmentRow.id, SegmentRow.words).join(CallRow, CallRow.id == SegmentRow.call_id)
        for cond in _conditions(scope):
            q = q.where(cond)
        q = word_index.newest(self.s, word_index.SEGMENTS, q, SegmentRow.id, words)
        return [(i, w) for i, w in self.s.execute(q.limit(window))]

    def with_calls(self, ids: Iterable[int]) -> dict[int, tuple[SegmentRow, CallRow]]:
        return {g.id: (g, c) for g, c in self.s.execute(
            select(SegmentRow, CallRow).join(CallRow, CallRow.id == SegmentRow.call_id)
            .where(SegmentRow.id.in_(list(ids))))}

    def call(self, linkedid: str, scope: Scope) -> CallRow | None:
        q = select(CallRow).where(CallRow.linkedid == linkedid)
        for cond in _conditions(scope):
            q = q.where(cond)
        return self.s.scalar(q)

    def segments_of(self, call_id: int) -> list[SegmentRow]:
        return list(self.s.scalars(select(SegmentRow).where(SegmentRow.call_id == call_id)
                                   .order_by(SegmentRow.start_s, SegmentRow.id)))

    def reporters(self, linkedids: set[str]) -> list[tuple[str, str, bool]]:
        """(call, reporter's name, anonymous) for every ticket of these calls."""
        if not linkedids:
            return []
        return [(lid, name, bool(anon)) for lid, name, anon in self.s.execute(
            select(TicketCallRow.linkedid, TicketRow.reporter_name, TicketRow.anonymous)
            .join(TicketRow, TicketRow.id == TicketCallRow.ticket_id)
            .where(TicketCallRow.linkedid.in_(linkedids)))]

    def tickets_of(self, linkedids: set[str], unit: str | None) -> dict[str, list[int]]:
        """The tickets of each call; only those dispatched to `unit` if given."""
        if not linkedids:
            return {}
        q = select(TicketCallRow.linkedid, TicketCallRow.ticket_id).where(
            TicketCallRow.linkedid.in_(linkedids))
        if unit is not None:
            q = q.where(TicketCallRow.ticket_id.in_(
                select(TicketUnitRow.ticket_id).where(TicketUnitRow.unit == unit)))
        out: dict[str, list[int]] = {}
        for lid, tid in self.s.execute(q.order_by(TicketCallRow.ticket_id)):
            out.setdefault(lid, []).append(tid)
        return out

    def audit(self, at: datetime, role: str, person: str, query: str, filters: str,
              results: str) -> None:
        self.s.execute(insert(SearchAuditRow).values(at=at, role=role, person=person,
                                                     query=query, filters=filters,
                                                     results=results))
