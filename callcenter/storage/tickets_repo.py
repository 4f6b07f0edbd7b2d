"""Repository of tickets: stages reads and writes on the session it is given; never commits.

Saves are guarded by the row's version (optimistic locking): two people acting on one ticket
at once cannot silently overwrite each other; the second gets `ConcurrentUpdate` and retries
from the fresh state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from callcenter.domain.calls import Party, PartyOutcome
from callcenter.domain.policy import Urgency
from callcenter.domain.registration import (
    Channel,
    Gender,
    Registration,
    address_key,
    place_of,
)
from callcenter.domain.replies import Kind
from callcenter.domain.tickets import (
    FINISHED,
    TO_DISPATCH,
    WITH_UNIT,
    Actor,
    AuditEntry,
    ConcurrentUpdate,
    Status,
    Ticket,
)
from callcenter.storage import ticket_codec
from callcenter.storage.tables import CallRow, PartyRow
from callcenter.storage.ticket_tables import (
    TicketAuditRow,
    TicketCallRow,
    TicketPhraseRow,
    TicketRow,
    TicketUnitRow,
)

__all__ = ["ConcurrentUpdate", "StoredTicket", "TicketsRepo"]


@dataclass(frozen=True)
class StoredTicket:
    ticket: Ticket
    form: Registration
    version: int
    registered_by: str
    calls: tuple[str, ...]
    # Units dialled into the ticket's calls (三方通话): (call Linkedid, party), oldest first.
    parties: tuple[tuple[str, Party], ...] = ()


def _columns(t: Ticket) -> dict[str, object]:
    return {"status": t.status.value, "lead_unit": t.lead_unit, "due_at": t.due_at,
            "due_soon_at": t.due_soon_at, "first_contact_due": t.first_contact_due,
            "first_contact_at": t.first_contact_at,
            "supervised": t.supervised, "provisional": bool(t.provisional),
            "closed_at": t.closed_at, "dispatch_due": t.dispatch_due,
            "callback_due": t.status is Status.CLOSED and t.callback_sampled,
            "dispatched_at": t.dispatched_at, "replied_at": t.replied_at, "returns": t.returns,
            "extensions": len(t.extensions), "revisits": t.revisits, "repeats": t.repeats,
            **_callback_columns(t), "state": ticket_codec.encode(t)}


def _callback_columns(t: Ticket) -> dict[str, bool | None]:
    """The satisfaction callback as the reports count it: the last reached answer, or an
    unreached attempt; None while nobody has called back."""
    if not t.callbacks:
        return {"cb_reached": None, "cb_solved": None, "cb_satisfied": None}
    reached = [c for c in t.callbacks if c.reached]
    if not reached:
        return {"cb_reached": False, "cb_solved": None, "cb_satisfied": None}
    last = reached[-1]
    return {"cb_reached": True, "cb_solved": last.solved, "cb_satisfied": last.satisfied}


def _with_unit() -> ColumnElement[bool]:
    return TicketRow.status.in_(sorted(s.value for s in WITH_UNIT))


def _stored(row: TicketRow, history: tuple[AuditEntry, ...], calls: tuple[str, ...]
            ) -> StoredTicket:
    t = replace(ticket_codec.decode(row.state, row.id), history=history)
    form = Registration(
        kind=Kind(row.kind), urgency=Urgency(row.urgency), channel=Channel(row.channel),
        category=row.category, matter=row.matter, demand=row.demand, address=row.address,
        reporter_name=row.reporter_name, reporter_gender=Gender(row.reporter_gender),
        reporter_phone=row.reporter_phone, history=row.history_text,
        other_opinions=row.other_opinions, anonymous=row.anonymous,
        home_address=row.home_address, event_time=row.event_time,
        people_involved=row.people_involved)
    return StoredTicket(t, form, row.version, row.registered_by, calls)


class TicketsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, t: Ticket, form: Registration, registered_by: str,
            linkedids: Sequence[str] = (), phrases: Sequence[str] = ()) -> int:
        row = TicketRow(
            version=1, kind=form.kind.value, urgency=form.urgency.value,
            channel=form.channel.value, category=form.category, matter=form.matter,
            demand=form.demand, address=form.address, history_text=form.history,
            other_opinions=form.other_opinions, reporter_name=form.reporter_name,
            reporter_gender=form.reporter_gender.value, reporter_phone=form.reporter_phone,
            home_address=form.home_address, event_time=form.event_time,
            people_involved=form.people_involved, address_key=address_key(form.address),
            place=place_of(form.address),
            anonymous=form.anonymous, registered_at=t.registered_at,
            registered_by=registered_by, **_columns(t))
        self.s.add(row)
        self.s.flush()
        if phrases:
            self.s.execute(insert(TicketPhraseRow), [
                {"ticket_id": row.id, "phrase": p, "registered_at": t.registered_at}
                for p in phrases])
        self._write_audit(row.id, t.history, 0)
        self._write_units(row.id, t)
        for lid in linkedids:
            self.add_call(row.id, lid, t.registered_at)
        return row.id

    def get(self, ticket_id: int, for_update: bool = False) -> StoredTicket | None:
        q = select(TicketRow).where(TicketRow.id == ticket_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalar(q)
        if row is None:
            return None
        calls = tuple(self.s.scalars(select(TicketCallRow.linkedid).where(
            TicketCallRow.ticket_id == row.id).order_by(TicketCallRow.linkedid)))
        return replace(_stored(row, tuple(self.audit(row.id)), calls),
                       parties=self._parties(calls))

    def _parties(self, calls: tuple[str, ...]) -> tuple[tuple[str, Party], ...]:
        if not calls:
            return ()
        rows = self.s.execute(select(CallRow.linkedid, PartyRow).join(
            PartyRow, PartyRow.call_id == CallRow.id).where(CallRow.linkedid.in_(calls))
            .order_by(PartyRow.dialled_at)).all()
        return tuple((lid, Party(p.leg, p.uniqueid, p.unit, p.number, p.dialled_at,
                                 p.answered_at, p.ended_at, PartyOutcome(p.outcome)))
                     for lid, p in rows)

    def of_number(self, number: str, limit: int) -> list[StoredTicket]:
        """Tickets still open that a phone number reported or called about, newest first."""
        called = select(TicketCallRow.ticket_id).join(
            CallRow, CallRow.linkedid == TicketCallRow.linkedid).where(
            CallRow.caller_number == number)
        rows = self.s.scalars(select(TicketRow).where(
            or_(TicketRow.reporter_phone == number, TicketRow.id.in_(called)),
            TicketRow.status.not_in(sorted(s.value for s in FINISHED)))
            .order_by(TicketRow.id.desc()).limit(limit)).all()
        return [_stored(r, (), ()) for r in rows]

    def of_call(self, linkedid: str) -> list[int]:
        """The tickets a call belongs to."""
        return list(self.s.scalars(select(TicketCallRow.ticket_id).where(
            TicketCallRow.linkedid == linkedid).order_by(TicketCallRow.ticket_id)))

    def save(self, t: Ticket, version: int, stored_history: int) -> int:
        """Write the new state if nobody saved since `version`; returns the new version."""
        assert t.id is not None
        done = self.s.execute(
            update(TicketRow).where(TicketRow.id == t.id, TicketRow.version == version)
            .values(version=version + 1, **_columns(t)))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(f"ticket {t.id} changed since version {version}")
        self._write_audit(t.id, t.history[stored_history:], stored_history)
        self._write_units(t.id, t)
        return version + 1

    def add_call(self, ticket_id: int, linkedid: str, linked_at: datetime) -> bool:
        """Link a call; it counts at the call's own start if the call log has it."""
        exists = self.s.scalar(select(func.count()).select_from(TicketCallRow).where(
            TicketCallRow.ticket_id == ticket_id, TicketCallRow.linkedid == linkedid))
        if exists:
            return False
        started = self.s.scalar(select(CallRow.started_at).where(CallRow.linkedid == linkedid))
        self.s.execute(insert(TicketCallRow).values(ticket_id=ticket_id, linkedid=linkedid,
                                                    at=started or linked_at))
        return True

    def move_calls(self, source: int, target: int) -> int:
        """并单: the source's calls become the target's (once each), none copied."""
        have = set(self.s.scalars(select(TicketCallRow.linkedid).where(
            TicketCallRow.ticket_id == target)))
        moving = [lid for lid in self.s.scalars(select(TicketCallRow.linkedid).where(
            TicketCallRow.ticket_id == source)) if lid not in have]
        if moving:
            self.s.execute(update(TicketCallRow).where(
                TicketCallRow.ticket_id == source, TicketCallRow.linkedid.in_(moving))
                .values(ticket_id=target))
        self.s.execute(delete(TicketCallRow).where(TicketCallRow.ticket_id == source))
        return len(moving)

    def matching(self, form: Registration, ticket_id: int, year_start: datetime,
                 year_end: datetime) -> list[int]:
        """Ids of the tickets that are `ticket_id`'s matter for the year: the SQL mirror of
        domain/repeats.same_matter (tests/test_repeats.py checks they agree)."""
        citizen = []
        if form.reporter_phone:
            citizen.append(TicketRow.reporter_phone == form.reporter_phone)
        if form.reporter_name and form.home_address:
            citizen.append(and_(TicketRow.reporter_name == form.reporter_name,
                                TicketRow.home_address == form.home_address))
        same = TicketRow.id == ticket_id
        if citizen:
            finished = [s.value for s in FINISHED]
            same = or_(same, and_(
                or_(*citizen), TicketRow.category == form.category,
                TicketRow.address_key == address_key(form.address),
                TicketRow.status != Status.MERGED.value,
                or_(TicketRow.status.not_in(finished),
                    and_(TicketRow.closed_at >= year_start, TicketRow.closed_at < year_end))))
        return sorted(self.s.scalars(select(TicketRow.id).where(same)))

    def contacts(self, ticket_ids: Sequence[int], year_start: datetime,
                 year_end: datetime) -> int:
        """Calls of these tickets made in [year_start, year_end), plus each ticket registered
        then without a call (one contact at its registration)."""
        if not ticket_ids:
            return 0
        at = func.coalesce(TicketCallRow.at, TicketRow.registered_at)
        calls = self.s.scalar(
            select(func.count()).select_from(TicketCallRow)
            .join(TicketRow, TicketRow.id == TicketCallRow.ticket_id)
            .where(TicketCallRow.ticket_id.in_(ticket_ids), at >= year_start, at < year_end))
        linked = select(TicketCallRow.ticket_id).where(TicketCallRow.ticket_id == TicketRow.id)
        bare = self.s.scalar(
            select(func.count()).select_from(TicketRow)
            .where(TicketRow.id.in_(ticket_ids), TicketRow.registered_at >= year_start,
                   TicketRow.registered_at < year_end, ~linked.exists()))
        return int(calls or 0) + int(bare or 0)

    def audit(self, ticket_id: int) -> list[AuditEntry]:
        rows = self.s.scalars(select(TicketAuditRow).where(TicketAuditRow.ticket_id == ticket_id)
                              .order_by(TicketAuditRow.seq))
        return [AuditEntry(r.at, Actor(r.actor_role, r.actor_id), r.action,
                           Status(r.from_status), Status(r.to_status), r.why) for r in rows]

    def page(self, unit: str | None, status: Status | None = None,
             limit: int = 100, offset: int = 0) -> list[StoredTicket]:
        """Tickets newest first, in one query; for a unit only those dispatched to it. For
        lists: without their audit trails and calls."""
        q = select(TicketRow).order_by(TicketRow.id.desc()).limit(limit).offset(offset)
        if unit is not None:
            q = q.join(TicketUnitRow, TicketUnitRow.ticket_id == TicketRow.id).where(
                TicketUnitRow.unit == unit)
        if status is not None:
            q = q.where(TicketRow.status == status.value)
        return [_stored(row, (), ()) for row in self.s.scalars(q)]

    def finished(self, statuses: Sequence[Status], limit: int, offset: int = 0
                 ) -> list[StoredTicket]:
        """Tickets in these statuses, the most recently closed first (without trails)."""
        q = (select(TicketRow).where(TicketRow.status.in_([s.value for s in statuses]))
             .order_by(TicketRow.closed_at.desc(), TicketRow.id.desc())
             .limit(limit).offset(offset))
        return [_stored(row, (), ()) for row in self.s.scalars(q)]

    def count_provisional(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(TicketRow).where(
            TicketRow.provisional.is_(True))) or 0)

    def provisional(self, after_id: int = 0, limit: int = 500) -> list[StoredTicket]:
        """Tickets carrying a provisional due time, by id, in pages (without trails)."""
        q = (select(TicketRow).where(TicketRow.provisional.is_(True), TicketRow.id > after_id)
             .order_by(TicketRow.id).limit(limit))
        return [_stored(row, (), ()) for row in self.s.scalars(q)]

    def overdue(self, now: datetime, limit: int, after_id: int = 0,
                unsupervised_only: bool = False) -> list[tuple[int, str]]:
        """(id, lead unit) of tickets past their deadline, by id, in pages; the SQL form of
        `domain.supervision.overdue`."""
        q = (select(TicketRow.id, TicketRow.lead_unit)
             .where(_with_unit(), TicketRow.due_at < now, TicketRow.id > after_id)
             .order_by(TicketRow.id).limit(limit))
        if unsupervised_only:
            q = q.where(TicketRow.supervised.is_(False))
        return [(i, u or "") for i, u in self.s.execute(q)]

    def due_soon(self, now: datetime) -> list[tuple[int, str]]:
        """(id, lead unit) of tickets past their "due soon" moment but not yet due; the SQL
        form of `domain.supervision.due_soon`."""
        q = select(TicketRow.id, TicketRow.lead_unit).where(
            _with_unit(), TicketRow.due_soon_at <= now, TicketRow.due_at >= now)
        return [(i, u or "") for i, u in self.s.execute(q)]

    def dispatch_late(self, now: datetime) -> list[int]:
        """Registered or returned tickets not dispatched by their dispatch deadline."""
        q = select(TicketRow.id).where(TicketRow.status.in_([s.value for s in TO_DISPATCH]),
                                       TicketRow.dispatch_due < now).order_by(TicketRow.id)
        return list(self.s.scalars(q))

    def callbacks_due(self, limit: int = 100, offset: int = 0) -> list[StoredTicket]:
        """Closed tickets sampled for a callback and not called back yet, oldest first."""
        q = (select(TicketRow).where(TicketRow.callback_due.is_(True))
             .order_by(TicketRow.closed_at, TicketRow.id).limit(limit).offset(offset))
        return [_stored(row, (), ()) for row in self.s.scalars(q)]

    def awaiting_first_contact(self, now: datetime) -> list[tuple[int, str]]:
        """(id, lead unit) of tickets whose unit has not contacted the citizen by the first
        contact time; the SQL form of `domain.supervision.awaiting_first_contact`."""
        q = select(TicketRow.id, TicketRow.lead_unit).where(
            _with_unit(), TicketRow.first_contact_at.is_(None), TicketRow.first_contact_due < now)
        return [(i, u or "") for i, u in self.s.execute(q)]

    def _write_audit(self, ticket_id: int, entries: Sequence[AuditEntry], first_seq: int) -> None:
        if not entries:
            return
        self.s.execute(insert(TicketAuditRow), [
            {"ticket_id": ticket_id, "seq": first_seq + i + 1, "at": e.at,
             "actor_role": e.actor.role, "actor_id": e.actor.id, "action": e.action,
             "from_status": e.from_status.value, "to_status": e.to_status.value, "why": e.why}
            for i, e in enumerate(entries)])

    def _write_units(self, ticket_id: int, t: Ticket) -> None:
        self.s.execute(delete(TicketUnitRow).where(TicketUnitRow.ticket_id == ticket_id))
        rows = ([{"ticket_id": ticket_id, "unit": t.lead_unit, "role": "lead"}]
                if t.lead_unit else [])
        rows += [{"ticket_id": ticket_id, "unit": u, "role": "co"} for u in t.co_units]
        if rows:
            self.s.execute(insert(TicketUnitRow), rows)
