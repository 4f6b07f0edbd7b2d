"""Asterisk's own account of the calls (CEL) against the calls the store holds.

Asterisk writes a CEL line when each channel starts and ends and when a whole call is over
(`LINKEDID_END`), apart from anything the controller does (dialplan/cel.conf). A citizen's
call is a linked id whose first channel started in the inbound context; once it is over it
must be stored exactly once, under that linked id. A leg the controller dialled into a call
(a unit in a three-way call: `<call>-unit1`) is part of that call, whatever linked id Asterisk
gave it and whatever context its channel began in. What the check finds:

- missing: a citizen's call Asterisk finished that the store does not hold;
- split: a stored call whose id is one of another call's channels (a leg stored as a call
  of its own: that call counted twice);
- unknown: a stored call in the window Asterisk never had (made up, or another line's);
- open: citizens' calls Asterisk has not finished yet (neither a fault nor checked).

Pure: rows and ids in, the findings out (tests/test_reconcile.py; the faults' end-to-end tests
run it after each fault).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

from callcenter.contract.dialplan import CONTEXT_INBOUND
from callcenter.domain.calls import call_of_leg

FIELDS = ("event", "time", "uniqueid", "linkedid", "context")


class CelError(ValueError):
    """A CEL file that is not in the shape dialplan/cel_custom.conf writes."""


@dataclass(frozen=True)
class CelRow:
    event: str
    time: float
    uniqueid: str
    linkedid: str
    context: str


@dataclass(frozen=True)
class Reconciliation:
    citizen_calls: int  # finished in the window, by Asterisk's account
    stored: int         # stored in the window
    missing: tuple[str, ...]
    split: tuple[str, ...]
    unknown: tuple[str, ...]
    open: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.split or self.unknown)


def read_cel(text: str) -> list[CelRow]:
    """The rows of hotline-cel.csv (EventType, EventTime, UniqueID, LinkedID, Context, ...)."""
    rows = []
    for n, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields:
            continue
        if len(fields) < len(FIELDS):
            raise CelError(f"CEL line {n}: {len(fields)} fields, expected {len(FIELDS)} or more")
        try:
            when = float(fields[1])
        except ValueError:
            raise CelError(f"CEL line {n}: event time is not seconds") from None
        rows.append(CelRow(fields[0], when, fields[2], fields[3], fields[4]))
    return rows


def reconcile(rows: Iterable[CelRow], stored: Iterable[str], since: float = 0.0,
              inbound: str = CONTEXT_INBOUND) -> Reconciliation:
    """`stored`: the linked ids of the calls stored that started at `since` or later."""
    first: dict[str, CelRow] = {}   # each linked id's first channel
    ended: set[str] = set()
    channel_of: dict[str, str] = {}  # every channel's id -> its call's linked id
    for row in sorted(rows, key=lambda r: r.time):
        if row.event == "CHAN_START":
            channel_of[row.uniqueid] = row.linkedid
            if row.uniqueid == row.linkedid:
                first.setdefault(row.linkedid, row)
        elif row.event == "LINKEDID_END":
            ended.add(row.linkedid)
    citizens = {lid for lid, row in first.items()
                if row.context == inbound and row.time >= since and call_of_leg(lid) is None}
    kept = set(stored)
    done = citizens & ended
    split = {lid for lid in kept
             if channel_of.get(lid, lid) != lid or call_of_leg(lid) is not None}
    return Reconciliation(
        citizen_calls=len(done), stored=len(kept),
        missing=tuple(sorted(done - kept)),
        split=tuple(sorted(split)),
        unknown=tuple(sorted(lid for lid in kept - split if lid not in first)),
        open=tuple(sorted(citizens - ended)))
