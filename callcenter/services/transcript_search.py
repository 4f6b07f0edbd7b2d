"""Search what was said: transcript segments by Chinese (or any) words, with filters, ranked,
each hit with a highlighted snippet and its offset in seconds into the recording.

Access follows the ticket store: the hotline searches every call; a unit only calls linked
to tickets dispatched to it; the public nothing. Caller numbers are shown to the hotline only.
Every search is audited (who, when, what, which results).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from callcenter.domain.privacy import Role, Viewer, is_hotline, mask_number
from callcenter.search.cjk import query_words
from callcenter.services.errors import Forbidden, ValidationFailed
from callcenter.storage import word_index
from callcenter.storage.tables import CallRow
from callcenter.storage.ticket_tables import TicketCallRow, TicketUnitRow
from callcenter.storage.transcript_tables import SearchAuditRow, SegmentRow
from callcenter.storage.uow import UnitOfWork

OPEN, CLOSE = "【", "】"  # highlight marks; plain text, so no HTML is ever produced here


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    seat: str | None = None
    speaker: str | None = None   # citizen | agent | unit
    caller: str | None = None    # hotline roles only


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
        if viewer.role is Role.PUBLIC:
            raise Forbidden("recordings are not public")
        if filters.caller and not is_hotline(viewer):
            raise Forbidden("only the hotline searches by caller number")
        if filters.speaker not in (None, "citizen", "agent", "unit"):
            raise ValidationFailed({"speaker": "citizen, agent or unit"})
        words = query_words(query)
        if not words or len(query) > 200:
            raise ValidationFailed({"q": "1-200 characters with at least one word"})
        limit = max(1, min(limit, 100))
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            ids = word_index.search(s, word_index.SEGMENTS, words, limit * 20)
            q = (select(SegmentRow, CallRow).join(CallRow, CallRow.id == SegmentRow.call_id)
                 .where(SegmentRow.id.in_(ids)))
            if filters.since:
                q = q.where(CallRow.started_at >= filters.since)
            if filters.until:
                q = q.where(CallRow.started_at < filters.until)
            if filters.seat:
                q = q.where(CallRow.seat == filters.seat)
            if filters.speaker:
                q = q.where(SegmentRow.speaker == filters.speaker)
            if filters.caller:
                q = q.where(CallRow.caller_number == filters.caller)
            if viewer.role is Role.UNIT:
                mine = (select(TicketCallRow.linkedid)
                        .join(TicketUnitRow, TicketUnitRow.ticket_id == TicketCallRow.ticket_id)
                        .where(TicketUnitRow.unit == viewer.unit))
                q = q.where(CallRow.linkedid.in_(mine))
            rank = {sid: i for i, sid in enumerate(ids)}
            rows = sorted(s.execute(q).all(), key=lambda r: rank[r[0].id])[:limit]
            hits = [{"call": c.linkedid, "segment": g.id, "speaker": g.speaker,
                     "offset_s": g.start_s, "end_s": g.end_s,
                     "snippet": highlight(g.text, words),
                     "started_at": c.started_at.isoformat(), "seat": c.seat,
                     "caller": c.caller_number if is_hotline(viewer)
                     else mask_number(c.caller_number)} for g, c in rows]
            s.execute(insert(SearchAuditRow).values(
                at=self.clock(), role=viewer.role.value, person=viewer.id, query=query,
                filters=json.dumps({k: str(v) for k, v in filters.__dict__.items() if v},
                                   ensure_ascii=False),
                results=json.dumps([[h["call"], h["segment"]] for h in hits])))
            return hits
