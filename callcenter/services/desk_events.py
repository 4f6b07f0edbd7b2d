"""Use case: the desk's live event stream — what changed since the last look, for one viewer.

The store is the source (the controller writes what happens on the line into it): agents'
states, the call each seat is on (a screen pop when it changes), the desk's requests on live
calls (conference legs: dialling, connected, not reached) and callbacks. Each look compares the
viewer's view with the one before and names what changed. An agent sees every seat's state
(the desk shows colleagues) but only their own seat's calls, requests and callbacks; a
supervisor sees all; a unit or the public nothing (refused).

With live assist on, the words of the calls at the viewer's seats come too, as they grow
(`live_words`: partial, then final), with the offers worked out from them (`live_assist`).
What a citizen said reaches only the agent on the call and the supervisors, like the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock

from callcenter.domain.access import desk as access
from callcenter.domain.agents import AgentStatus
from callcenter.domain.callbacks import CallbackRequest
from callcenter.domain.desk_calls import DeskRequest
from callcenter.domain.live_assist import LiveLine
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.agents import AgentDesk
from callcenter.services.callbacks import view as callback_view
from callcenter.services.desk_calls import view as request_view
from callcenter.services.errors import require
from callcenter.services.live_assist import LiveAssist, Offers
from callcenter.services.ports import UnitsOfWork
from callcenter.services.screen_pop import ScreenPop

Event = tuple[str, Mapping[str, object]]
RECENT = 50  # requests and callbacks looked at per look, and 10 more per seat
FRESH = 0.05  # seconds a look at the store serves every stream (one read, however many)


@dataclass
class Seen:
    """What the viewer was last shown."""

    agents: list[dict[str, object]] | None = None  # the seats as shown, less their seconds
    calls: dict[str, str] = field(default_factory=dict)           # seat -> call
    requests: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> state, detail
    callbacks: dict[int, tuple[str, str]] = field(default_factory=dict)
    heard: dict[tuple[str, str, int], tuple[str, bool]] = field(default_factory=dict)
    offers: dict[str, Offers] = field(default_factory=dict)  # call -> as last shown


@dataclass(frozen=True)
class _Look:
    """The desk as the store had it at one moment, for every seat."""

    at: float  # time.monotonic()
    agents: Mapping[str, AgentStatus]
    live: Mapping[str, str]  # seat -> call
    requests: Sequence[DeskRequest]  # newest first
    callbacks: Sequence[CallbackRequest]
    heard: Sequence[LiveLine] = ()  # of the calls in `live`


class DeskEvents:
    def __init__(self, uow: UnitsOfWork, desk: AgentDesk, pop: ScreenPop, seats: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 fresh: float = FRESH, assist: LiveAssist | None = None) -> None:
        self.uow = uow
        self.assist = assist  # live assist on: the words of the calls, and offers
        self.desk = desk
        self.pop = pop
        self.seats = tuple(seats)
        self.clock = clock
        self.fresh = fresh
        self._look: _Look | None = None
        self._looking = Lock()  # the streams' threads share one look

    def look(self) -> _Look:
        """The latest look at the store, read again once it is `fresh` seconds old: twenty
        agents' streams cost one read, not twenty."""
        with self._looking:
            last = self._look
            if last is not None and time.monotonic() - last.at < self.fresh:
                return last
            recent = RECENT + 10 * len(self.seats)
            with self.uow(read_only=True) as uow:
                live = uow.calls.live_at_seats(self.seats)
                self._look = _Look(time.monotonic(), uow.agents.current(), live,
                                   uow.desk_requests.recent_at(self.seats, recent),
                                   uow.callbacks.recent_at(self.seats, recent),
                                   uow.live.heard(sorted(set(live.values())))
                                   if self.assist is not None else ())
            return self._look


    def changes(self, seen: Seen, viewer: Viewer) -> list[Event]:
        """What changed for this viewer since `seen` (updated in place)."""
        require(access.events(viewer))
        out: list[Event] = []
        look = self.look()
        agents = self.desk.views(look.agents)
        # Seconds in a state grow every look: only a change of state is news.
        key = [{k: v for k, v in a.items() if k != "seconds"} for a in agents]
        if seen.agents != key:
            seen.agents = key
            out.append(("agents", {"items": agents}))
        # The viewer's seats, from the statuses just read (not a second read of the store).
        mine = set(self.seats) if viewer.role is Role.SUPERVISOR else \
            {a["seat"] for a in agents if a["agent"] == viewer.id}
        now_on = {s: call for s, call in look.live.items() if s in mine}
        requests = [r for r in look.requests if r.seat in mine][:RECENT]
        callbacks = [c for c in look.callbacks if c.seat in mine][:RECENT]
        for seat, call in sorted(now_on.items()):
            if seen.calls.get(seat) != call:
                out.append(("screen_pop", self.pop.pop(seat, viewer)))
        for seat in sorted(set(seen.calls) - set(now_on)):
            out.append(("call_ended", {"seat": seat, "call": seen.calls[seat]}))
        seen.calls = now_on
        for r in reversed(requests):
            if seen.requests.get(r.id) != (r.state.value, r.detail):
                seen.requests[r.id] = (r.state.value, r.detail)
                out.append(("desk_request", request_view(r)))
        for c in reversed(callbacks):
            if seen.callbacks.get(c.id) != (c.state.value, c.detail):
                seen.callbacks[c.id] = (c.state.value, c.detail)
                out.append(("callback", callback_view(c)))
        if self.assist is not None:
            out += self._live(seen, {call: seat for seat, call in now_on.items()}, look.heard)
        return out

    def _live(self, seen: Seen, seat_of: Mapping[str, str], heard: Sequence[LiveLine]
              ) -> list[Event]:
        assert self.assist is not None
        out: list[Event] = []
        by_call: dict[str, list[LiveLine]] = {}
        for ln in heard:
            if ln.call in seat_of:
                by_call.setdefault(ln.call, []).append(ln)
        for call, lines in by_call.items():
            for ln in lines:
                key = (call, ln.speaker, ln.n)
                if seen.heard.get(key) != (ln.text, ln.final):
                    seen.heard[key] = (ln.text, ln.final)
                    out.append(("live_words", {
                        "call": call, "seat": seat_of[call], "speaker": ln.speaker, "n": ln.n,
                        "text": ln.text, "final": ln.final, "start_s": ln.start_s,
                        "end_s": ln.end_s}))
            offers = self.assist.offers(call, lines)
            if seen.offers.get(call) != offers:
                seen.offers[call] = offers
                out.append(("live_assist", {**offers, "seat": seat_of[call]}))
        # What ended calls said is forgotten with them.
        seen.heard = {k: v for k, v in seen.heard.items() if k[0] in seat_of}
        seen.offers = {k: v for k, v in seen.offers.items() if k in seat_of}
        return out
