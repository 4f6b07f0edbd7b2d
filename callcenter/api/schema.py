"""Pieces of OpenAPI operations shared by the routes' descriptions."""

from __future__ import annotations

from typing import Any

ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
LINKEDID = {"name": "linkedid", "in": "path", "required": True, "schema": {"type": "string"}}
SEAT = {"name": "seat", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{2,8}$"}}
ERRORS = {
    "401": {"description": "no or unknown bearer token"},
    "403": {"description": "not allowed for this role"},
    "404": {"description": "no such object, or not yours to see"},
    "409": {"description": "refused by a work-order rule (`rule` names it) or changed meanwhile"},
    "422": {"description": "invalid fields; `fields` maps each to its problem"},
}


def op(summary: str, body: dict[str, Any] | None = None,
       params: list[dict[str, Any]] | None = None, ok: str = "200") -> dict[str, Any]:
    out: dict[str, Any] = {"summary": summary, "parameters": params or [],
                           "responses": {ok: {"description": "OK", "content": {
                               "application/json": {"schema": {"type": "object"}}}},
                               **ERRORS}}
    if body is not None:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": body}}}
    return out


def also_accepted(operation: dict[str, Any]) -> dict[str, Any]:
    """An operation that may also answer 202: accepted for the controller to carry out."""
    operation["responses"]["202"] = {
        "description": "accepted for the controller; follow it",
        "content": {"application/json": {"schema": {"type": "object"}}}}
    return operation


def query(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def fields_schema(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON object body with these properties, `required` among them."""
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out
