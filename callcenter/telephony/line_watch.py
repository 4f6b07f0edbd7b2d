"""The line now, from the controller's own events: citizens in the menu, waiting in a queue
(since when) and talking. The wallboard reads this, never app_queue's counters.

Pure: AMI events in, a snapshot out (counts and waiting times only, no numbers). A resync's
channel list (CoreShowChannel … Complete) replaces what the watch believed; QueueEntry gives
the waiting times of citizens already in line when the controller came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callcenter.contract.dialplan import CONTEXT_PREFIX
from callcenter.domain.calls import Event, call_of_leg
from callcenter.telephony.ami import events
from callcenter.telephony.ami.events import Ev
from callcenter.telephony.call_facts import timestamp

IVR, WAITING, TALKING = "ivr", "waiting", "talking"


@dataclass
class _Citizen:
    phase: str
    since: float
    queue: str = ""


class LineWatch:
    WANTS = frozenset({Ev.NEWCHANNEL, Ev.HANGUP, Ev.QUEUE_CALLER_JOIN, Ev.QUEUE_CALLER_LEAVE,
                       Ev.QUEUE_CALLER_ABANDON, Ev.AGENT_CONNECT, Ev.DIAL_END,
                       Ev.CORE_SHOW_CHANNEL, Ev.CORE_SHOW_CHANNELS_COMPLETE, Ev.QUEUE_ENTRY})

    def __init__(self) -> None:
        self.calls: dict[str, _Citizen] = {}
        self._listed: dict[str, set[str]] = {}  # resync ActionID -> citizens listed

    def on_event(self, e: Event) -> bool:
        """Take one event; True if the line changed."""
        name = e.get("Event", "")
        uid, lid = e.get("Uniqueid", ""), e.get("Linkedid", "")
        at = timestamp(e)
        if name == Ev.CORE_SHOW_CHANNELS_COMPLETE:
            listed = self._listed.pop(e.get("ActionID", ""), set())
            gone = [c for c in self.calls if c not in listed]
            for c in gone:
                del self.calls[c]
            return bool(gone)
        citizen = bool(uid) and uid == lid and call_of_leg(uid) is None
        if name == Ev.QUEUE_ENTRY and uid:
            wait = float(e.get("Wait", "0") or 0)
            self.calls[uid] = _Citizen(WAITING, at - wait, e.get("Queue", ""))
            return True
        if not citizen:
            return False
        call = self.calls.get(uid)
        if name == Ev.NEWCHANNEL and e.get("Context", "").startswith(CONTEXT_PREFIX):
            self.calls[uid] = _Citizen(IVR, at)
        elif name == Ev.CORE_SHOW_CHANNEL:
            self._listed.setdefault(e.get("ActionID", ""), set()).add(uid)
            if call is None:
                self.calls[uid] = _Citizen(TALKING if e.get("BridgeId") else IVR, at)
            return call is None
        elif call is None:
            return False
        elif name == Ev.HANGUP:
            del self.calls[uid]
        elif name == Ev.QUEUE_CALLER_JOIN:
            call.phase, call.since, call.queue = WAITING, at, e.get("Queue", "")
        elif name in (Ev.QUEUE_CALLER_LEAVE, Ev.QUEUE_CALLER_ABANDON) and call.phase == WAITING:
            call.phase, call.since = IVR, at
        elif name == Ev.AGENT_CONNECT or events.answered_dial(e):
            call.phase, call.since = TALKING, at
        else:
            return False
        return True

    def snapshot(self) -> dict[str, Any]:
        waiting = sorted((c.since, c.queue) for c in self.calls.values() if c.phase == WAITING)
        return {"ivr": sum(c.phase == IVR for c in self.calls.values()),
                "talking": sum(c.phase == TALKING for c in self.calls.values()),
                "waiting": [{"queue": q, "since": round(s, 3)} for s, q in waiting]}
