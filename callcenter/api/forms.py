"""JSON bodies to domain dataclasses (ticket commands, the registration form, articles) and
those dataclasses to JSON schemas, from the one description of each (its fields and types):
the API, the CLI and the OpenAPI document all read forms through here, so they cannot drift
apart. Every problem is collected per field ("reply.fact": "required") before anything is
refused."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from enum import StrEnum
from typing import Any

from callcenter.domain import tickets
from callcenter.domain.access.commands import MERGING
from callcenter.domain.kb import Article
from callcenter.domain.policy import PolicyError, Span
from callcenter.domain.registration import Channel, Gender, Registration
from callcenter.domain.replies import Callback, Kind, Reply
from callcenter.services.errors import ValidationFailed

# Merging changes two tickets at once and has its own use case (TicketService.merge).
COMMANDS: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(tickets.Command)
                             if cls not in MERGING}
_NESTED = (Reply, Callback, tickets.ReturnRequest, tickets.ParkingForm)
_NAMES = vars(tickets) | {"Span": Span, "Reply": Reply, "Callback": Callback, "Kind": Kind,
                          "Channel": Channel, "Gender": Gender, "date": date}


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, _NAMES)


def _value(tp: Any, v: Any, where: str, errors: dict[str, str]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if v is None:
            return None
        return _value(args[0], v, where, errors)
    if tp is bool:
        if not isinstance(v, bool):
            errors[where] = "true or false"
        return v
    if tp is int:
        # The store's integers are 32-bit: a larger one would fail there, not here.
        if not isinstance(v, int) or isinstance(v, bool) or not -2**31 <= v < 2**31:
            errors[where] = f"an integer from {-2**31} to {2**31 - 1}"
        return v
    if tp is str:
        if not isinstance(v, str):
            errors[where] = "a string"
        return v
    if tp is Span:
        try:
            return Span.parse(v) if isinstance(v, str) else Span.parse("")
        except PolicyError as exc:
            errors[where] = str(exc)
            return None
    if tp is date:
        try:
            return date.fromisoformat(v) if isinstance(v, str) else date.fromisoformat("")
        except ValueError:
            errors[where] = "a date, YYYY-MM-DD"
            return None
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        try:
            return tp(v)
        except ValueError:
            errors[where] = f"one of {', '.join(e.value for e in tp)}"
            return None
    if origin is tuple:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            errors[where] = "a list of strings"
            return ()
        return tuple(v)
    if tp in _NESTED:
        return _build(tp, v, where, errors)
    raise TypeError(f"no JSON mapping for {tp!r}")  # pragma: no cover


def _build(cls: type, data: Any, prefix: str, errors: dict[str, str]) -> Any:
    if not isinstance(data, dict):
        errors[prefix or "body"] = "a JSON object"
        return None
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        where = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                errors[where] = "required"
            continue
        values[f.name] = _value(hints[f.name], data[f.name], where, errors)
    for extra in sorted(set(data) - {f.name for f in dataclasses.fields(cls)}):
        errors[f"{prefix}.{extra}" if prefix else extra] = "unknown field"
    if errors:
        return None
    return cls(**values)


T = typing.TypeVar("T")


def build(cls: type[T], body: Any, ignore: tuple[str, ...] = ()) -> T:
    """An instance of cls from a JSON object, or ValidationFailed naming every bad field.
    Keys in `ignore` are left for the caller (e.g. "linkedid" beside a registration)."""
    errors: dict[str, str] = {}
    data = {k: v for k, v in body.items() if k not in ignore} if isinstance(body, dict) \
        else body
    obj = _build(cls, {} if body is None else data, "", errors)
    if errors:
        raise ValidationFailed(errors)
    return typing.cast(T, obj)


# A signature is the authenticated person's: a name in the body of these commands is dropped,
# so a client that still sends one signs as itself and cannot sign for anyone else.
SIGNATURES = (tickets.SignParking, tickets.SignOffHead, tickets.AgreeExtension,
              tickets.ApproveDispatch, tickets.AcceptReply)
SIGNER_KEYS = ("signer", "signed_by", "by", "approver", "actor")


def parse_command(name: str, body: Any) -> tickets.Command:
    cls = COMMANDS.get(name)
    if cls is None:
        raise ValidationFailed({"command": f"one of {', '.join(sorted(COMMANDS))}"})
    ignore = SIGNER_KEYS if cls in SIGNATURES else ()
    return typing.cast(tickets.Command, build(cls, body, ignore=ignore))


def registration(body: Any) -> Registration:
    return build(Registration, body, ignore=("linkedid",))


def article(body: Any) -> Article:
    return build(Article, body)


def _schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return {"anyOf": [_schema(inner), {"type": "null"}]}  # OpenAPI 3.1 (JSON Schema)
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is str:
        return {"type": "string"}
    if tp is Span:
        return {"type": "string", "pattern": r"^\d{1,4}(min|h|d|wd)$", "example": "15d"}
    if tp is date:
        return {"type": "string", "format": "date"}
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return {"type": "string", "enum": [e.value for e in tp]}
    if origin is tuple:
        return {"type": "array", "items": {"type": "string"}}
    return object_schema(tp)


def object_schema(cls: type) -> dict[str, Any]:
    hints = _hints(cls)
    fields = dataclasses.fields(cls)
    return {"type": "object", "additionalProperties": False,
            "properties": {f.name: _schema(hints[f.name]) for f in fields},
            "required": [f.name for f in fields if f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING]}
