"""Who may do what (domain/access/): every check against every kind of person, as a table a
hotline's office can read and argue with. A check answers None (allowed) or the rule."""

from collections.abc import Callable

import pytest

from callcenter.domain.access import (
    callbacks,
    desk,
    duty,
    kb,
    office,
    people,
    reports,
    speech,
    tickets,
)
from callcenter.domain.privacy import Role, UnitRole, Viewer

AGENT = Viewer(Role.AGENT, "zhang")
OFFICE = Viewer(Role.SUPERVISOR, "banzhang")
STAFF = Viewer(Role.UNIT, "li", "u-wuye")
LEADER = Viewer(Role.UNIT, "zhou", "u-wuye", UnitRole.LEADER)
HEAD = Viewer(Role.UNIT, "wang", "u-wuye", UnitRole.HEAD)
PUBLIC = Viewer(Role.PUBLIC, "anyone")
AUDITOR = Viewer(Role.AUDITOR, "shen")
ADMIN = Viewer(Role.ADMIN, "root")
PEOPLE = {"agent": AGENT, "office": OFFICE, "unit staff": STAFF, "unit leader": LEADER,
          "unit head": HEAD, "public": PUBLIC, "auditor": AUDITOR, "administrator": ADMIN}
HOTLINE = {"agent", "office"}
UNITS = {"unit staff", "unit leader", "unit head"}

CHECKS: list[tuple[str, Callable[[Viewer], str | None], set[str]]] = [
    ("seats", desk.seats, HOTLINE),
    ("a live call's transfer", lambda v: desk.call_command(v, "transfer"), HOTLINE),
    ("listening in", lambda v: desk.call_command(v, "listen"), {"office"}),
    ("the listening audit", desk.listening_audit, {"office"}),
    ("the screen pop", desk.screen_pop, HOTLINE),
    ("the desk's events", desk.events, HOTLINE),
    ("the wallboard", desk.wallboard, HOTLINE),
    ("callbacks", callbacks.callbacks, HOTLINE),
    ("the duty plan", duty.show, HOTLINE),
    ("forcing day or night", duty.force, {"office"}),
    ("an article of the hotline's", lambda v: kb.write(v, ""), {"office"}),
    ("an article of u-wuye's", lambda v: kb.write(v, "u-wuye"), {"office", *UNITS}),
    ("filing a kb request", kb.file_request, HOTLINE),
    ("reading kb requests", kb.read_requests, HOTLINE | UNITS),
    ("reports", reports.read, {"office", "unit leader", "unit head"}),
    ("u-wuye's sections", lambda v: reports.read_unit(v, "u-wuye"),
     {"office", "unit leader", "unit head"}),
    ("u-water's sections", lambda v: reports.read_unit(v, "u-water"), {"office"}),
    ("producing a report", reports.produce, {"office"}),
    ("recordings", speech.recordings, HOTLINE | UNITS),
    ("searching by caller", lambda v: speech.search(v, by_caller=True), HOTLINE),
    ("searching by words", lambda v: speech.search(v, by_caller=False), HOTLINE | UNITS),
    ("topic tags", speech.topic_tags, HOTLINE),
    ("transcription problems", speech.transcription_problems, {"office"}),
    ("the sweep", office.sweep, {"office"}),
    ("the calendar", office.calendar, HOTLINE),
    ("registering", tickets.register, HOTLINE),
    ("linking a call", tickets.link_call, HOTLINE),
    ("merging two citizens' tickets", lambda v: tickets.merge_citizens(v, False), {"office"}),
    ("merging one citizen's tickets", lambda v: tickets.merge_citizens(v, True), set(PEOPLE)),
    ("callbacks due", tickets.callbacks_due, HOTLINE),
    ("the office's notices", tickets.office_notices, {"office"}),
    ("the ticket list", tickets.list_tickets, HOTLINE | UNITS),
    ("managing people", people.manage, {"administrator"}),
    ("the access audit", people.read_audit, {"auditor"}),
    ("downloading a recording", people.download_recording, {"office"}),
]


@pytest.mark.parametrize(("what", "check", "allowed"), CHECKS, ids=[c[0] for c in CHECKS])
def test_who_may(what, check, allowed):
    answers = {name: check(person) for name, person in PEOPLE.items()}
    assert {name for name, refusal in answers.items() if refusal is None} == allowed, what
    # A refusal names the rule in words, never an empty string.
    assert all(refusal for name, refusal in answers.items() if name not in allowed)


def test_an_agent_acts_at_their_own_seat_only():
    assert desk.own_seat(AGENT, "8001", "zhang") is None
    assert desk.own_seat(AGENT, "8001", "li") == "seat 8001 is not yours"
    assert desk.own_seat(AGENT, "8001", None) == "seat 8001 is not yours"
    assert desk.own_seat(OFFICE, "8001", "li") is None
