"""The API's routes, one module per feature, each handler declared with its OpenAPI
operation. `FEATURES` is every route the application serves and the document describes."""

from __future__ import annotations

from callcenter.api.route import Route
from callcenter.api.routes import (
    audit,
    callbacks,
    desk,
    duty,
    events,
    kb,
    office,
    reports,
    speech,
    tickets,
    units,
)

FEATURES: tuple[list[Route], ...] = (
    tickets.routes, units.routes, kb.routes, office.routes, desk.routes, callbacks.routes,
    duty.routes, events.routes, reports.routes, speech.routes, audit.routes)


def every_route() -> list[Route]:
    return [route for feature in FEATURES for route in feature]
