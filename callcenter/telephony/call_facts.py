"""Asterisk's AMI events of a call, translated into the call model's facts (domain/calls.py).

The only place that knows which AMI event and header says what about a call: channel names
of seats, queue events, our dialplan's UserEvents. The call log folds a call's stored trail
through `record_of`, handed to it by the composition root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter

from callcenter.domain.calls import (
    USEREVENT_NAME,
    CallFact,
    CallRecord,
    Event,
    HungUpBy,
    Trail,
    What,
    build_record,
    call_of_leg,
)
from callcenter.telephony.ami.events import Ev

# Events the tracker keeps for a call; everything else about a channel is noise for the record.
CALL_EVENTS = frozenset({
    Ev.NEWCHANNEL, Ev.HANGUP, Ev.HANGUP_REQUEST, Ev.SOFT_HANGUP_REQUEST, Ev.MIXMONITOR_START,
    Ev.MIXMONITOR_STOP, Ev.USER_EVENT, Ev.QUEUE_CALLER_JOIN, Ev.QUEUE_CALLER_LEAVE,
    Ev.QUEUE_CALLER_ABANDON, Ev.AGENT_CALLED, Ev.AGENT_CONNECT, Ev.AGENT_COMPLETE,
    Ev.AGENT_RING_NO_ANSWER, Ev.DIAL_BEGIN, Ev.DIAL_END, Ev.BRIDGE_ENTER, Ev.BRIDGE_LEAVE,
    Ev.CORE_SHOW_CHANNEL, Ev.QUEUE_ENTRY, Ev.CONFBRIDGE_JOIN, Ev.CONFBRIDGE_LEAVE,
})
SEAT_PREFIX = "seat"  # seats are PJSIP endpoints seat<id> (config.Seat.endpoint)
# AgentComplete's Reason: who ended the conversation.
_ENDED_BY = {"caller": HungUpBy.CITIZEN, "agent": HungUpBy.SEAT, "transfer": HungUpBy.TRANSFER}
# Our UserEvents' fields the record reads (contract/dialplan.DIALPLAN_FACTS, and Origin).
_FACT_FIELDS = ("Dialled", "Recording", "Choice", "Route", "Reason", "Status", "Origin",
                "Leg", "Unit", "Number", "Result", "Said", "Target")


def timestamp(event: Event) -> float:
    try:
        return float(event.get("Timestamp", "0"))
    except ValueError:
        return 0.0


def duration_s(text: str) -> float:
    """CoreShowChannel's Duration, HH:MM:SS."""
    try:
        h, m, s = (int(x) for x in text.split(":"))
    except ValueError:
        return 0.0
    return float(h * 3600 + m * 60 + s)


def seat_of_channel(channel: str) -> str:
    """PJSIP/seat8001-0000001a -> 8001; '' for any other channel."""
    tech, _, rest = channel.partition("/")
    if tech != "PJSIP" or not rest.startswith(SEAT_PREFIX):
        return ""
    return rest.rsplit("-", 1)[0].removeprefix(SEAT_PREFIX)


def _seat_of_member(event: Event) -> str:
    name = event.get("MemberName") or ""
    if name:
        return name
    return event.get("Interface", "").rsplit("/", 1)[-1].removeprefix(SEAT_PREFIX)


def _channel_start(e: Event) -> tuple[What, dict[str, str]]:
    channel = e.get("Channel", "")
    return What.CHANNEL_START, {"channel": channel, "exten": e.get("Exten", ""),
                                "seat": seat_of_channel(channel)}


def _channel_snapshot(e: Event) -> tuple[What, dict[str, str]]:
    channel = e.get("Channel", "")
    return What.CHANNEL_SNAPSHOT, {"channel": channel, "seat": seat_of_channel(channel),
                                   "duration_s": str(duration_s(e.get("Duration", ""))),
                                   "bridged": "yes" if e.get("BridgeId") else ""}


def _channel_end(e: Event) -> tuple[What, dict[str, str]]:
    channel = e.get("Channel", "")
    return What.CHANNEL_END, {"channel": channel, "cause": e.get("Cause", ""),
                              "seat": seat_of_channel(channel)}


def _dialplan(e: Event) -> tuple[What, dict[str, str]] | None:
    if e.get("UserEvent") != USEREVENT_NAME:
        return None
    return What.DIALPLAN, {"fact": e.get("Fact", ""), **{k: e.get(k, "") for k in _FACT_FIELDS}}


_SAID = itemgetter(1)
# AMI event name -> what it says about its call, and with which values.
_TRANSLATE: dict[str, Callable[[Event], tuple[What, dict[str, str]] | None]] = {
    Ev.NEWCHANNEL: _channel_start,
    Ev.CORE_SHOW_CHANNEL: _channel_snapshot,
    Ev.HANGUP: _channel_end,
    Ev.HANGUP_REQUEST: lambda e: (What.HANGUP_REQUEST, {}),
    Ev.QUEUE_CALLER_JOIN: lambda e: (What.QUEUE_JOIN, {"queue": e.get("Queue", "")}),
    Ev.QUEUE_ENTRY: lambda e: (What.QUEUE_WAITING, {"queue": e.get("Queue", ""),
                                                  "wait_s": e.get("Wait", "")}),
    Ev.AGENT_CALLED: lambda e: (What.AGENT_CALLED, {"queue": e.get("Queue", ""),
                                                  "seat": _seat_of_member(e)}),
    Ev.AGENT_CONNECT: lambda e: (What.AGENT_CONNECT, {"queue": e.get("Queue", ""),
                                                    "seat": _seat_of_member(e)}),
    Ev.AGENT_COMPLETE: lambda e: (What.AGENT_COMPLETE, {
        "by": _ENDED_BY.get(e.get("Reason", ""), HungUpBy.UNKNOWN).value}),
    Ev.QUEUE_CALLER_ABANDON: lambda e: (What.QUEUE_ABANDON, {}),
    Ev.CONFBRIDGE_JOIN: lambda e: (What.CONF_JOIN, {}),
    Ev.DIAL_END: lambda e: (What.DIAL_ANSWERED, {"dest": e.get("DestChannel", "")})
    if e.get("DialStatus") == "ANSWER" else (What.OTHER, {}),
    Ev.USER_EVENT: _dialplan,
}


def call_of(e: Event) -> str:
    """The call an event belongs to: its Linkedid, or for a leg the controller dialled into a
    call (its Uniqueid says which) that call's, whatever Linkedid Asterisk gave the leg."""
    lid = e.get("Linkedid", "")
    # A channel a controller's leg dialled (the citizen rung back) has that leg as Linkedid.
    party = call_of_leg(e.get("Uniqueid", "")) or call_of_leg(lid)
    return party[0] if party is not None else lid


def fact_of(e: Event) -> CallFact | None:
    """The fact one event states about its call; None for an event of no call. Every fact
    keeps the channel's caller number: a call met only in pieces still has its caller."""
    name = e.get("Event", "")
    translate = _TRANSLATE.get(name)
    found = translate(e) if translate is not None else None
    if found is None:
        if name not in CALL_EVENTS or not call_of(e):
            return None
        found = What.OTHER, {}
    what, values = found
    values["caller"] = e.get("CallerIDNum", "")
    # Values left empty are left out (in C: this runs for every event of every call stored).
    return CallFact(timestamp(e), what, e.get("Uniqueid", ""),
                    tuple(filter(_SAID, values.items())))


def facts_of(events: Iterable[Event]) -> list[CallFact]:
    return [f for f in map(fact_of, events) if f is not None]


def record_of(linkedid: str, trail: Trail) -> CallRecord:
    """The call's record from its stored event trail."""
    return build_record(linkedid, facts_of(trail.values()))
