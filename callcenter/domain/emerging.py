"""Emerging issues (倾向性、苗头性问题): what is rising, what is concentrated, what stands out.

- rising: a topic, place or category counted at least `min_count` times in the period and at
  least `factor` times as often as in the period before (or the same weekday a week before, for
  a daily report), or not at all before. Each flag names the rule that raised it.
- clusters (集中反映, shanghai-housing-12345-workorder-2022 §十四4): `cluster_size` or more
  tickets of one category in one community (registration.place_of) within `cluster_window`.
- notable cases: supervised, called about `repeats_from` times or more this year, urgent, or
  parked; listed with their links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.domain.report_content import ClusterJson, FlagJson

RULE_NEW = "new"                      # none in the period before, min_count or more now
RULE_PREVIOUS = "rising_vs_previous"  # factor x the period before
RULE_WEEK = "rising_vs_week_before"   # factor x the same weekday a week before


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 5
    factor: float = 2.0
    cluster_size: int = 5
    cluster_window: timedelta = timedelta(hours=24)
    repeats_from: int = 5

    def __post_init__(self) -> None:
        if self.min_count < 1 or self.cluster_size < 2 or self.factor <= 1.0:
            raise ValueError("reports.emerging: min_count >= 1, cluster_size >= 2, factor > 1")


@dataclass(frozen=True)
class Flag:
    name: str
    count: int
    previous: int
    week_before: int | None
    rules: tuple[str, ...]

    def as_json(self) -> FlagJson:
        return {"name": self.name, "count": self.count, "previous": self.previous,
                "week_before": self.week_before, "rules": list(self.rules)}


def rising(now: Mapping[str, int], previous: Mapping[str, int],
           week_before: Mapping[str, int] | None, th: Thresholds) -> list[Flag]:
    """What rose, most first; a name below `min_count` now is never flagged."""
    out = []
    for name, n in now.items():
        if n < th.min_count:
            continue
        p = previous.get(name, 0)
        w = None if week_before is None else week_before.get(name, 0)
        rules = []
        if p == 0:
            rules.append(RULE_NEW)
        elif n >= th.factor * p:
            rules.append(RULE_PREVIOUS)
        if w is not None and n >= th.factor * max(w, 1):
            rules.append(RULE_WEEK)
        if rules:
            out.append(Flag(name, n, p, w, tuple(rules)))
    return sorted(out, key=lambda f: (-f.count, f.name))


@dataclass(frozen=True)
class Cluster:
    category: str
    place: str
    tickets: tuple[int, ...]
    first: datetime
    last: datetime

    def as_json(self) -> ClusterJson:
        return {"category": self.category, "place": self.place, "count": len(self.tickets),
                "tickets": list(self.tickets), "first": self.first.isoformat(),
                "last": self.last.isoformat()}


def clusters(groups: Mapping[tuple[str, str], Sequence[tuple[datetime, int]]],
             th: Thresholds) -> list[Cluster]:
    """Per (category, place), the window of `cluster_window` holding the most tickets, if it
    holds `cluster_size` or more (the earliest such window on a tie)."""
    out = []
    for (category, place), items in groups.items():
        if not place:
            continue
        seq = sorted(items)
        best = (0, 0, 0)  # count, first index, last index
        lo = 0
        for hi in range(len(seq)):
            while seq[hi][0] - seq[lo][0] >= th.cluster_window:
                lo += 1
            if hi - lo + 1 > best[0]:
                best = (hi - lo + 1, lo, hi)
        n, lo, hi = best
        if n >= th.cluster_size:
            window = seq[lo:hi + 1]
            out.append(Cluster(category, place, tuple(i for _, i in window), window[0][0],
                               window[-1][0]))
    return sorted(out, key=lambda c: (-len(c.tickets), c.category, c.place))
