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
from callcenter.telephony.call_facts import timestamp

IVR, WAITING, TALKING = "ivr", "waiting", "talking"


@dataclass
class _Citizen:
    phase: str
    since: float
    queue: str = ""


class LineWatch:
    WANTS = frozenset({"Newchannel", "Hangup", "QueueCallerJoin", "QueueCallerLeave",
                       "QueueCallerAbandon", "AgentConnect", "DialEnd", "CoreShowChannel",
                       "CoreShowChannelsComplete", "QueueEntry"})

    def __init__(self) -> None:
        self.calls: dict[str, _Citizen] = {}
        self._listed: dict[str, set[str]] = {}  # resync ActionID -> citizens listed

    def on_event(self, e: Event) -> bool:
        """Take one event; True if the line changed."""
        name = e.get("Event", "")
        uid, lid = e.get("Uniqueid", ""), e.get("Linkedid", "")
        at = timestamp(e)
        if name == "CoreShowChannelsComplete":
            listed = self._listed.pop(e.get("ActionID", ""), set())
            gone = [c for c in self.calls if c not in listed]
            for c in gone:
                del self.calls[c]
            return bool(gone)
        citizen = bool(uid) and uid == lid and call_of_leg(uid) is None
        if name == "QueueEntry" and uid:
            wait = float(e.get("Wait", "0") or 0)
            self.calls[uid] = _Citizen(WAITING, at - wait, e.get("Queue", ""))
            return True
        if not citizen:
            return False
        call = self.calls.get(uid)
        if name == "Newchannel" and e.get("Context", "").startswith(CONTEXT_PREFIX):
            self.calls[uid] = _Citizen(IVR, at)
        elif name == "CoreShowChannel":
            self._listed.setdefault(e.get("ActionID", ""), set()).add(uid)
            if call is None:
                self.calls[uid] = _Citizen(TALKING if e.get("BridgeId") else IVR, at)
            return call is None
        elif call is None:
            return False
        elif name == "Hangup":
            del self.calls[uid]
        elif name == "QueueCallerJoin":
            call.phase, call.since, call.queue = WAITING, at, e.get("Queue", "")
        elif name in ("QueueCallerLeave", "QueueCallerAbandon") and call.phase == WAITING:
            call.phase, call.since = IVR, at
        elif name == "AgentConnect" or (name == "DialEnd" and e.get("DialStatus") == "ANSWER"):
            call.phase, call.since = TALKING, at
        else:
            return False
        return True

    def snapshot(self) -> dict[str, Any]:
        waiting = sorted((c.since, c.queue) for c in self.calls.values() if c.phase == WAITING)
        return {"ivr": sum(c.phase == IVR for c in self.calls.values()),
                "talking": sum(c.phase == TALKING for c in self.calls.values()),
                "waiting": [{"queue": q, "since": round(s, 3)} for s, q in waiting]}
