"""A ticket's domain state to and from JSON (the `state` column), exactly round-tripping.
States written by earlier versions decode with the fields they lacked at their defaults."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from callcenter.domain.policy import Span, Urgency
from callcenter.domain.replies import Callback, Kind, Reply
from callcenter.domain.tickets import (
    DispatchProposal,
    ParkingForm,
    PendingExtension,
    ReturnRequest,
    Status,
    Ticket,
)

_TIMES = ("registered_at", "dispatched_at", "first_contact_at", "due_at", "revisit_started_at",
          "due_soon_at", "first_contact_due", "due_from", "extension_until", "return_until",
          "dispatch_due", "closed_at", "replied_at")
_SPANS = ("extensions", "due_spans")
_OBJECTS = ("return_request", "parking", "proposal")
_SKIP = ("history", "id")


def _dt(v: str | None) -> datetime | None:
    return None if v is None else datetime.fromisoformat(v)


def encode(t: Ticket) -> str:
    out: dict[str, Any] = {}
    for f in fields(Ticket):
        if f.name in _SKIP:
            continue
        v = getattr(t, f.name)
        if f.name in _TIMES:
            v = v.isoformat() if v is not None else None
        elif f.name == "pending_extension":
            v = None if v is None else {"span": str(v.span), "reason": v.reason,
                                        "requested_by": v.requested_by,
                                        "agreed_by": v.agreed_by}
        elif f.name in _SPANS:
            v = [str(s) for s in v]
        elif f.name in ("replies", "callbacks"):
            v = [x.__dict__ for x in v]
        elif f.name in _OBJECTS:
            v = None if v is None else {k: list(x) if isinstance(x, tuple) else x
                                        for k, x in v.__dict__.items()}
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def _pending(v: Any) -> PendingExtension | None:
    if v is None:
        return None
    if isinstance(v, str):  # before leaders agreed: the office decided alone
        return PendingExtension(Span.parse(v), "", "", agreed_by="(before agreement was kept)")
    return PendingExtension(Span.parse(v["span"]), v["reason"], v["requested_by"],
                            v["agreed_by"])


def _return_request(v: Any) -> ReturnRequest | None:
    if v is None:
        return None
    known = {f.name for f in fields(ReturnRequest)}
    return ReturnRequest(**{"event_time": "", "place": "", "people": "", "policy_basis": "",
                            **{k: x for k, x in v.items() if k in known}})


def decode(text: str, ticket_id: int) -> Ticket:
    d = json.loads(text)
    registered = _dt(d["registered_at"])
    assert registered is not None
    resume = d["resume_status"]
    dispatched = _dt(d["dispatched_at"])
    # States stored before due times were kept with their making start from dispatch.
    due_from = _dt(d.get("due_from")) or (_dt(d["revisit_started_at"])
                                          if d["status"] == Status.REVISIT.value else dispatched)
    pr, pk = d.get("proposal"), d.get("parking")
    return Ticket(
        id=ticket_id, kind=Kind(d["kind"]), urgency=Urgency(d["urgency"]),
        registered_at=registered, status=Status(d["status"]),
        dispatch_due=_dt(d.get("dispatch_due")),
        proposal=DispatchProposal(pr["lead_unit"], tuple(pr["co_units"]), pr["designated"],
                                  pr["proposed_by"]) if pr else None,
        dispatched_at=dispatched, lead_unit=d["lead_unit"],
        co_units=tuple(d["co_units"]), designated=d["designated"],
        first_contact_at=_dt(d["first_contact_at"]), due_at=_dt(d["due_at"]),
        due_from=due_from if d["due_at"] else None,
        due_spans=tuple(Span.parse(s) for s in d.get("due_spans", [])),
        due_soon_at=_dt(d.get("due_soon_at")), first_contact_due=_dt(d.get("first_contact_due")),
        extension_until=_dt(d.get("extension_until")), return_until=_dt(d.get("return_until")),
        provisional=tuple(d.get("provisional", [])),
        pending_extension=_pending(d["pending_extension"]),
        extensions=tuple(Span.parse(s) for s in d["extensions"]),
        return_request=_return_request(d["return_request"]),
        resume_status=Status(resume) if resume else None,
        parking=ParkingForm(**pk) if pk else None,
        parking_signers=tuple(d["parking_signers"]),
        replies=tuple(Reply(**r) for r in d["replies"]),
        callbacks=tuple(Callback(**c) for c in d["callbacks"]),
        closed_at=_dt(d.get("closed_at")), replied_at=_dt(d.get("replied_at")),
        returns=d.get("returns", 0),
        callback_sampled=d.get("callback_sampled", False),
        callback_outcome=d.get("callback_outcome"),
        revisits=d["revisits"], revisit_started_at=_dt(d["revisit_started_at"]),
        repeats=d.get("repeats", 1),
        supervised=d["supervised"], supervision_reasons=tuple(d["supervision_reasons"]),
        chases=d["chases"], head_signoff_required=d["head_signoff_required"],
        head_signed_by=d["head_signed_by"], answer=d["answer"], kb_article=d["kb_article"],
        merged_into=d["merged_into"])
