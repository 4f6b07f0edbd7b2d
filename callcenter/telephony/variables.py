"""The one module of names the dialplan and the controller share.

A test reads every `${NAME}` and `Set(NAME=...)` in dialplan/ and fails if NAME is neither
declared here nor one of Asterisk's own variables listed below.
"""

from typing import Final

# Set by the dialplan.
CC_REC_BASE: Final = "CC_REC_BASE"      # recording path without extension, as Asterisk sees it
CC_IVR_CHOICE: Final = "CC_IVR_CHOICE"  # the single digit pressed in the optional menu
CC_DIALLED: Final = "CC_DIALLED"        # the hotline number the citizen dialled
CC_FALLBACK: Final = "CC_FALLBACK"      # set only on the fallback path: why (AGISTATUS)
# Set by the controller over FastAGI.
CC_ROUTE: Final = "CC_ROUTE"            # "queue" or "menu"; anything else means fallback

DECLARED: Final = frozenset({CC_REC_BASE, CC_IVR_CHOICE, CC_DIALLED, CC_FALLBACK, CC_ROUTE})
# Variables the controller may set over AGI, with the values it may give them.
AGI_SETTABLE: Final = {CC_ROUTE: frozenset({"queue", "menu"})}

# Asterisk's own variables and functions used in dialplan/ (not ours to declare).
ASTERISK_BUILTINS: Final = frozenset({
    "EXTEN", "UNIQUEID", "EPOCH", "AGISTATUS", "QUEUESTATUS",
    "STRFTIME", "CHANNEL", "IF",
})

# The facts the dialplan reports with UserEvent(CallCenter, Fact: ...).
USEREVENT_NAME: Final = "CallCenter"
FACT_START: Final = "start"
FACT_ROUTE: Final = "route"
FACT_FALLBACK: Final = "fallback"
FACT_IVR: Final = "ivr"
FACT_SYSTEM_HANGUP: Final = "system_hangup"

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
    "0": "agent",
}
