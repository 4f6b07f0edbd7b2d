"""The call record, folded from the facts of one call (one Linkedid).

Pure: no I/O, no clock, no AMI: telephony/call_facts.py translates Asterisk's events into the
facts below. `build_record` depends on the *set* of facts only — each is taken as the earliest
or latest of its kind by Asterisk's own timestamps — so events replayed, duplicated or received
out of order give the same record. Snapshots taken at a resync only fill in what the call's
own facts do not say.

The event trail (`Trail`, wire text) is what the store keeps for audit; it is kept here, beside
its parser, so that storage needs no telephony.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from callcenter.contract.dialplan import UNIQUEID

# The facts a call is folded from: the vocabulary the dialplan shares (contract/dialplan.py).
from callcenter.contract.dialplan import USEREVENT_NAME as USEREVENT_NAME
from callcenter.contract.dialplan import Fact as Fact

Event = Mapping[str, str]



class Disposition(StrEnum):
    ANSWERED = "answered"
    ABANDONED_QUEUE = "abandoned_queue"
    ABANDONED_IVR = "abandoned_ivr"
    MESSAGE = "message"  # after hours, nobody answered: the citizen left a message
    FAILED = "failed"
    # Stored while under way (the controller stopped, or a checkpoint at answer): the next
    # resync completes it, live or gone.
    IN_PROGRESS = "in_progress"


class HungUpBy(StrEnum):
    CITIZEN = "citizen"
    SEAT = "seat"
    SYSTEM = "system"
    TRANSFER = "transfer"
    UNKNOWN = "unknown"


class What(StrEnum):
    """What a call fact says. Each carries the values named beside it."""

    CHANNEL_START = "channel_start"        # channel, caller, exten, seat (a seat's channel)
    CHANNEL_SNAPSHOT = "channel_snapshot"  # as start, plus duration_s so far and bridged
    CHANNEL_END = "channel_end"            # channel, cause, seat
    HANGUP_REQUEST = "hangup_request"      # the channel's own side asked to hang up
    QUEUE_JOIN = "queue_join"              # queue
    QUEUE_WAITING = "queue_waiting"        # queue, wait_s so far (a snapshot)
    AGENT_CALLED = "agent_called"          # queue, seat: the queue rang a seat for the call
    AGENT_CONNECT = "agent_connect"        # queue, seat
    AGENT_COMPLETE = "agent_complete"      # by: a HungUpBy value
    QUEUE_ABANDON = "queue_abandon"
    CONF_JOIN = "conf_join"                # the channel entered the call's three-way conference
    DIAL_ANSWERED = "dial_answered"        # a phone the call dialled answered (the duty phone)
    DIALPLAN = "dialplan"                  # fact: a Fact, plus that fact's fields
    OTHER = "other"                        # anything else of the call: only its time counts


class CallFact(NamedTuple):
    """One thing known about a call. A tuple: immutable, hashable, and ordered by its
    content (time first), so a set of facts sorts the same however it arrived."""

    at: float          # Asterisk's own time of it (epoch seconds)
    what: What
    uniqueid: str      # the channel it is about
    values: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str = "") -> str:
        for k, v in self.values:
            if k == key:
                return v
        return default


# One call's events keyed by their wire text: the set the record is folded from. The text is
# the event's identity (a duplicate delivery has the same text) and what the store keeps, so
# it is made once per event and never hashed.
Trail = Mapping[str, Event]


def wire_text(event: Event) -> str:
    """The event as AMI wire text (headers joined by CRLF), without ActionID, so the same
    snapshot asked twice is recognised. Asterisk writes each event's headers in a fixed
    order, so a duplicate delivery, and the same text read back from the store, give the same
    text."""
    items = event.items()
    if "ActionID" in event:
        items = {k: v for k, v in items if k != "ActionID"}.items()
    return "\r\n".join(map(": ".join, items))


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass(frozen=True)
class Leg:
    uniqueid: str
    channel: str
    role: str  # citizen | seat | other
    started_at: datetime | None
    ended_at: datetime | None
    hangup_cause: int | None


class PartyOutcome(StrEnum):
    ANSWERED = "answered"      # joined the three-way call
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"          # refused, unreachable, or hung up before joining
    DIALLING = "dialling"      # under way when stored


# Q.850 causes of a dialled leg that ended without joining.
_NOT_REACHED = {17: PartyOutcome.BUSY, 18: PartyOutcome.NO_ANSWER, 19: PartyOutcome.NO_ANSWER}


@dataclass(frozen=True)
class Party:
    """Someone the desk dialled into the call: a unit's phone (三方通话)."""

    leg: str               # unit1, unit2 … in dialling order; names the leg's recordings
    uniqueid: str
    unit: str              # the unit's code
    number: str            # the number dialled
    dialled_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: PartyOutcome

    @property
    def talk_s(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.answered_at).total_seconds(), 3)


@dataclass(frozen=True)
class Ring:
    """The queue rang a seat for the call (a seat rung twice has two); the ring the seat
    picked up is the last one to it before it answered."""

    seat: str
    rung_at: datetime
    answered: bool


# A leg the controller dials into a call is named <the call's Linkedid>-<leg>, so its events
# belong to the call from its first one, whatever Linkedid Asterisk gives it.
_PARTY_LEG = re.compile(
    rf"(?P<call>{UNIQUEID.pattern})-(?P<leg>(?:unit|alert|callback|spy|consult|live)[1-9])")


def party_leg_id(linkedid: str, leg: str) -> str:
    return f"{linkedid}-{leg}"


def call_of_leg(uniqueid: str) -> tuple[str, str] | None:
    """(call Linkedid, leg) of a leg the controller dialled; None for any other channel."""
    m = _PARTY_LEG.fullmatch(uniqueid)
    return (m["call"], m["leg"]) if m else None


@dataclass(frozen=True)
class CallRecord:
    linkedid: str
    caller_number: str
    dialled_number: str
    started_at: datetime
    ended_at: datetime | None
    ivr_choice: str | None
    route: str | None
    fallback: bool
    queue: str | None
    queue_joined_at: datetime | None
    wait_s: float | None
    seat: str | None
    answered_at: datetime | None
    talk_s: float | None
    hung_up_by: HungUpBy
    disposition: Disposition
    disposition_reason: str
    recording_base: str | None
    legs: tuple[Leg, ...] = field(default=())
    message: bool = False  # an after-hours message was recorded (<recording_base>-message)
    parties: tuple[Party, ...] = field(default=())
    rings: tuple[Ring, ...] = field(default=())


def _seconds(text: str) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def build_record(linkedid: str, facts: Iterable[CallFact]) -> CallRecord:
    fs = sorted(set(facts))
    mine = [f for f in fs if f.uniqueid == linkedid]
    # One pass to index the citizen's facts by kind (and the dialplan's by name); every lookup
    # below is then a dict hit, in time order.
    by_what: dict[What, list[CallFact]] = {}
    by_fact: dict[str, list[CallFact]] = {}
    for f in mine:
        by_what.setdefault(f.what, []).append(f)
        if f.what is What.DIALPLAN:
            by_fact.setdefault(f.get("fact"), []).append(f)

    def first(what: What) -> CallFact | None:
        found = by_what.get(what)
        return found[0] if found else None

    def last(what: What) -> CallFact | None:
        found = by_what.get(what)
        return found[-1] if found else None

    def facts_of(fact: Fact) -> list[CallFact]:
        return by_fact.get(fact, [])

    start = first(What.CHANNEL_START)
    snapshot = first(What.CHANNEL_SNAPSHOT)
    if start is not None:
        started = start.at
    elif snapshot is not None:
        started = snapshot.at - _seconds(snapshot.get("duration_s"))
    else:
        started = min((f.at for f in fs), default=0.0)
    source = start or snapshot or (mine[0] if mine else None)
    caller = source.get("caller") if source is not None else ""
    start_fact = facts_of(Fact.START)
    dialled = (start_fact[0].get("Dialled") if start_fact else "") or (
        start.get("exten") if start is not None else "")

    hangup = last(What.CHANNEL_END)
    ended = hangup.at if hangup is not None else None
    ivr = facts_of(Fact.IVR)
    route = facts_of(Fact.ROUTE)
    fallback = bool(facts_of(Fact.FALLBACK))
    system_hangup = facts_of(Fact.SYSTEM_HANGUP)

    join = first(What.QUEUE_JOIN)
    entry = first(What.QUEUE_WAITING)  # resync: the citizen was waiting when we came back
    connect = first(What.AGENT_CONNECT)
    complete = first(What.AGENT_COMPLETE)
    abandon = first(What.QUEUE_ABANDON)
    joined = join.at if join is not None else (
        entry.at - _seconds(entry.get("wait_s")) if entry is not None else None)
    queued = join or entry or connect
    queue = (queued.get("queue") or None) if queued is not None else None

    seat: str | None = None
    answered: float | None = None
    dial_answered = first(What.DIAL_ANSWERED)
    if connect is not None:
        answered = connect.at
        seat = connect.get("seat") or None
    elif dial_answered is not None:
        answered = dial_answered.at  # the duty phone (after hours): answered, by no seat
    else:
        # Resync after the controller missed AgentConnect: a seat's channel of the same call
        # was seen bridged.
        for f in fs:
            if f.what is What.CHANNEL_SNAPSHOT and f.uniqueid != linkedid and f.get("seat") \
                    and f.get("bridged"):
                answered = f.at - _seconds(f.get("duration_s"))
                seat = f.get("seat")
                break

    wait: float | None = None
    if joined is not None:
        left = answered if answered is not None else (
            abandon.at if abandon is not None else ended)
        if left is not None:
            wait = round(max(left - joined, 0.0), 3)

    # Moved into a three-way call or transferred: the queue's AgentComplete marks the move,
    # not the end of the conversation.
    moved = first(What.CONF_JOIN) is not None or bool(facts_of(Fact.TRANSFER))
    if moved:
        complete = None
    talk: float | None = None
    if answered is not None:
        end_talk = complete.at if complete is not None else ended
        if end_talk is not None:
            talk = round(max(end_talk - answered, 0.0), 3)

    if complete is not None:
        by = complete.get("by")
        hung = HungUpBy(by) if by in set(HungUpBy) else HungUpBy.UNKNOWN
    elif system_hangup:
        hung = HungUpBy.SYSTEM
    elif abandon is not None or first(What.HANGUP_REQUEST) is not None:
        hung = HungUpBy.CITIZEN
    elif hangup is not None:
        hung = HungUpBy.SYSTEM
    else:
        hung = HungUpBy.UNKNOWN

    gone = facts_of(Fact.GONE)  # a resync found the call over while we were away
    message = bool(facts_of(Fact.MESSAGE))
    if hangup is None and not gone:
        disposition, why = Disposition.IN_PROGRESS, "under way when stored"
    elif answered is not None:
        disposition, why = Disposition.ANSWERED, ""
    elif message:
        disposition, why = Disposition.MESSAGE, "after hours: a message for the hotline"
    elif joined is not None and hung is HungUpBy.CITIZEN:
        disposition, why = Disposition.ABANDONED_QUEUE, "citizen hung up while queued"
    elif joined is None and hung is HungUpBy.CITIZEN:
        disposition, why = Disposition.ABANDONED_IVR, "citizen hung up before the queue"
    else:
        disposition = Disposition.FAILED
        why = system_hangup[0].get("Reason") if system_hangup else (
            f"hangup cause {hangup.get('cause')}" if hangup is not None else "no end seen")

    return CallRecord(
        linkedid=linkedid,
        caller_number=caller,
        dialled_number=dialled,
        started_at=at(started),
        ended_at=at(ended) if ended is not None else None,
        ivr_choice=(ivr[0].get("Choice") or None) if ivr else None,
        route=(route[0].get("Route") or None) if route else None,
        fallback=fallback,
        queue=queue,
        queue_joined_at=at(joined) if joined is not None else None,
        wait_s=wait,
        seat=seat,
        answered_at=at(answered) if answered is not None else None,
        talk_s=talk,
        hung_up_by=hung,
        disposition=disposition,
        disposition_reason=why,
        recording_base=(start_fact[0].get("Recording") or None) if start_fact else None,
        legs=_legs(fs, linkedid),
        parties=_parties(fs, [f for f in fs if f.what is What.DIALPLAN
                              and f.get("fact") == Fact.PARTY]),
        message=message,
        rings=_rings(by_what.get(What.AGENT_CALLED, []), connect),
    )


def _rings(called: list[CallFact], connect: CallFact | None) -> tuple[Ring, ...]:
    """The seats the queue rang, in time order; `connect`: the seat that answered."""
    picked = -1
    if connect is not None:
        for i, f in enumerate(called):
            if f.get("seat") == connect.get("seat") and f.at <= connect.at:
                picked = i
    return tuple(Ring(f.get("seat"), at(f.at), i == picked)
                 for i, f in enumerate(called) if f.get("seat"))


_CHANNEL = (What.CHANNEL_START, What.CHANNEL_SNAPSHOT, What.CHANNEL_END)


def _parties(fs: list[CallFact], dialled: list[CallFact]) -> tuple[Party, ...]:
    out = []
    for d in dialled:
        uid = d.uniqueid
        joined = next((f.at for f in fs if f.uniqueid == uid and f.what is What.CONF_JOIN),
                      None)
        end = next((f for f in fs if f.uniqueid == uid and f.what is What.CHANNEL_END), None)
        if joined is not None:
            outcome = PartyOutcome.ANSWERED
        elif end is None:
            outcome = PartyOutcome.DIALLING
        else:
            cause = end.get("cause")
            outcome = _NOT_REACHED.get(int(cause) if cause.isdigit() else 0,
                                       PartyOutcome.FAILED)
        out.append(Party(d.get("Leg"), uid, d.get("Unit"), d.get("Number"), at(d.at),
                         at(joined) if joined is not None else None,
                         at(end.at) if end is not None else None, outcome))
    return tuple(out)


def _legs(fs: list[CallFact], linkedid: str) -> tuple[Leg, ...]:
    legs: dict[str, dict[str, object]] = {}
    for f in fs:
        if not f.uniqueid or f.what not in _CHANNEL:
            continue
        leg = legs.setdefault(f.uniqueid, {"channel": f.get("channel"), "seat": ""})
        leg["seat"] = leg["seat"] or f.get("seat")
        if f.what is What.CHANNEL_START:
            leg["started"] = f.at
        elif f.what is What.CHANNEL_SNAPSHOT:
            leg.setdefault("snap_started", f.at - _seconds(f.get("duration_s")))
        else:
            leg["ended"] = f.at
            cause = f.get("cause")
            leg["cause"] = int(cause) if cause.isdigit() else None
    out = []
    for uid, leg in sorted(legs.items()):
        # A leg the controller placed is named for what it is for (a supervisor's phone
        # listening in is a seat's channel, but its leg is "spy").
        party = call_of_leg(uid)
        role = "citizen" if uid == linkedid else (
            party[1].rstrip("0123456789") if party else ("seat" if leg["seat"] else "other"))
        started = leg.get("started", leg.get("snap_started"))
        ended = leg.get("ended")
        out.append(Leg(uid, str(leg["channel"]), role,
                       at(float(started)) if isinstance(started, float) else None,
                       at(float(ended)) if isinstance(ended, float) else None,
                       _int_or_none(leg.get("cause"))))
    return tuple(out)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def recording_relpath(recording_base: str, asterisk_root: str) -> str | None:
    """The recording's path relative to the recording root, or None if it lies elsewhere.

    The base comes from a UserEvent; it is trusted only if it stays under the root and has the
    YYYY/MM/DD/<uniqueid> shape, so no event can point the controller at another file.
    """
    root = asterisk_root.rstrip("/") + "/"
    if not recording_base.startswith(root):
        return None
    rel = recording_base[len(root):]
    parts = rel.split("/")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return None
    name = parts[3]
    if not name or not all(c.isalnum() or c in "._-" for c in name) or name.startswith("."):
        return None
    return rel


def is_gone(last_seen: float, snapshot_at: float) -> bool:
    """After a resync, a call missing from the snapshot ended while we were away — unless it
    was last seen after the snapshot was taken."""
    return last_seen <= snapshot_at


GRACE = timedelta(seconds=2)


def parse_message(raw: bytes) -> dict[str, str]:
    """One message, without its terminating blank line, into a dict.

    A header that repeats (ChanVariable, Output) keeps every value, joined by newlines. A bare
    CR inside a value becomes a space: stored as wire text, it would split the message in two
    when read back, and every later save would grow the trail.
    """
    msg: dict[str, str] = {}
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        line = line.replace("\r", " ")
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                continue
        if key in msg:
            msg[key] = msg[key] + "\n" + value
        else:
            msg[key] = value
    return msg
