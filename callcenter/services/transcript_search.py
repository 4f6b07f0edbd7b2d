"""Search what was said: transcript segments by Chinese (or any) words, with filters, ranked,
each hit with a highlighted snippet and its offset in seconds into the recording.

Access follows the ticket store: the hotline searches every call; a unit only calls linked
to tickets dispatched to it; the public nothing. Caller numbers are shown to the hotline only.
Every search is audited (who, when, what, which results).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, insert, select, text
from sqlalchemy.orm import Session

from callcenter.domain.privacy import HIDDEN, Role, Viewer, is_hotline, mask_number, mask_speech
from callcenter.domain.replies import Kind
from callcenter.search.cjk import query_words, score
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.storage import word_index
from callcenter.storage.tables import CallRow
from callcenter.storage.ticket_tables import TicketCallRow, TicketRow, TicketUnitRow
from callcenter.storage.transcript_tables import SearchAuditRow, SegmentRow
from callcenter.storage.uow import UnitOfWork

# Relevance is ranked among the newest WINDOW matching utterances that pass the filters:
# ranking every match of a common word (供暖 in 8 % of a million utterances) costs 130 ms on
# SQLite and 220 ms on PostgreSQL; the newest window costs what it takes to find it
# (docs/benchmarks.md). A search further back narrows by time (since/until).
WINDOW = 500
OPEN, CLOSE = "【", "】"  # highlight marks; plain text, so no HTML is ever produced here


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    seat: str | None = None
    speaker: str | None = None   # citizen | agent | unit
    caller: str | None = None    # hotline roles only
    unit: str | None = None      # calls of tickets dispatched to this unit (lead or co)
    kind: str | None = None      # calls of tickets of this kind (complaint 投诉 …)
    category: str | None = None  # calls of tickets in this category


# Filters given as plain text, in the API's query string and on the command line.
TEXT_FILTERS = {
    "seat": "the seat that answered",
    "speaker": "citizen, agent or unit",
    "caller": "the caller's number (hotline roles only)",
    "unit": "calls of tickets dispatched to this unit",
    "kind": "calls of tickets of this kind: " + ", ".join(Kind),
    "category": "calls of tickets in this category (漏水, 供暖 …)",
}


def highlight(segment_text: str, words: list[str]) -> str:
    out = segment_text
    for w in sorted(set(words), key=len, reverse=True):
        out = out.replace(w, f"{OPEN}{w}{CLOSE}")
    return out


class TranscriptSearch:
    def __init__(self, engine: Engine,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock

    def search(self, query: str, viewer: Viewer, filters: Filters = Filters(),
               limit: int = 20) -> list[dict[str, Any]]:
        try:
            return self._search(query, viewer, filters, limit)
        except (Forbidden, ValidationFailed) as exc:
            self._audit_refusal(viewer, query, filters, exc)
            raise

    def _search(self, query: str, viewer: Viewer, filters: Filters,
                limit: int) -> list[dict[str, Any]]:
        if viewer.role is Role.PUBLIC:
            raise Forbidden("recordings are not public")
        if filters.caller and not is_hotline(viewer):
            raise Forbidden("only the hotline searches by caller number")
        long = {name: "at most 64 characters" for name in TEXT_FILTERS
                if len(getattr(filters, name) or "") > 64}
        if long:
            raise ValidationFailed(long)
        if filters.speaker not in (None, "citizen", "agent", "unit"):
            raise ValidationFailed({"speaker": TEXT_FILTERS["speaker"]})
        if filters.kind is not None and filters.kind not in set(Kind):
            raise ValidationFailed({"kind": TEXT_FILTERS["kind"]})
        words = query_words(query)
        if not words or len(query) > 200:
            raise ValidationFailed({"q": "1-200 characters with at least one word"})
        limit = max(1, min(limit, 100))
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            if s.get_bind().dialect.name == "postgresql":
                # The window is found by walking the newest utterances; on two cores, parallel
                # workers cost more to start (10 ms) than they save.
                s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            q = (select(SegmentRow.id, SegmentRow.words)
                 .join(CallRow, CallRow.id == SegmentRow.call_id))
            for cond in _conditions(filters, viewer):
                q = q.where(cond)
            q = word_index.newest(s, word_index.SEGMENTS, q, SegmentRow.id, words)
            best = _best([(i, w) for i, w in s.execute(q.limit(WINDOW))], words)[:limit]
            found = {g.id: (g, c) for g, c in s.execute(
                select(SegmentRow, CallRow).join(CallRow, CallRow.id == SegmentRow.call_id)
                .where(SegmentRow.id.in_(best)))}
            rows = [found[i] for i in best]
            calls = {c.linkedid for _, c in rows}
            tickets = _tickets(s, calls, viewer)
            who = _identities(s, calls)
            hits = [{"call": c.linkedid, "segment": g.id, "speaker": g.speaker,
                     "offset_s": g.start_s, "end_s": g.end_s,
                     "snippet": highlight(_said(g.text, viewer, who.get(c.linkedid)), words),
                     "started_at": c.started_at.isoformat(), "seat": c.seat,
                     "tickets": tickets.get(c.linkedid, []),
                     "caller": _caller(c.caller_number, viewer, who.get(c.linkedid))}
                    for g, c in rows]
            self._audit(s, viewer, query, filters, [[h["call"], h["segment"]] for h in hits])
            return hits

    def transcript(self, linkedid: str, viewer: Viewer) -> dict[str, Any]:
        """Everything said in one call, both sides in time order (audited like a search):
        where a hit lands, the conversation around it."""
        try:
            return self._transcript(linkedid, viewer)
        except (Forbidden, NotFound) as exc:
            self._audit_refusal(viewer, f"transcript {linkedid}", Filters(), exc)
            raise

    def _transcript(self, linkedid: str, viewer: Viewer) -> dict[str, Any]:
        if viewer.role is Role.PUBLIC:
            raise Forbidden("recordings are not public")
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            q = select(CallRow).where(CallRow.linkedid == linkedid)
            for cond in _conditions(Filters(), viewer):
                q = q.where(cond)
            call = s.scalar(q)
            if call is None:  # also when it is not the viewer's to read
                raise NotFound(f"no call {linkedid}")
            segs = list(s.scalars(select(SegmentRow).where(SegmentRow.call_id == call.id)
                                  .order_by(SegmentRow.start_s, SegmentRow.id)))
            self._audit(s, viewer, f"transcript {linkedid}", Filters(),
                        [[linkedid, g.id] for g in segs])
            who = _identities(s, {linkedid}).get(linkedid)
            return {"call": linkedid, "started_at": call.started_at.isoformat(),
                    "seat": call.seat,
                    "tickets": _tickets(s, {linkedid}, viewer).get(linkedid, []),
                    "caller": _caller(call.caller_number, viewer, who),
                    "segments": [{"segment": g.id, "speaker": g.speaker, "start_s": g.start_s,
                                  "end_s": g.end_s, "text": _said(g.text, viewer, who),
                                  "conf": g.conf}
                                 for g in segs]}

    def _audit(self, s: Session, viewer: Viewer, query: str, filters: Filters,
               results: list[list[Any]] | dict[str, str]) -> None:
        s.execute(insert(SearchAuditRow).values(
            at=self.clock(), role=viewer.role.value, person=viewer.id, query=query,
            filters=json.dumps({k: str(v) for k, v in filters.__dict__.items() if v},
                               ensure_ascii=False),
            results=json.dumps(results, ensure_ascii=False)))


    def _audit_refusal(self, viewer: Viewer, query: str, filters: Filters,
                       exc: Exception) -> None:
        """A refused search or read is audited too, in its own transaction."""
        with UnitOfWork(self.engine) as uow:
            self._audit(uow.session, viewer, query[:500], filters,
                        {"refused": type(exc).__name__, "why": str(exc)[:200]})


@dataclass(frozen=True)
class _Identity:
    names: tuple[str, ...]  # reporters of the call's tickets
    anonymous: bool          # one of them asked to stay anonymous


def _identities(s: Session, linkedids: set[str]) -> dict[str, _Identity]:
    if not linkedids:
        return {}
    rows = s.execute(select(TicketCallRow.linkedid, TicketRow.reporter_name, TicketRow.anonymous)
                     .join(TicketRow, TicketRow.id == TicketCallRow.ticket_id)
                     .where(TicketCallRow.linkedid.in_(linkedids)))
    names: dict[str, set[str]] = {}
    anonymous: set[str] = set()
    for lid, name, anon in rows:
        names.setdefault(lid, set()).add(name)
        if anon:
            anonymous.add(lid)
    return {lid: _Identity(tuple(n), lid in anonymous) for lid, n in names.items()}


def _said(text_: str, viewer: Viewer, who: _Identity | None) -> str:
    """What was said as this viewer may read it: units never read identity in speech."""
    if is_hotline(viewer):
        return text_
    return mask_speech(text_, who.names if who else ())


def _caller(number: str, viewer: Viewer, who: _Identity | None) -> str:
    if is_hotline(viewer):
        return number
    if who is not None and who.anonymous:
        return HIDDEN  # an anonymous citizen's number is not shown even masked
    return mask_number(number)


def _calls_of_tickets(*where: ColumnElement[bool]) -> Select[str]:
    return (select(TicketCallRow.linkedid)
            .join(TicketRow, TicketRow.id == TicketCallRow.ticket_id).where(*where))


def _conditions(f: Filters, viewer: Viewer) -> list[ColumnElement[bool]]:
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
    units = [f.unit] if f.unit else []
    if viewer.role is Role.UNIT:
        units.append(viewer.unit or "")  # a unit sees only its own calls, whatever it asks
    for unit in units:
        out.append(CallRow.linkedid.in_(
            select(TicketCallRow.linkedid)
            .join(TicketUnitRow, TicketUnitRow.ticket_id == TicketCallRow.ticket_id)
            .where(TicketUnitRow.unit == unit)))
    return out


def _tickets(s: Session, linkedids: set[str], viewer: Viewer) -> dict[str, list[int]]:
    """The tickets each call belongs to, as far as the viewer may see them."""
    if not linkedids:
        return {}
    q = select(TicketCallRow.linkedid, TicketCallRow.ticket_id).where(
        TicketCallRow.linkedid.in_(linkedids))
    if viewer.role is Role.UNIT:
        q = q.where(TicketCallRow.ticket_id.in_(
            select(TicketUnitRow.ticket_id).where(TicketUnitRow.unit == viewer.unit)))
    out: dict[str, list[int]] = {}
    for lid, tid in s.execute(q.order_by(TicketCallRow.ticket_id)):
        out.setdefault(lid, []).append(tid)
    return out


def _best(window: Sequence[tuple[int, str]], words: list[str]) -> list[int]:
    """Ids, most relevant first; among equals, the newest."""
    if not window:
        return []
    mean = sum(len(w.split()) for _, w in window) / len(window)
    return [i for i, _ in sorted(window, key=lambda r: (-score(r[1], words, mean), -r[0]))]
