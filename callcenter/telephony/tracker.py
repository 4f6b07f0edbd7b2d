"""Groups AMI events by Linkedid and says when a call is over.

Pure and synchronous: no clock, no I/O. A call is over when the citizen's channel and every
other channel seen for it have hung up, or when a resync snapshot shows it gone. Events arriving
for a call already handed over open it again; the call log merges them with what it stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.contract.dialplan import Fact
from callcenter.domain.calls import Event, Trail, is_gone, wire_text
from callcenter.telephony.ami import events
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.call_facts import CALL_EVENTS, call_of, timestamp


@dataclass
class _Call:
    events: dict[str, Event] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)
    last_seen: float = 0.0


class CallTracker:
    # What the tracker reads from the AMI stream (for AmiParser's `wanted`).
    WANTS = CALL_EVENTS | {Ev.CORE_SHOW_CHANNELS_COMPLETE}

    def __init__(self) -> None:
        self.calls: dict[str, _Call] = {}
        self._snapshot: dict[str, set[str]] = {}  # ActionID -> linkedids in that snapshot

    def feed(self, event: Event) -> list[str]:
        """Take one event; return the linkedids of calls that this event completed."""
        name = event.get("Event", "")
        if name == Ev.CORE_SHOW_CHANNELS_COMPLETE:
            return self._snapshot_done(event)
        if name not in CALL_EVENTS:
            return []
        lid = call_of(event)
        if not lid:
            return []
        call = self.calls.setdefault(lid, _Call())
        call.events.setdefault(wire_text(event), event)
        call.last_seen = max(call.last_seen, timestamp(event))
        uid = event.get("Uniqueid", "")
        if name == Ev.CORE_SHOW_CHANNEL:
            self._snapshot.setdefault(event.get("ActionID", ""), set()).add(lid)
        if uid and name in (Ev.NEWCHANNEL, Ev.CORE_SHOW_CHANNEL):
            call.seen.add(uid)
        elif uid and name == Ev.HANGUP:
            call.seen.add(uid)
            call.dead.add(uid)
        if lid in call.dead and call.seen <= call.dead:
            return [lid]
        return []

    def _snapshot_done(self, event: Event) -> list[str]:
        present = self._snapshot.pop(event.get("ActionID", ""), set())
        taken_at = timestamp(event)
        gone = [lid for lid, call in self.calls.items()
                if lid not in present and is_gone(call.last_seen, taken_at)]
        for lid in gone:
            # The record says the call is over though no hang-up was seen (not in progress).
            fact = events.fact_event(Fact.GONE, "resync", lid, lid,
                                     event.get("Timestamp", f"{taken_at:.6f}"))
            self.calls[lid].events.setdefault(wire_text(fact), fact)
        return gone

    def has_fact(self, linkedid: str, fact: str) -> bool:
        call = self.calls.get(linkedid)
        return call is not None and any(
            events.fact_of(e) == fact for e in call.events.values())

    def is_complete(self, linkedid: str) -> bool:
        call = self.calls.get(linkedid)
        return call is not None and linkedid in call.dead and call.seen <= call.dead

    def copy(self, linkedid: str) -> dict[str, Event]:
        """The call's trail so far, left held (a checkpoint of a call under way)."""
        call = self.calls.get(linkedid)
        return dict(call.events) if call is not None else {}

    def pop(self, linkedid: str) -> dict[str, Event]:
        """The call's trail, handed over to be stored."""
        call = self.calls.pop(linkedid, None)
        return call.events if call is not None else {}

    def give_back(self, trail: Trail) -> None:
        """A trail that could not be stored: hold it again, merged with anything newer."""
        for e in trail.values():
            self.feed(e)  # rare path: feeding again keeps seen/dead right

    def drain(self) -> dict[str, dict[str, Event]]:
        """Everything still held, e.g. at shutdown or at the end of a replay."""
        out = {lid: c.events for lid, c in self.calls.items()}
        self.calls.clear()
        return out
