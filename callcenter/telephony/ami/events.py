"""The AMI events we read, by name, and small typed views of the ones several parts look at.

Every event name the controller compares or asks for is a member of `Ev` (a `StrEnum`, so a
member equals its wire text and a message's "Event" header is compared to it directly).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from enum import StrEnum

from callcenter.contract.dialplan import USEREVENT_NAME, Fact
from callcenter.telephony.ami.parse import Message


class Ev(StrEnum):
    NEWCHANNEL = "Newchannel"
    HANGUP = "Hangup"
    HANGUP_REQUEST = "HangupRequest"
    SOFT_HANGUP_REQUEST = "SoftHangupRequest"
    MIXMONITOR_START = "MixMonitorStart"
    MIXMONITOR_STOP = "MixMonitorStop"
    USER_EVENT = "UserEvent"
    QUEUE_CALLER_JOIN = "QueueCallerJoin"
    QUEUE_CALLER_LEAVE = "QueueCallerLeave"
    QUEUE_CALLER_ABANDON = "QueueCallerAbandon"
    AGENT_CALLED = "AgentCalled"
    AGENT_CONNECT = "AgentConnect"
    AGENT_COMPLETE = "AgentComplete"
    AGENT_RING_NO_ANSWER = "AgentRingNoAnswer"
    DIAL_BEGIN = "DialBegin"
    DIAL_END = "DialEnd"
    BRIDGE_ENTER = "BridgeEnter"
    BRIDGE_LEAVE = "BridgeLeave"
    CONFBRIDGE_JOIN = "ConfbridgeJoin"
    CONFBRIDGE_LEAVE = "ConfbridgeLeave"
    ORIGINATE_RESPONSE = "OriginateResponse"
    # Answers to our resync actions (CoreShowChannels, QueueStatus).
    CORE_SHOW_CHANNEL = "CoreShowChannel"
    CORE_SHOW_CHANNELS_COMPLETE = "CoreShowChannelsComplete"
    QUEUE_ENTRY = "QueueEntry"


def fact_of(msg: Mapping[str, str]) -> str | None:
    """The fact of one of our UserEvents (the dialplan's or the controller's), else None."""
    if msg.get("Event") == Ev.USER_EVENT and msg.get("UserEvent") == USEREVENT_NAME:
        return msg.get("Fact", "")
    return None


def fact_event(fact: Fact | str, origin: str, uniqueid: str, linkedid: str,
               timestamp: str | None = None, channel: str | None = None,
               **values: str) -> Message:
    """A fact of our own put into a call's event stream, shaped as the dialplan's UserEvent so
    the call's trail alone rebuilds the call; `Origin` says who made it. The headers keep one
    order: an event's wire text is its identity in the stored trail."""
    msg = {"Event": Ev.USER_EVENT.value, "UserEvent": USEREVENT_NAME, "Fact": str(fact),
           **values, "Origin": origin}
    if channel is not None:
        msg["Channel"] = channel
    msg.update({"Uniqueid": uniqueid, "Linkedid": linkedid,
                "Timestamp": timestamp or f"{time.time():.6f}"})
    return msg


def answered_dial(msg: Mapping[str, str]) -> bool:
    return msg.get("Event") == Ev.DIAL_END and msg.get("DialStatus") == "ANSWER"


def failed_originate(msg: Mapping[str, str]) -> bool:
    return msg.get("Event") == Ev.ORIGINATE_RESPONSE and msg.get("Response") == "Failure"
