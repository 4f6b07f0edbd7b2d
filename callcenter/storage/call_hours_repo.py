"""The calls' hourly roll-up: each whole UTC hour's call figures (counts, waits, talks and
seats with their rings, topics heard), stored once the hour is over, so that a month's
report folds 720 small rows instead of scanning three million calls three times.

Triggers on `calls`, `call_rings` and `topic_spots` (migrations 0019, 0021, 0022) bump an
hour's `gen` whenever one of its calls, or a ring or topic of one, is inserted, changed or
deleted, whoever writes it. A roll-up records the generation it read
before it read the calls (`rolled`); it is used only while the two are equal, so late data
is never hidden behind a stale roll-up: that hour is counted from the calls again. An hour
without a row holds no calls."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.domain.figures import PREDICATES, RING_PREDICATES, Tally
from callcenter.storage.sql_time import hour_key, hour_start
from callcenter.storage.tables import CallHourRow

HOUR = timedelta(hours=1)
COLUMNS = ("counts", "waits", "talks", "topics")
Fold = Callable[[Any, int], None]  # (an hour's stored data, the hour's place in its period)


@dataclass(frozen=True)
class HourFigures:
    """What the roll-up keeps of one hour: the call parts of a tally and the calls per topic
    heard in them (storage/emerging_repo.topic_calls)."""

    tally: Tally
    topics: Counter[str]


def _encode(column: str, hour: HourFigures) -> str:
    t = hour.tally
    if column == "topics":
        data: object = dict(sorted((+hour.topics).items()))
    elif column == "counts":
        data = {n: t.calls[n] for n in PREDICATES if t.calls[n]}
    else:
        h = t.wait if column == "waits" else t.talk
        data = {"bins": sorted(h.bins.items()), "total": h.total}
        if column == "talks":  # the seats' answers and rings, the agents' rings, the totals
            data["seats"] = {seat: dict(+c) for seat, c in sorted(t.seats.items())}
            data["agents"] = {a: dict(+c) for a, c in sorted(t.agents.items())}
            data["calls"] = {n: t.calls[n] for n in RING_PREDICATES if t.calls[n]}
    return json.dumps(data, separators=(",", ":"))


def into_tally(column: str, t: Tally) -> Fold:
    """Adds an hour's stored call part to a tally."""
    return lambda data, offset: _fold(column, data, t, offset)


def _fold(column: str, data: Any, t: Tally, offset: int) -> None:
    if column == "counts":
        t.calls.update(data)
        if data.get("calls_total"):
            t.per_hour[offset] += data["calls_total"]
        return
    h = t.wait if column == "waits" else t.talk
    for s, n in data["bins"]:
        h.bins[s] += n
    h.total += data["total"]
    for table, stored in ((t.seats, data.get("seats", {})), (t.agents, data.get("agents", {}))):
        for key, counts in stored.items():
            table.setdefault(key, Counter()).update(counts)
    t.calls.update(data.get("calls", {}))


def whole_hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole UTC hours inside [start, end): [first, last) (first >= last: none)."""
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += HOUR
    return first, end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Stale:
    hour: datetime
    gen: int  # read before the calls are: a write after it makes the roll-up stale again


class CallHoursRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def fold(self, column: str, into: Fold, start: datetime, end: datetime
             ) -> list[tuple[datetime, datetime]]:
        """Give each good roll-up of [start, end) to `into` (with its hour's place counted
        from `start`); returns the ranges left to count from the calls: the broken hours at
        the edges and every hour whose roll-up is missing or stale, adjacent ones merged."""
        first, last = whole_hours(start, end)
        if first >= last:
            return [(start, end)]
        col = getattr(CallHourRow, column)
        rows = {key: (gen, rolled, text) for key, gen, rolled, text in self.s.execute(
            select(CallHourRow.hour, CallHourRow.gen, CallHourRow.rolled, col)
            .where(CallHourRow.hour >= hour_key(first), CallHourRow.hour < hour_key(last)))}
        left: list[tuple[datetime, datetime]] = []

        def count_live(a: datetime, b: datetime) -> None:
            if a >= b:
                return
            if left and left[-1][1] == a:
                a = left.pop()[0]
            left.append((a, b))

        count_live(start, first)
        for h in _hours(first, last):
            row = rows.get(hour_key(h))
            if row is None:
                continue
            gen, rolled, text = row
            if gen == rolled and text is not None:
                into(json.loads(text), int((h - start).total_seconds() // 3600))
            else:
                count_live(h, h + HOUR)
        count_live(last, end)
        return left

    def stale(self, since: datetime, until: datetime, limit: int) -> list[Stale]:
        """Hours in [since, until) whose roll-up is missing or stale, the newest first."""
        q = (select(CallHourRow.hour, CallHourRow.gen)
             .where(CallHourRow.hour >= hour_key(since), CallHourRow.hour < hour_key(until),
                    CallHourRow.gen != CallHourRow.rolled)
             .order_by(CallHourRow.hour.desc()).limit(limit))
        return [Stale(hour_start(key), gen) for key, gen in self.s.execute(q)]

    def store(self, stale: Stale, hour: HourFigures) -> None:
        """The hour's figures as counted at generation `stale.gen` (the row's `gen` is the
        triggers' alone and is left as it is)."""
        self.s.execute(update(CallHourRow).where(CallHourRow.hour == hour_key(stale.hour))
                       .values(rolled=stale.gen,
                               **{c: _encode(c, hour) for c in COLUMNS}))


def _hours(first: datetime, last: datetime) -> Iterator[datetime]:
    h = first
    while h < last:
        yield h
        h += HOUR
