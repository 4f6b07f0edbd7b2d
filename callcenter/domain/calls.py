"""The call record, folded from the AMI events of one call (one Linkedid).

Pure: no I/O, no clock. `build_record` depends on the *set* of events only — each fact is
taken as the earliest or latest of its kind by Asterisk's own timestamps — so events replayed,
duplicated or received out of order give the same record. Resync snapshots (CoreShowChannel,
QueueEntry) only fill in what real events do not say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

Event = Mapping[str, str]

# What the dialplan (and the controller, for a call found gone) reports about a call as
# UserEvent(CallCenter, Fact: ...). telephony/variables.py shares these names with dialplan/.
USEREVENT_NAME = "CallCenter"


class Fact(StrEnum):
    START = "start"
    ROUTE = "route"
    FALLBACK = "fallback"
    IVR = "ivr"
    SYSTEM_HANGUP = "system_hangup"
    GONE = "gone"  # made by the controller: a resync found the call over, unseen


class Disposition(StrEnum):
    ANSWERED = "answered"
    ABANDONED_QUEUE = "abandoned_queue"
    ABANDONED_IVR = "abandoned_ivr"
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


# Events the tracker keeps for a call; everything else about a channel is noise for the record.
CALL_EVENTS = frozenset({
    "Newchannel", "Hangup", "HangupRequest", "SoftHangupRequest", "MixMonitorStart",
    "MixMonitorStop", "UserEvent", "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
    "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "DialBegin", "DialEnd",
    "BridgeEnter", "BridgeLeave", "CoreShowChannel", "QueueEntry",
})


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


def timestamp(event: Event) -> float:
    try:
        return float(event.get("Timestamp", "0"))
    except ValueError:
        return 0.0


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _duration_s(text: str) -> float:
    """CoreShowChannel's Duration, HH:MM:SS."""
    try:
        h, m, s = (int(x) for x in text.split(":"))
    except ValueError:
        return 0.0
    return float(h * 3600 + m * 60 + s)


@dataclass(frozen=True)
class Leg:
    uniqueid: str
    channel: str
    role: str  # citizen | seat | other
    started_at: datetime | None
    ended_at: datetime | None
    hangup_cause: int | None


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


def _sorted(trail: Trail) -> list[Event]:
    def key(item: tuple[str, Event]) -> tuple[float, str, str]:
        return timestamp(item[1]), item[1].get("Event", ""), item[0]
    return [e for _, e in sorted(trail.items(), key=key)]


def _seat_of(event: Event, seat_prefix: str) -> str | None:
    name = event.get("MemberName") or ""
    if name:
        return name
    iface = event.get("Interface", "")
    tail = iface.rsplit("/", 1)[-1]
    return tail.removeprefix(seat_prefix) or None


def build_record(linkedid: str, trail: Trail, seat_prefix: str = "seat") -> CallRecord:
    evs = _sorted(trail)
    mine = [e for e in evs if e.get("Uniqueid") == linkedid]
    # One pass to index the citizen's events by name (and our facts by kind); every lookup
    # below is then a dict hit, in time order.
    by_name: dict[str, list[Event]] = {}
    by_fact: dict[str, list[Event]] = {}
    for e in mine:
        name = e.get("Event", "")
        by_name.setdefault(name, []).append(e)
        if name == "UserEvent" and e.get("UserEvent") == USEREVENT_NAME:
            by_fact.setdefault(e.get("Fact", ""), []).append(e)

    def first(name: str) -> Event | None:
        found = by_name.get(name)
        return found[0] if found else None

    def last(name: str) -> Event | None:
        found = by_name.get(name)
        return found[-1] if found else None

    def facts(fact: str) -> list[Event]:
        return by_fact.get(fact, [])

    newchannel = first("Newchannel")
    snapshot = first("CoreShowChannel")
    if newchannel is not None:
        started = timestamp(newchannel)
    elif snapshot is not None:
        started = timestamp(snapshot) - _duration_s(snapshot.get("Duration", ""))
    else:
        started = min((timestamp(e) for e in evs), default=0.0)
    source = newchannel or snapshot or (mine[0] if mine else {})
    caller = source.get("CallerIDNum", "")
    start_fact = facts(Fact.START)
    dialled = (start_fact[0].get("Dialled") if start_fact else None) or (
        newchannel.get("Exten", "") if newchannel else "")

    hangup = last("Hangup")
    ended = timestamp(hangup) if hangup is not None else None
    ivr = facts(Fact.IVR)
    route = facts(Fact.ROUTE)
    fallback = bool(facts(Fact.FALLBACK))
    system_hangup = facts(Fact.SYSTEM_HANGUP)

    join = first("QueueCallerJoin")
    entry = first("QueueEntry")  # resync: the citizen was waiting when we came back
    connect = first("AgentConnect")
    complete = first("AgentComplete")
    abandon = first("QueueCallerAbandon")
    joined = timestamp(join) if join is not None else (
        timestamp(entry) - float(entry.get("Wait", "0") or 0) if entry is not None else None)
    queue = (join or entry or connect or {}).get("Queue")

    seat: str | None = None
    answered: float | None = None
    if connect is not None:
        answered = timestamp(connect)
        seat = _seat_of(connect, seat_prefix)
    else:
        # Resync after the controller missed AgentConnect: the citizen's snapshot shows a bridge
        # with a seat's channel of the same call.
        for e in evs:
            if (e.get("Event") == "CoreShowChannel" and e.get("Uniqueid") != linkedid
                    and e.get("Channel", "").startswith(f"PJSIP/{seat_prefix}")
                    and e.get("BridgeId")):
                answered = timestamp(e) - _duration_s(e.get("Duration", ""))
                seat = e["Channel"].split("/", 1)[1].rsplit("-", 1)[0].removeprefix(seat_prefix)
                break

    wait: float | None = None
    if joined is not None:
        left = answered if answered is not None else (
            timestamp(abandon) if abandon is not None else ended)
        if left is not None:
            wait = round(max(left - joined, 0.0), 3)

    talk: float | None = None
    if answered is not None:
        end_talk = timestamp(complete) if complete is not None else ended
        if end_talk is not None:
            talk = round(max(end_talk - answered, 0.0), 3)

    if complete is not None:
        reason = complete.get("Reason", "")
        hung = {"caller": HungUpBy.CITIZEN, "agent": HungUpBy.SEAT,
                "transfer": HungUpBy.TRANSFER}.get(reason, HungUpBy.UNKNOWN)
    elif system_hangup:
        hung = HungUpBy.SYSTEM
    elif abandon is not None or first("HangupRequest") is not None:
        hung = HungUpBy.CITIZEN
    elif hangup is not None:
        hung = HungUpBy.SYSTEM
    else:
        hung = HungUpBy.UNKNOWN

    gone = facts(Fact.GONE)  # a resync found the call over while we were away
    if hangup is None and not gone:
        disposition, why = Disposition.IN_PROGRESS, "under way when stored"
    elif answered is not None:
        disposition, why = Disposition.ANSWERED, ""
    elif joined is not None and hung is HungUpBy.CITIZEN:
        disposition, why = Disposition.ABANDONED_QUEUE, "citizen hung up while queued"
    elif joined is None and hung is HungUpBy.CITIZEN:
        disposition, why = Disposition.ABANDONED_IVR, "citizen hung up before the queue"
    else:
        disposition = Disposition.FAILED
        why = system_hangup[0].get("Reason", "") if system_hangup else (
            f"hangup cause {hangup.get('Cause')}" if hangup is not None else "no end seen")

    return CallRecord(
        linkedid=linkedid,
        caller_number=caller,
        dialled_number=dialled or "",
        started_at=at(started),
        ended_at=at(ended) if ended is not None else None,
        ivr_choice=ivr[0].get("Choice") if ivr else None,
        route=route[0].get("Route") if route else None,
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
        recording_base=start_fact[0].get("Recording") if start_fact else None,
        legs=_legs(evs, linkedid, seat_prefix),
    )


def _legs(evs: list[Event], linkedid: str, seat_prefix: str) -> tuple[Leg, ...]:
    legs: dict[str, dict[str, object]] = {}
    for e in evs:
        uid = e.get("Uniqueid")
        if not uid or e.get("Event") not in ("Newchannel", "Hangup", "CoreShowChannel"):
            continue
        leg = legs.setdefault(uid, {"channel": e.get("Channel", "")})
        ts = timestamp(e)
        if e["Event"] == "Newchannel":
            leg["started"] = ts
        elif e["Event"] == "CoreShowChannel":
            leg.setdefault("snap_started", ts - _duration_s(e.get("Duration", "")))
        else:
            leg["ended"] = ts
            leg["cause"] = int(e["Cause"]) if e.get("Cause", "").isdigit() else None
    out = []
    for uid, leg in sorted(legs.items()):
        channel = str(leg["channel"])
        role = "citizen" if uid == linkedid else (
            "seat" if channel.startswith(f"PJSIP/{seat_prefix}") else "other")
        started = leg.get("started", leg.get("snap_started"))
        ended = leg.get("ended")
        out.append(Leg(uid, channel, role,
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
