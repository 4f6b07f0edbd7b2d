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
from typing import TYPE_CHECKING, Any, TypedDict

from callcenter.domain.access import speech as access
from callcenter.domain.privacy import HIDDEN, Role, Viewer, is_hotline, mask_number, mask_speech
from callcenter.domain.replies import Kind
from callcenter.search.cjk import query_words, score
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed, require
from callcenter.services.ports import UnitsOfWork
from callcenter.storage.transcripts_repo import Scope

if TYPE_CHECKING:
    from callcenter.storage.transcripts_repo import TranscriptsRepo

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



class Hit(TypedDict):
    """Where a search's words were said: the call, who said them, and the second to start
    the recording at."""

    call: str
    segment: int
    speaker: str
    offset_s: float
    end_s: float
    snippet: str  # the words marked, identity masked for unit roles
    started_at: str
    seat: str | None
    tickets: list[int]
    caller: str


class Utterance(TypedDict):
    segment: int
    speaker: str  # citizen, seat, unit
    start_s: float  # into the call's recording
    end_s: float
    text: str  # identity masked for unit roles
    conf: float


class TranscriptView(TypedDict):
    """Everything said in one call, both sides in time order."""

    call: str
    started_at: str
    seat: str | None
    tickets: list[int]
    caller: str
    segments: list[Utterance]

class TranscriptSearch:
    def __init__(self, uow: UnitsOfWork,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.uow = uow
        self.clock = clock

    def search(self, query: str, viewer: Viewer, filters: Filters = Filters(),
               limit: int = 20) -> list[Hit]:
        try:
            return self._search(query, viewer, filters, limit)
        except (Forbidden, ValidationFailed) as exc:
            self._audit_refusal(viewer, query, filters, exc)
            raise

    def _search(self, query: str, viewer: Viewer, filters: Filters,
                limit: int) -> list[Hit]:
        require(access.search(viewer, bool(filters.caller)))
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
        with self.uow() as uow:
            repo = uow.transcripts
            best = _best(repo.newest_matching(words, scope_of(viewer, filters), WINDOW),
                         words)[:limit]
            found = repo.with_calls(best)
            rows = [found[i] for i in best]
            calls = {c.linkedid for _, c in rows}
            tickets = repo.tickets_of(calls, _unit_of(viewer))
            who = _identities(repo, calls)
            hits = [Hit(call=c.linkedid, segment=g.id, speaker=g.speaker, offset_s=g.start_s,
                        end_s=g.end_s,
                        snippet=highlight(_said(g.text, viewer, who.get(c.linkedid)), words),
                        started_at=c.started_at.isoformat(), seat=c.seat,
                        tickets=tickets.get(c.linkedid, []),
                        caller=_caller(c.caller_number, viewer, who.get(c.linkedid)))
                    for g, c in rows]
            self._audit(repo, viewer, query, filters,
                        [[h["call"], h["segment"]] for h in hits])
            return hits

    def transcript(self, linkedid: str, viewer: Viewer) -> TranscriptView:
        """Everything said in one call, both sides in time order (audited like a search):
        where a hit lands, the conversation around it."""
        try:
            return self._transcript(linkedid, viewer)
        except (Forbidden, NotFound) as exc:
            self._audit_refusal(viewer, f"transcript {linkedid}", Filters(), exc)
            raise

    def _transcript(self, linkedid: str, viewer: Viewer) -> TranscriptView:
        require(access.recordings(viewer))
        with self.uow() as uow:
            repo = uow.transcripts
            call = repo.call(linkedid, scope_of(viewer))
            if call is None:  # also when it is not the viewer's to read
                raise NotFound(f"no call {linkedid}")
            segs = repo.segments_of(call.id)
            self._audit(repo, viewer, f"transcript {linkedid}", Filters(),
                        [[linkedid, g.id] for g in segs])
            who = _identities(repo, {linkedid}).get(linkedid)
            return TranscriptView(
                call=linkedid, started_at=call.started_at.isoformat(), seat=call.seat,
                tickets=repo.tickets_of({linkedid}, _unit_of(viewer)).get(linkedid, []),
                caller=_caller(call.caller_number, viewer, who),
                segments=[Utterance(segment=g.id, speaker=g.speaker, start_s=g.start_s,
                                    end_s=g.end_s, text=_said(g.text, viewer, who), conf=g.conf)
                          for g in segs])

    def _audit(self, repo: TranscriptsRepo, viewer: Viewer, query: str, filters: Filters,
               results: list[list[Any]] | dict[str, str]) -> None:
        repo.audit(self.clock(), viewer.role.value, viewer.id, query,
                   json.dumps({k: str(v) for k, v in filters.__dict__.items() if v},
                              ensure_ascii=False),
                   json.dumps(results, ensure_ascii=False))


    def _audit_refusal(self, viewer: Viewer, query: str, filters: Filters,
                       exc: Exception) -> None:
        """A refused search or read is audited too, in its own transaction."""
        with self.uow() as uow:
            self._audit(uow.transcripts, viewer, query[:500], filters,
                        {"refused": type(exc).__name__, "why": str(exc)[:200]})


@dataclass(frozen=True)
class _Identity:
    names: tuple[str, ...]  # reporters of the call's tickets
    anonymous: bool          # one of them asked to stay anonymous


def _identities(repo: TranscriptsRepo, linkedids: set[str]) -> dict[str, _Identity]:
    rows = repo.reporters(linkedids)
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


def _unit_of(viewer: Viewer) -> str | None:
    return (viewer.unit or "") if viewer.role is Role.UNIT else None


def scope_of(viewer: Viewer, f: Filters = Filters()) -> Scope:
    """The calls a viewer may reach, narrowed by the filters: a unit only its tickets'."""
    units = [f.unit] if f.unit else []
    if viewer.role is Role.UNIT:
        units.append(viewer.unit or "")  # a unit sees only its own calls, whatever it asks
    return Scope(f.since, f.until, f.seat, f.speaker, f.caller, f.kind, f.category,
                 tuple(units))


def _best(window: Sequence[tuple[int, str]], words: list[str]) -> list[int]:
    """Ids, most relevant first; among equals, the newest."""
    if not window:
        return []
    mean = sum(len(w.split()) for _, w in window) / len(window)
    return [i for i, _ in sorted(window, key=lambda r: (-score(r[1], words, mean), -r[0]))]
