"""The one module of names the dialplan and the controller share.

Tests read dialplan/ and fail on any `${NAME}`/`Set(NAME=...)` not declared here (nor one of
Asterisk's own), any context, UserEvent fact or fact field not declared here, and any
declaration the dialplan no longer uses. It imports nothing of the package: the call model
(domain/calls.py) and the services take the names from here.
"""

import re
from enum import StrEnum
from typing import Final

# What the dialplan (and the controller, for a call found gone) reports about a call as
# UserEvent(CallCenter, Fact: ...).
USEREVENT_NAME: Final = "CallCenter"


class Fact(StrEnum):
    START = "start"
    ROUTE = "route"
    FALLBACK = "fallback"
    IVR = "ivr"
    SYSTEM_HANGUP = "system_hangup"
    STATUS = "status"  # the ticket status lookup ended: Result found / gave_up, Said
    EMERGENCY = "emergency"  # at night the caller keyed 9: the leader on duty is alerted
    DUTY = "duty"            # at night the duty phone was rung: Status (Dial's DIALSTATUS)
    MESSAGE = "message"      # at night the citizen left a message (recording <base>-message)
    CALLBACK = "callback"    # a callback leg dialled the citizen: Status (Dial's DIALSTATUS)
    SURVEY = "survey"        # the satisfaction survey by keys ended: Result
    DUTY_CHANGE = "duty_change"  # *88 from a seat: day or night forced (Result), or refused
    GONE = "gone"  # made by the controller: a resync found the call over, unseen
    # Made by the controller: it dialled a party into the call (a unit's phone in a three-way
    # call), with Leg (unit1, unit2 …), Unit (its code) and Number.
    PARTY = "party"
    # Made by the controller: the desk transferred the citizen (Target: unit:…, seat:…, queue).
    TRANSFER = "transfer"


# The status prompts the line may say after a ticket lookup (config/prompts.toml); which
# status says which is the self-service rule's (domain/self_service.SPOKEN).
STATUS_PROMPTS: Final = frozenset({"status_to_dispatch", "status_in_progress", "status_replied",
                                   "status_parked", "status_merged", "status_closed"})

# Set by the dialplan.
CC_REC_BASE: Final = "CC_REC_BASE"      # recording path without extension, as Asterisk sees it
CC_IVR_CHOICE: Final = "CC_IVR_CHOICE"  # the single digit pressed in the optional menu
CC_DIALLED: Final = "CC_DIALLED"        # the hotline number the citizen dialled
CC_FALLBACK: Final = "CC_FALLBACK"      # set only on the fallback path: why (AGISTATUS)
# Set by the controller over FastAGI.
CC_ROUTE: Final = "CC_ROUTE"            # queue, menu or night; anything else means fallback
CC_DUTY_NUMBER: Final = "CC_DUTY_NUMBER"  # night: the duty phone's number, digits only
CC_MESSAGE: Final = "CC_MESSAGE"          # yes once an after-hours message is being recorded
# Set by the controller's status lookup (menu key 5) over FastAGI.
CC_STATUS_RESULT: Final = "CC_STATUS_RESULT"  # found | gave_up
CC_STATUS_SAID: Final = "CC_STATUS_SAID"      # the status prompt said (found only)
# Set by the controller on a channel it originates (a unit's leg of a three-way call).
CC_UNIT_REC: Final = "CC_UNIT_REC"      # recording path of the unit's leg, without extension
CC_CALLBACK_REC: Final = "CC_CALLBACK_REC"  # recording path of a callback, without extension
CC_SURVEY_TICKET: Final = "CC_SURVEY_TICKET"  # the ticket a satisfaction survey is about
CC_SURVEY_RESULT: Final = "CC_SURVEY_RESULT"  # recorded | incomplete (set over FastAGI)
CC_DUTY_RESULT: Final = "CC_DUTY_RESULT"  # day | night | auto | refused | no_change (*88)

DECLARED: Final = frozenset({CC_REC_BASE, CC_IVR_CHOICE, CC_DIALLED, CC_FALLBACK, CC_ROUTE,
                             CC_UNIT_REC, CC_STATUS_RESULT, CC_STATUS_SAID, CC_DUTY_NUMBER,
                             CC_MESSAGE, CC_CALLBACK_REC, CC_SURVEY_TICKET, CC_SURVEY_RESULT,
                             CC_DUTY_RESULT})
# Variables the controller may set over AGI, with the values it may give them.
AGI_SETTABLE: Final[dict[str, frozenset[str] | re.Pattern[str]]] = {
    CC_ROUTE: frozenset({"queue", "menu", "night"}),
    CC_STATUS_RESULT: frozenset({"found", "gave_up"}),
    CC_STATUS_SAID: STATUS_PROMPTS,
    CC_SURVEY_RESULT: frozenset({"recorded", "incomplete"}),
    CC_DUTY_RESULT: frozenset({"day", "night", "auto", "refused", "no_change"}),
    # Dialled as PJSIP/<number>@trunk: nothing but digits (and a leading +) may reach it.
    CC_DUTY_NUMBER: re.compile(r"\+?[0-9]{3,20}")}


def settable(name: str, value: str) -> bool:
    """Whether the controller may set this variable to this value over AGI."""
    allowed = AGI_SETTABLE.get(name)
    if isinstance(allowed, re.Pattern):
        return allowed.fullmatch(value) is not None
    return allowed is not None and value in allowed

# Asterisk's own variables and functions used in dialplan/ (not ours to declare).
ASTERISK_BUILTINS: Final = frozenset({
    "EXTEN", "UNIQUEID", "EPOCH", "AGISTATUS", "QUEUESTATUS", "QUEUE_PRIO", "DIALSTATUS",
    "STRFTIME", "CHANNEL", "IF",
})

# The facts the dialplan reports with UserEvent(CallCenter, Fact: ...), with their fields.
FACT_START: Final = Fact.START
FACT_ROUTE: Final = Fact.ROUTE
FACT_FALLBACK: Final = Fact.FALLBACK
FACT_IVR: Final = Fact.IVR
FACT_SYSTEM_HANGUP: Final = Fact.SYSTEM_HANGUP
FACT_STATUS: Final = Fact.STATUS
FACT_EMERGENCY: Final = Fact.EMERGENCY
FACT_DUTY: Final = Fact.DUTY
FACT_MESSAGE: Final = Fact.MESSAGE
FACT_CALLBACK: Final = Fact.CALLBACK
FACT_SURVEY: Final = Fact.SURVEY
FACT_DUTY_CHANGE: Final = Fact.DUTY_CHANGE
DIALPLAN_FACTS: Final = {FACT_START: frozenset({"Dialled", "Recording"}),
                         FACT_FALLBACK: frozenset({"Status"}), FACT_ROUTE: frozenset({"Route"}),
                         FACT_IVR: frozenset({"Choice"}), FACT_SYSTEM_HANGUP: frozenset({"Reason"}),
                         FACT_STATUS: frozenset({"Result", "Said"}),
                         FACT_EMERGENCY: frozenset(), FACT_DUTY: frozenset({"Status"}),
                         FACT_MESSAGE: frozenset(), FACT_CALLBACK: frozenset({"Status"}),
                         FACT_SURVEY: frozenset({"Result"}),
                         FACT_DUTY_CHANGE: frozenset({"Result"})}

# An Asterisk's name among several behind one proxy (asterisk.conf systemname): it prefixes
# every Uniqueid it makes (pbx1-1795461234.17), so two Asterisks never give the same id.
SYSTEMNAME: Final = re.compile(r"[a-z][a-z0-9]{0,15}")
# A channel's or call's id as Asterisk makes it: the only shape of id the controller puts
# into an extension, a file name or an AMI action, and the API accepts.
UNIQUEID: Final = re.compile(rf"(?:{SYSTEMNAME.pattern}-)?[0-9]{{1,20}}\.[0-9]{{1,10}}")


def conference_of(linkedid: str) -> str:
    """A call's conference (its three-way call), the extension the controller sends it to:
    the call id without its Asterisk's name, digits and a dot for the dialplan's `_X.`. The
    conference lives on that Asterisk alone, where the rest of the id is unique. (A pattern
    taking names too would also take the `failed` extension Asterisk runs for a failed
    Originate, and every unit that did not answer would become a call.)"""
    return linkedid.rpartition("-")[2]

# The dialplan's contexts. A channel in one of them is a citizen's call of the hotline.
CONTEXT_PREFIX: Final = "hotline-"
CONTEXT_INBOUND: Final = "hotline-inbound"
# Three-way calls: where the controller moves the citizen and the seat, and dials the unit.
CONTEXT_CONF_CITIZEN: Final = "hotline-conf-citizen"
CONTEXT_CONF_SEAT: Final = "hotline-conf-seat"
CONTEXT_CONF_UNIT: Final = "hotline-conf-unit"
# Blind transfers: ring one seat (the extension is its id), or back into the queue.
CONTEXT_TRANSFER_SEAT: Final = "hotline-transfer-seat"
CONTEXT_REQUEUE: Final = "hotline-requeue"
# Attended transfer: the citizen waits here while the agent consults another seat.
CONTEXT_HOLD: Final = "hotline-hold"
# Callbacks: the agent's phone answered the controller's call; the citizen is dialled here.
CONTEXT_CALLBACK: Final = "hotline-callback"
# The satisfaction callback by keys: the citizen answered the controller's call.
CONTEXT_SURVEY: Final = "hotline-survey"
CONTEXTS: Final = frozenset({CONTEXT_INBOUND, "hotline-fallback", "hotline-prelude",
                             "hotline-menu", "hotline-queue", "hotline-seats",
                             CONTEXT_CONF_CITIZEN, CONTEXT_CONF_SEAT, CONTEXT_CONF_UNIT,
                             CONTEXT_TRANSFER_SEAT, CONTEXT_REQUEUE, "hotline-night",
                             CONTEXT_CALLBACK, CONTEXT_SURVEY, CONTEXT_HOLD})
# The FastAGI scripts the dialplan asks (agi://host:port/<script>).
AGI_SCRIPT_ROUTE: Final = "route"
AGI_SCRIPT_STATUS: Final = "status"  # the ticket status lookup, menu key 5
AGI_SCRIPT_SURVEY: Final = "survey"  # the satisfaction callback by keys
AGI_SCRIPT_DUTY: Final = "duty"  # a supervisor forces day or night from a seat's phone
AGI_SCRIPTS: Final = frozenset({AGI_SCRIPT_ROUTE, AGI_SCRIPT_STATUS, AGI_SCRIPT_SURVEY,
                                AGI_SCRIPT_DUTY})

# Facts the controller reads back with Getvar when it meets a call it did not see start.
RECOVERABLE: Final = {FACT_START: {"Dialled": CC_DIALLED, "Recording": CC_REC_BASE},
                      FACT_FALLBACK: {"Status": CC_FALLBACK},
                      FACT_ROUTE: {"Route": CC_ROUTE},
                      FACT_IVR: {"Choice": CC_IVR_CHOICE}}

# Optional menu keys (GB/T 33358-2016 default is no menu) and what they mean.
IVR_CHOICES: Final = {
    "1": "consultation",
    "2": "complaint_report",
    "3": "help_repair",
    "4": "suggestion",
    "5": "ticket_status",
    "6": "other_hotlines",  # told which hotline answers, then back to the menu
    "9": "emergency",       # queued ahead of everyone (QUEUE_PRIO)
    "0": "agent",
}
