"""Hot topics over transcribed calls: each call's topic tags with their times, counts per
topic per day, week or month (for the reports), and re-spotting stored transcripts after the
keyword lists change.

Topic tags come from what citizens and agents said, so only the hotline sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import TypedDict

from callcenter.domain.access import speech as access
from callcenter.domain.privacy import Viewer
from callcenter.domain.topics import Topic, spot
from callcenter.services.errors import NotFound, ValidationFailed, require
from callcenter.services.ports import UnitsOfWork
from callcenter.services.transcription_queue import SPEAKERS

PERIODS = ("day", "week", "month")
_BATCH = 500  # recordings re-spotted per transaction


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())  # weeks start on Monday in China
    if period == "month":
        return day.replace(day=1)
    return day



class TopicCount(TypedDict):
    period: str  # the first day of the day, week or month
    topic: str
    calls: int  # calls that mention it
    mentions: int


class TopicTag(TypedDict):
    """A hot topic heard in a call: the keyword, who said it, and when in the recording."""

    topic: str
    word: str
    speaker: str
    start_s: float
    end_s: float

class Topics:
    def __init__(self, uow: UnitsOfWork, tz: tzinfo) -> None:
        self.uow = uow
        self.tz = tz

    def _hotline(self, viewer: Viewer) -> None:
        require(access.topic_tags(viewer))

    def of_call(self, linkedid: str, viewer: Viewer) -> list[TopicTag]:
        """The call's topic tags in time order, each with who said the word and when."""
        self._hotline(viewer)
        with self.uow(read_only=True) as uow:
            repo = uow.topics
            call_id = repo.call_id(linkedid)
            if call_id is None:
                raise NotFound(f"no call {linkedid}")
            rows = repo.of_call(call_id)
            return [TopicTag(topic=r.topic, word=r.word, speaker=r.speaker, start_s=r.start_s,
                             end_s=r.end_s) for r in rows]

    def counts(self, viewer: Viewer, since: datetime, until: datetime, period: str = "day"
               ) -> list[TopicCount]:
        """Per period (in the hotline's time zone) and topic: calls that mention the topic
        and how many times it was mentioned; calls counted by when they started."""
        self._hotline(viewer)
        if period not in PERIODS:
            raise ValidationFailed({"period": "day, week or month"})
        if until <= since:
            raise ValidationFailed({"until": "after since"})
        with self.uow(read_only=True) as uow:
            rows = uow.topics.mentions(since, until)
            table: dict[tuple[date, str], list[int]] = {}
            for topic, started, mentions in rows:
                key = (period_start(started.astimezone(self.tz).date(), period), topic)
                calls_mentions = table.setdefault(key, [0, 0])
                calls_mentions[0] += 1
                calls_mentions[1] += mentions
        return [TopicCount(period=day.isoformat(), topic=topic, calls=c, mentions=m)
                for (day, topic), (c, m) in sorted(table.items())]

    def respot(self, topics: Sequence[Topic], since: datetime | None = None) -> int:
        """Spot the current keyword lists in stored transcripts again; returns how many
        recordings were gone through. Safe to interrupt: each batch is whole."""
        with self.uow(read_only=True) as uow:
            recordings = uow.topics.transcribed(since)
        for i in range(0, len(recordings), _BATCH):
            batch = recordings[i:i + _BATCH]
            with self.uow() as uow:
                repo = uow.topics
                said = repo.said([r[0] for r in batch])
                for rid, call_id, kind in batch:
                    repo.put_spots(rid, call_id, SPEAKERS.get(kind, kind),
                                   spot(said.get(rid, []), topics))
        return len(recordings)
