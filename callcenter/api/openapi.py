"""The OpenAPI 3.1 description of the JSON API. Request bodies come from the same dataclasses
the API reads them into (api/forms.py); a test checks every route is described and every
description is a route."""

from __future__ import annotations

from typing import Any

from callcenter.api.forms import COMMANDS, object_schema
from callcenter.domain.agents import COMMANDS as AGENT_COMMANDS
from callcenter.domain.agents import PAUSE_REASONS
from callcenter.domain.desk_calls import CALL_COMMANDS
from callcenter.domain.kb import Article
from callcenter.domain.registration import Registration
from callcenter.domain.report_periods import ReportKind as REPORT_KINDS
from callcenter.domain.tickets import Status
from callcenter.reports.render_files import FORMATS as REPORT_FORMATS
from callcenter.services.topics import PERIODS
from callcenter.services.transcript_search import TEXT_FILTERS

P = "/api/v1"
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_REPORT_PARAMS = [
    {"name": "kind", "in": "path", "required": True,
     "schema": {"type": "string", "enum": ["daily", "weekly", "monthly"]}},
    {"name": "period", "in": "path", "required": True,
     "schema": {"type": "string", "pattern": r"^\d{4}-(\d{2}-\d{2}|W\d{2}|\d{2})"
                                            r"(\.(json|html|pdf|xlsx))?$"}}]
_LINKEDID = {"name": "linkedid", "in": "path", "required": True, "schema": {"type": "string"}}
_ERRORS = {
    "401": {"description": "no or unknown bearer token"},
    "403": {"description": "not allowed for this role"},
    "404": {"description": "no such object, or not yours to see"},
    "409": {"description": "refused by a work-order rule (`rule` names it) or changed meanwhile"},
    "422": {"description": "invalid fields; `fields` maps each to its problem"},
}


def _op(summary: str, body: dict[str, Any] | None = None, params: list[dict[str, Any]] | None
        = None, ok: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": params or [],
                          "responses": {ok: {"description": "OK", "content": {
                              "application/json": {"schema": {"type": "object"}}}}, **_ERRORS}}
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    return op


def _also_accepted(op: dict[str, Any]) -> dict[str, Any]:
    """An operation that may also answer 202: accepted for the controller to carry out."""
    op["responses"]["202"] = {"description": "accepted for the controller; follow it",
                              "content": {"application/json": {"schema": {"type": "object"}}}}
    return op


def _q(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def document() -> dict[str, Any]:
    registration = object_schema(Registration)
    registration["properties"]["linkedid"] = {"type": "string", "pattern": r"^\d+\.\d+$",
                                              "description": "the call it came from"}
    command_bodies = {name: object_schema(cls) for name, cls in sorted(COMMANDS.items())}
    paths: dict[str, dict[str, Any]] = {
        f"{P}/openapi.json": {"get": {"summary": "this document", "security": [],
                                      "responses": {"200": {"description": "OK"}}}},
        f"{P}/tickets": {
            "post": _op("register a ticket (登记)", registration, ok="201"),
            "get": _op("list tickets you may see, newest first", params=[
                _q("status", {"type": "string", "enum": [s.value for s in Status]}),
                _q("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                _q("offset", {"type": "integer", "minimum": 0})])},
        f"{P}/tickets/{{id}}": {"get": _op("one ticket, identity masked for your role",
                                          params=[_ID])},
        f"{P}/tickets/{{id}}/audit": {"get": _op("the ticket's audit trail", params=[_ID])},
        f"{P}/tickets/{{id}}/commands/{{name}}": {"post": _op(
            "act on a ticket: the body is the command's fields", {
                "oneOf": [{**schema, "title": name} for name, schema in command_bodies.items()]},
            params=[_ID, {"name": "name", "in": "path", "required": True,
                          "schema": {"type": "string", "enum": sorted(COMMANDS)}}])},
        f"{P}/tickets/{{id}}/calls": {"post": _op(
            "link a call to the ticket (a repeat call counts)",
            {"type": "object", "required": ["linkedid"],
             "properties": {"linkedid": {"type": "string"}}}, params=[_ID])},
        f"{P}/tickets/{{id}}/merge": {"post": _op(
            "merge this ticket into another (并单); both keep their histories",
            {"type": "object", "required": ["into", "reason"],
             "properties": {"into": {"type": "integer"}, "reason": {"type": "string"}}},
            params=[_ID])},
        f"{P}/units": {"get": _op("the units directory")},
        f"{P}/units/propose": {"get": _op("units responsible for an address and category",
                                          params=[_q("address", {"type": "string"}, True),
                                                  _q("category", {"type": "string"})])},
        f"{P}/kb/search": {"get": _op("search the knowledge base (Chinese words)", params=[
            _q("q", {"type": "string", "maxLength": 200}, True),
            _q("limit", {"type": "integer", "minimum": 1, "maximum": 100})])},
        f"{P}/kb/articles": {"post": _op("write an article", object_schema(Article), ok="201")},
        f"{P}/kb/articles/{{id}}": {"get": _op("one article", params=[_ID]),
                                    "put": _op("rewrite an article", object_schema(Article),
                                               params=[_ID])},
        f"{P}/kb/requests": {
            "post": _op("file a not-found or correction request", {
                "type": "object", "required": ["kind", "text"], "properties": {
                    "kind": {"type": "string", "enum": ["not_found", "correction"]},
                    "text": {"type": "string"}, "unit": {"type": "string"},
                    "article_id": {"type": "integer"}}}, ok="201"),
            "get": _op("open requests (a unit sees its own)")},
        f"{P}/kb/requests/{{id}}/resolve": {"post": _op(
            "settle a request", {"type": "object", "required": ["resolution"],
                                 "properties": {"resolution": {"type": "string"}}},
            params=[_ID])},
        f"{P}/sweeps": {"post": _op("run the sweeper now (hotline office)")},
        f"{P}/callbacks": {"get": _op("closed tickets sampled for a satisfaction callback, "
                                      "not called back yet (hotline)",
                                      params=[_q("limit", {"type": "integer"}),
                                              _q("offset", {"type": "integer"})])},
        f"{P}/desk/seats": {"get": _op(
            "every seat: the agent at it, ready, paused (with the reason) or logged out, and "
            "the seconds in that state (hotline)")},
        f"{P}/desk/seats/{{seat}}/{{command}}": {"post": _also_accepted(_op(
            "log in at a seat, get ready, pause with a reason, log out (an agent their own "
            "seat, a supervisor any; the queue follows within a second); or, on the seat's "
            "live call, `conference` a unit (三方通话: its phone, then its duty phone), "
            "`transfer` the citizen (blind: to unit:CODE, seat:ID or the queue), `leave` "
            "the citizen and the unit talking, `consult` another seat (attended transfer: the "
            "citizen on hold; then `complete` or `cancel`), or (supervisors) `listen` to "
            "another seat's call "
            "from this seat's phone (target SEAT[:listen|whisper|barge], audited): accepted "
            "(202) for the controller, followed at /desk/requests/{id}",
            {"type": "object", "properties": {
                "reason": {"type": "string", "enum": sorted(PAUSE_REASONS)},
                "agent": {"type": "string", "maxLength": 64,
                          "description": "who logs in (supervisors; an agent is themselves)"},
                "unit": {"type": "string", "maxLength": 64,
                         "description": "conference: the unit's code"},
                "target": {"type": "string", "maxLength": 64,
                           "description": "transfer: unit:CODE, seat:ID or queue; consult: "
                                          "seat:ID; listen: SEAT[:listen|whisper|barge]"}}},
            params=[{"name": "seat", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": "^[0-9]{2,8}$"}},
                    {"name": "command", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": [*AGENT_COMMANDS,
                                                           *CALL_COMMANDS]}}]))},
        f"{P}/desk/missed": {"get": _op(
            "missed calls, newest first (numbers masked): called again since, due for a "
            "callback by the policy, and the callback's state (hotline)",
            params=[_q("since", {"type": "string"}), _q("limit", {"type": "integer"})])},
        f"{P}/desk/missed/{{linkedid}}/callback": {"post": _op(
            "call a missed call back from a seat (its phone rings first, then the citizen's): "
            "asked twice, the same request (one ring); 202, followed at /desk/callbacks/{id}",
            {"type": "object", "required": ["seat"], "properties": {
                "seat": {"type": "string", "pattern": "^[0-9]{2,8}$"}}},
            params=[_LINKEDID], ok="202")},
        f"{P}/tickets/{{id}}/satisfaction-callback": {"post": _op(
            "call the citizen of a closed ticket back for satisfaction (回访): from a seat (the "
            "agent records the scores), or without one by keys (the line asks: solved, "
            "attitude, speed, result); asked twice, one call; 202, followed at "
            "/desk/callbacks/{id}",
            {"type": "object", "properties": {
                "seat": {"type": "string", "pattern": "^([0-9]{2,8})?$"}}},
            params=[_ID], ok="202")},
        f"{P}/desk/callbacks/{{id}}": {"get": _op(
            "a callback: pending, placing, answered, no_answer, busy or failed", params=[_ID])},
        f"{P}/duty": {"get": _op(
            "day or night on the line now and why (schedule, holiday, forced), today's staffed "
            "hours, the shift, who is on duty and the leader on duty (hotline)")},
        f"{P}/duty/force": {"post": _op(
            "force day or night, or give the line back to the schedule (supervisors)",
            {"type": "object", "required": ["mode"], "properties": {
                "mode": {"type": "string", "enum": ["day", "night", "auto"]}}})},
        f"{P}/desk/seats/{{seat}}/pop": {"get": _op(
            "the screen pop of the seat's call now: call id, number masked, menu choice, the "
            "caller's earlier calls and open tickets (with this year's repeats), and a "
            "registration form pre-filled and linked to the call (an agent: their own seat)",
            params=[{"name": "seat", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": "^[0-9]{2,8}$"}}])},
        f"{P}/desk/listening": {"get": _op(
            "the audit of listening in: who, from which seat, on whom (seat, agent, call), "
            "listen/whisper/barge, from when to when (supervisors)",
            params=[_q("limit", {"type": "integer"})])},
        f"{P}/wallboard": {"get": _op(
            "live numbers from the controller's own state: citizens in the menu, waiting (and "
            "the longest wait), talking; agents by state and time in state; the last 24 h "
            "per queue and in all — calls offered, answered, answered within 15 s, abandoned "
            "in the menu and in the queue, answer rate — each with numerator and denominator "
            "(hotline)")},
        f"{P}/reports": {"get": _op(
            "stored reports, every version, newest period first (the office; units' leaders "
            "and heads)", params=[_q("kind", {"type": "string", "enum": list(REPORT_KINDS)}),
                                  _q("limit", {"type": "integer", "minimum": 1,
                                               "maximum": 500}),
                                  _q("offset", {"type": "integer", "minimum": 0})])},
        f"{P}/reports/{{kind}}/{{period}}": {"get": {**_op(
            "a report (daily 日综述 16:00-16:00, weekly, monthly): the latest version unless "
            "`version` names one; produced now if its period is over and it never was. JSON "
            "with `period` as aware local times and each figure as value, numerator, "
            "denominator under its key (docs/figures.md); HTML, PDF or XLSX by the period's "
            "suffix (2026-12-01.pdf) or Accept. A unit's head reads its own sections only",
            params=[
                *_REPORT_PARAMS, _q("version", {"type": "integer", "minimum": 1}),
                _q("unit", {"type": "string", "maxLength": 64}),
                _q("lang", {"type": "string", "enum": ["zh", "en"]})]),
            "responses": {"200": {"description": "the report", "content": {
                mime.split(";")[0]: {"schema": {"type": "object"} if fmt == "json" else
                                     {"type": "string"}}
                for fmt, mime in REPORT_FORMATS.items()}}, **_ERRORS}}},
        f"{P}/reports/{{kind}}/{{period}}/produce": {"post": _op(
            "produce a period's report again: the same content stores nothing, late data a "
            "new version (the office)", params=_REPORT_PARAMS, ok="201")},
        f"{P}/events": {"get": {**_op(
            "the desk's live events (Server-Sent Events): agents (every seat's state), "
            "screen_pop and call_ended (the viewer's seats), desk_request (conference legs: "
            "dialling, connected, not reached), callback; revoked when the token is. An agent "
            "gets their own seat's calls; units and the public are refused"),
            "responses": {"200": {"description": "an event stream", "content": {
                "text/event-stream": {"schema": {"type": "string"}}}}, **_ERRORS}}},
        f"{P}/desk/requests/{{id}}": {"get": _op(
            "a conference or leave request: pending, working (dialling …), done or failed, "
            "with the detail the line gave", params=[_ID])},
        f"{P}/office/notices": {"get": _op("notices to the hotline office: calendar, late "
                                           "dispatch, unsolved replies (office)",
                                           params=[_q("limit", {"type": "integer"})])},
        f"{P}/calendar": {"get": _op("working-day calendar: official and provisional years, "
                                     "open tickets with provisional due times (hotline)")},
        f"{P}/search": {"get": _op(
            "search what was said in recorded calls (audited); hits carry offset_s; ranked "
            "among the newest `ranked_among_newest` matches (narrow by time for older)", params=[
                _q("q", {"type": "string", "maxLength": 200}, True),
                _q("since", {"type": "string", "format": "date-time"}),
                _q("until", {"type": "string", "format": "date-time"}),
                *[_q(name, {"type": "string", "description": why})
                  for name, why in TEXT_FILTERS.items()],
                _q("limit", {"type": "integer", "minimum": 1, "maximum": 100})])},
        f"{P}/topics": {"get": _op(
            "calls and mentions per hot topic per period, in the hotline's time zone "
            "(hotline roles)", params=[
                _q("since", {"type": "string", "format": "date-time"}, True),
                _q("until", {"type": "string", "format": "date-time"}, True),
                _q("period", {"type": "string", "enum": list(PERIODS)})])},
        f"{P}/transcription/problems": {"get": _op(
            "recordings flagged (damaged, changed, missing) or failed, with the reason, and "
            "the job counts (hotline office)",
            params=[_q("limit", {"type": "integer", "minimum": 1, "maximum": 1000})])},
        f"{P}/calls/{{linkedid}}/transcript": {"get": _op(
            "everything said in a call, both sides in time order (audited; a unit reads only "
            "calls of its tickets)", params=[_LINKEDID])},
        f"{P}/calls/{{linkedid}}/topics": {"get": _op(
            "a call's topic tags: topic, keyword, speaker, start_s, end_s (hotline roles)",
            params=[_LINKEDID])},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "12345 hotline work orders", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
