"""The console's pages, one module per person's work."""

from __future__ import annotations

from callcenter.console.page import Page
from callcenter.console.pages import (
    audit,
    desk,
    office,
    people,
    public,
    recordings,
    reports,
    signin,
    tickets,
    unit,
)

FEATURES = (signin.pages, public.pages, audit.pages, recordings.pages, unit.pages,
            desk.pages, reports.pages, tickets.pages, office.pages, people.pages)


def every_page() -> list[Page]:
    return [page for feature in FEATURES for page in feature]
