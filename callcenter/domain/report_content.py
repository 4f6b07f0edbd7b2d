"""The shape of a report's content: the document a report stores (as JSON, with its SHA-256)
and every reader renders (HTML, PDF, XLSX, the API, the console). `SCHEMA` in
services/reports.py is bumped when this shape changes; a stored document keeps the shape it
was produced with."""

from __future__ import annotations

from typing import TypedDict

from callcenter.domain.figures import FigureJson

Figures = dict[str, FigureJson]


class PeriodJson(TypedDict):
    start: str
    end: str


class Compared(TypedDict):
    previous: str
    week_before: str | None


class HourCalls(TypedDict):
    start: str
    calls: int


class TopicRow(TypedDict):
    topic: str
    calls: int
    previous: int


class PlaceRow(TypedDict):
    place: str
    tickets: int
    previous: int


class PhraseRow(TypedDict):
    phrase: str
    tickets: int
    previous: int


class FlagJson(TypedDict):
    name: str
    count: int
    previous: int
    week_before: int | None
    rules: list[str]


class Emerging(TypedDict):
    topics: list[FlagJson]
    places: list[FlagJson]
    categories: list[FlagJson]
    phrases: list[FlagJson]


class ClusterJson(TypedDict):
    category: str
    place: str
    count: int
    tickets: list[int]
    first: str
    last: str


class Notable(TypedDict):
    ticket: int
    link: str
    category: str
    status: str
    unit: str | None
    place: str
    repeats: int
    why: list[str]
    matter: str  # an excerpt, numbers masked


class _Head(TypedDict):
    """What every reading of a report starts with: which report, of which period."""
    schema: int
    kind: str
    name: str
    period: PeriodJson
    time_zone: str
    compared_with: Compared


class _Stored(TypedDict):
    """The version it was stored as, when it was produced, and its digest."""
    version: int
    produced_at: str
    sha256: str


class ReportContent(_Head):
    """What a report is made of; the same store and period give the same content."""
    figures: Figures
    previous: Figures
    calls_per_hour: list[HourCalls]
    tickets_by: dict[str, dict[str, int]]
    units: dict[str, Figures]
    seats: dict[str, Figures]
    agents: dict[str, Figures]
    topics: list[TopicRow]
    places: list[PlaceRow]
    phrases: list[PhraseRow]
    emerging: Emerging
    clusters: list[ClusterJson]
    notable: list[Notable]


class ReportDocument(ReportContent, _Stored):
    """The content as read and sent."""


class UnitReport(_Head, _Stored):
    """A unit's sections of a report: its own figures and notable tickets only."""
    unit: str
    units: dict[str, Figures]
    notable: list[Notable]


# A report as a viewer may read it: the whole document, or a unit's sections.
ReportView = ReportDocument | UnitReport
