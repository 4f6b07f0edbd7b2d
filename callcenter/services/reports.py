"""Use case: the reports (日综述 at 16:00, weekly, monthly) — produced on schedule, stored in
versions, read by supervisors and unit heads.

A report's content is a pure function of the store and its period: producing a period again
gives the same content (same SHA-256, nothing stored); when late data changed it, a new version
is stored and the old ones stay. Every figure comes from domain/figures.py through the SQL
tally; emerging issues from domain/emerging.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any

from callcenter.domain import emerging
from callcenter.domain import figures as fg
from callcenter.domain import report_periods as rp
from callcenter.domain.access import reports as access
from callcenter.domain.conflicts import AlreadyStored
from callcenter.domain.privacy import Role, Viewer, mask_speech
from callcenter.domain.report_content import (
    ClusterJson,
    FlagJson,
    HourCalls,
    Notable,
    ReportContent,
    ReportDocument,
    ReportView,
    UnitReport,
)
from callcenter.services.errors import NotFound, ValidationFailed, require
from callcenter.services.ports import UnitOfWork, UnitsOfWork
from callcenter.storage.call_hours_repo import HourFigures
from callcenter.storage.figures_repo import parts

if TYPE_CHECKING:
    from callcenter.storage.emerging_repo import EmergingRepo
    from callcenter.storage.reports_repo import ReportSummary, StoredReport

log = logging.getLogger(__name__)
SCHEMA = 1            # bumped when the content's shape changes
MATTER_EXCERPT = 60   # characters of a notable ticket's matter, numbers masked
READERS = 2           # connections a report reads on at once (the machines have 2 cores)
SHOWN = 30            # the places and key phrases with the most tickets, in their tables
HEADLINE = ("calls_total", "calls_answered", "answer_rate", "tickets_registered",
            "on_time_rate", "satisfaction_rate")
# The hours the worker keeps rolled up: a month, the month before it (the monthly report's
# comparison) and the five days the monthly may wait for.
ROLL_UP_SPAN = timedelta(days=70)
ROLL_UP_BATCH = 96    # hours per look, so a first start with months of calls is spread out
DEFAULT_SCHEDULE = rp.Schedule()
DEFAULT_THRESHOLDS = emerging.Thresholds()


@dataclass(frozen=True)
class Produced:
    report: StoredReport
    new: bool  # False: the same content was stored before


def _digest(content: ReportContent) -> tuple[str, str]:
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


class Reports:
    def __init__(self, uow: UnitsOfWork, tz: tzinfo, clock: Callable[[], datetime],
                 schedule: rp.Schedule = DEFAULT_SCHEDULE,
                 thresholds: emerging.Thresholds = DEFAULT_THRESHOLDS,
                 catch_up: int = 7,
                 on_new: Callable[[StoredReport], object] | None = None) -> None:
        self.uow = uow
        self.tz = tz
        self.clock = clock
        self.schedule = schedule
        self.th = thresholds
        self.catch_up = catch_up
        self.on_new = on_new  # delivery planning, given each new version

    # -- reading --------------------------------------------------------------------------
    def period(self, kind: str, name: str) -> rp.Period:
        try:
            return rp.parse(kind, name, self.tz)
        except rp.PeriodError as exc:
            raise ValidationFailed({exc.rule.split(".")[-1]: str(exc)}) from None

    def listing(self, viewer: Viewer, kind: str | None = None, limit: int = 100,
                offset: int = 0) -> list[ReportSummary]:
        require(access.read(viewer))
        if kind is not None and kind not in tuple(rp.ReportKind):
            raise ValidationFailed({"kind": "daily, weekly or monthly"})
        with self.uow(read_only=True) as uow:
            return [r.summary() for r in uow.reports.listing(kind, limit, offset)]

    def view(self, viewer: Viewer, kind: str, name: str, version: int | None = None,
             unit: str | None = None) -> ReportView:
        """A stored report (the latest version unless one is named), as the viewer may see
        it; with `unit`, that unit's sections only. A period that is over and was never
        produced is produced now."""
        require(access.read(viewer) if unit is None else access.read_unit(viewer, unit))
        p = self.period(kind, name)
        with self.uow(read_only=True) as uow:
            stored = uow.reports.get(p.kind.value, p.name, version)
        if stored is None:
            if version is not None:
                raise NotFound(f"no version {version} of the {kind} report {name}")
            self._ended(p)
            stored = self.produce(p, by=viewer.id).report
        content = stored.document(self.tz)
        if unit is not None:
            return for_unit(content, unit)
        return for_viewer(content, viewer)

    # -- producing ------------------------------------------------------------------------
    def produce_as(self, viewer: Viewer, kind: str, name: str) -> Produced:
        """The office produces a period again (late data makes a new version)."""
        require(access.produce(viewer))
        p = self.period(kind, name)
        self._ended(p)
        return self.produce(p, by=viewer.id)

    def _ended(self, p: rp.Period) -> None:
        if p.end > self.clock():
            raise ValidationFailed({"period": f"the {p.kind.value} report {p.name} covers a "
                                              f"period that ends at {p.end.isoformat()}"})

    def produce(self, p: rp.Period, by: str) -> Produced:
        content = self.build(p)
        text, sha = _digest(content)
        try:
            with self.uow() as uow:
                repo = uow.reports
                last = repo.get(p.kind.value, p.name)
                if last is not None and last.sha256 == sha:
                    return Produced(last, new=False)
                stored = repo.add(p.kind.value, p.name, p.start, p.end, self.clock(), by,
                                  text, sha)
                self._raise_clusters(uow, content["clusters"])
        except AlreadyStored:  # produced at the same moment elsewhere: that one stands
            with self.uow(read_only=True) as uow:
                again = uow.reports.get(p.kind.value, p.name)
            assert again is not None
            return Produced(again, new=False)
        log.info("report %s %s version %d produced by %s", p.kind.value, p.name,
                 stored.version, by)
        if self.on_new is not None:
            self.on_new(stored)
        return Produced(stored, new=True)

    def due(self) -> list[rp.Period]:
        """Periods whose run time has passed and which were never produced, oldest first."""
        now = self.clock()
        out: list[rp.Period] = []
        with self.uow(read_only=True) as uow:
            repo = uow.reports
            for kind in rp.ReportKind:
                periods = rp.due_since(kind, now, self.tz, self.schedule, self.catch_up)
                have = repo.stored(kind.value, [p.name for p in periods])
                out += [p for p in periods if p.name not in have]
        return sorted(out, key=lambda p: (p.end, p.kind))

    def run_due(self, by: str = "scheduler") -> list[Produced]:
        """The scheduler's tick: every due report not produced yet, once."""
        return [self.produce(p, by) for p in self.due()]

    def roll_up(self, limit: int = ROLL_UP_BATCH) -> int:
        """Roll up the calls of ended hours whose roll-up is missing or stale (newest first,
        at most `limit`); returns how many. The generation is read before the calls, so a
        call written meanwhile leaves the hour stale, to be rolled up at a later look."""
        until = self.clock().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        with self.uow(read_only=True) as uow:
            todo = uow.call_hours.stale(until - ROLL_UP_SPAN, until, limit)
        for hour in todo:
            with self.uow(read_only=True) as uow:
                figures = HourFigures(uow.figures.hour(hour.hour),
                                      uow.emerging.counted_topics(
                                          hour.hour, hour.hour + timedelta(hours=1)))
            with self.uow() as uow:
                uow.call_hours.store(hour, figures)
        return len(todo)

    # -- content --------------------------------------------------------------------------
    def build(self, p: rp.Period) -> ReportContent:
        before, week = rp.comparison(p, self.tz)
        start, end = p.start.astimezone(UTC), p.end.astimezone(UTC)
        window = self.th.cluster_window
        compared = (p, before, week)
        # Each query on its own connection, READERS at once: the grouped scans of a month are
        # seconds each, and the store answers several readers in parallel.
        with ThreadPoolExecutor(READERS) as pool:
            def read(fn: Callable[[UnitOfWork], Any]) -> Future[Any]:
                return pool.submit(self._read, fn)

            def tallied(a: datetime, b: datetime, light: bool) -> list[Future[Any]]:
                return [read(partial(_part, part=part, start=a, end=b))
                        for part in parts(None, light)]

            def each(fn: Callable[[EmergingRepo, rp.Period], Any],
                     periods: tuple[rp.Period | None, ...] = compared
                     ) -> list[Future[Any] | None]:
                return [read(partial(_emerging, fn=fn, q=q)) if q else None for q in periods]

            groups_f = read(lambda u: u.emerging.cluster_candidates(
                start - window + timedelta(microseconds=1), end, self.th.cluster_size,
                window.total_seconds()))
            tally_f = tallied(start, end, False)
            prev_f = tallied(before.start, before.end, True)
            topics_f = each(lambda r, q: r.topic_calls(q.start, q.end))
            places_f = each(lambda r, q: r.ticket_counts(q.start, q.end, "place"))
            # The period's own categories are in the tally (tickets_by); the others are read.
            cats_f = [None, *each(lambda r, q: r.ticket_counts(q.start, q.end, "category"),
                                  compared[1:])]
            phrases_f = each(lambda r, q: r.phrase_counts(q.start, q.end))
            notable_f = read(lambda u: u.emerging.notable(start, end,
                                                               self.th.repeats_from))
        tally, prev = _summed(tally_f), _summed(prev_f)
        topics, places, cats, phrases = ([f.result() if f else None for f in fs]
                                         for fs in (topics_f, places_f, cats_f, phrases_f))
        cats[0] = tally.by.get("category", Counter())
        groups, notable = groups_f.result(), notable_f.result()
        figures = fg.figures(tally)
        previous = fg.figures(prev)

        def flags(counts: list[Counter[str] | None]) -> list[FlagJson]:
            now, earlier, week_before = counts
            assert now is not None and earlier is not None
            return [f.as_json() for f in emerging.rising(now, earlier, week_before, self.th)]

        # A cluster belongs to the period its last ticket was registered in.
        found = [c for c in emerging.clusters(groups, self.th) if start <= c.last < end]
        people = fg.people_figures(tally)
        content: ReportContent = {
            "schema": SCHEMA, "kind": p.kind.value, "name": p.name, "period": p.as_json(),
            "time_zone": str(self.tz),
            "compared_with": {"previous": before.name, "week_before": week.name if week
                              else None},
            "figures": figures,
            "previous": {k: previous[k] for k in HEADLINE},
            "calls_per_hour": self._hours(p, tally),
            "tickets_by": {g: dict(sorted(tally.by.get(g, {}).items())) for g in fg.TICKET_GROUPS},
            "units": fg.unit_figures(tally),
            "seats": people["seats"],
            "agents": people["agents"],
            "topics": [{"topic": t, "calls": n, "previous": (topics[1] or Counter())[t]}
                       for t, n in sorted((topics[0] or Counter()).items())],
            "places": [{"place": k, "tickets": n, "previous": (places[1] or Counter())[k]}
                       for k, n in _top(places[0] or Counter())],
            "phrases": [{"phrase": k, "tickets": n, "previous": (phrases[1] or Counter())[k]}
                        for k, n in _top(phrases[0] or Counter())],
            "emerging": {"topics": flags(topics), "places": flags(places),
                         "categories": flags(cats), "phrases": flags(phrases)},
            "clusters": [self._cluster(c) for c in found],
            "notable": [self._notable(row) for row in notable],
        }
        return content

    def _read(self, fn: Callable[[UnitOfWork], Any]) -> Any:
        with self.uow(read_only=True) as uow:
            return fn(uow)

    def _hours(self, p: rp.Period, tally: fg.Tally) -> list[HourCalls]:
        hours = int((p.end - p.start).total_seconds() // 3600)
        start = p.start.astimezone(UTC)
        return [HourCalls(start=(start + timedelta(hours=h)).astimezone(self.tz).isoformat(),
                          calls=tally.per_hour.get(h, 0)) for h in range(hours)]

    def _cluster(self, c: emerging.Cluster) -> ClusterJson:
        out = c.as_json()
        out["first"] = c.first.astimezone(self.tz).isoformat()
        out["last"] = c.last.astimezone(self.tz).isoformat()
        return out

    def _notable(self, row: tuple[int, str, str, str, str | None, str, bool, int, str]
                 ) -> Notable:
        tid, category, status, urgency, unit, place, supervised, repeats, matter = row
        why = [w for w, yes in (("supervised", supervised),
                                ("repeated", repeats >= self.th.repeats_from),
                                ("urgent", urgency == "urgent"), ("parked", status == "parked"))
               if yes]
        return Notable(ticket=tid, link=f"/api/v1/tickets/{tid}", category=category,
                       status=status, unit=unit, place=place, repeats=repeats, why=why,
                       matter=mask_speech(matter[:MATTER_EXCERPT]))

    def watch_clusters(self) -> int:
        """集中反映 as it happens: clusters among the last 24 hours' tickets go to the office
        (once per category, place and day), without waiting for the report."""
        end = self.clock().astimezone(UTC)
        with self.uow() as uow:
            groups = uow.emerging.cluster_candidates(
                end - self.th.cluster_window, end, self.th.cluster_size,
                self.th.cluster_window.total_seconds())
            found = [self._cluster(c) for c in emerging.clusters(groups, self.th)]
            return self._raise_clusters(uow, found)

    def _raise_clusters(self, uow: UnitOfWork, clusters: list[ClusterJson]) -> int:
        """集中反映 goes to the office as a notice, once per category, place and day."""
        sent = 0
        for c in clusters:
            key = hashlib.sha256(f"{c['category']}|{c['place']}".encode()).hexdigest()[:20]
            sent += uow.notices.send_to_office(
                f"cluster:{key}", c["last"][:10], self.clock(),
                f"集中反映 {c['count']} 件「{c['category']}」@ {c['place']}: "
                + ", ".join(f"#{t}" for t in c["tickets"]))
        return sent


def _part(uow: UnitOfWork, part: str, start: datetime, end: datetime) -> fg.Tally:
    t = fg.Tally()
    getattr(uow.figures, part)(t, start, end, None)
    return t


def _emerging(uow: UnitOfWork, fn: Callable[[EmergingRepo, rp.Period], Any],
              q: rp.Period) -> Any:
    return fn(uow.emerging, q)


def _summed(futures: list[Future[Any]]) -> fg.Tally:
    t = fg.Tally()
    for f in futures:
        t.add(f.result())
    return t


def _top(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:SHOWN]


def for_viewer(content: ReportDocument, viewer: Viewer) -> ReportView:
    """What a viewer may read of a report: the office all of it, a unit its own sections."""
    if viewer.role is not Role.UNIT:
        return content
    assert viewer.unit is not None
    return for_unit(content, viewer.unit)


def for_unit(content: ReportDocument, unit: str) -> UnitReport:
    """A unit's sections: its own figures and its own notable tickets — nothing of the
    hotline's calls, seats, agents, places or other units."""
    return UnitReport(
        schema=content["schema"], kind=content["kind"], name=content["name"],
        period=content["period"], time_zone=content["time_zone"],
        compared_with=content["compared_with"], version=content["version"],
        produced_at=content["produced_at"], sha256=content["sha256"], unit=unit,
        units={k: v for k, v in content["units"].items() if k == unit},
        notable=[n for n in content["notable"] if n["unit"] == unit])
