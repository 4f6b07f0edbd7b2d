"""Repository of hot-topic spots: a recording's spots replaced whole (the transcriber and
`topics respot`), a call's spots, mentions per call for the counts, and the transcripts to
spot again. Stages work on the session it is given; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from callcenter.domain.topics import Spot
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.transcript_tables import SegmentRow, TopicSpotRow


class TopicsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def put_spots(self, recording_id: int, call_id: int, speaker: str,
                  spots: Sequence[Spot]) -> None:
        self.s.execute(delete(TopicSpotRow).where(TopicSpotRow.recording_id == recording_id))
        if spots:
            self.s.execute(insert(TopicSpotRow), [
                {"recording_id": recording_id, "call_id": call_id, "topic": p.topic,
                 "word": p.word, "speaker": speaker, "start_s": p.start_s, "end_s": p.end_s}
                for p in spots])

    def call_id(self, linkedid: str) -> int | None:
        return self.s.scalar(select(CallRow.id).where(CallRow.linkedid == linkedid))

    def of_call(self, call_id: int) -> list[TopicSpotRow]:
        return list(self.s.scalars(select(TopicSpotRow).where(TopicSpotRow.call_id == call_id)
                                   .order_by(TopicSpotRow.start_s, TopicSpotRow.id)))

    def mentions(self, since: datetime, until: datetime) -> list[tuple[str, datetime, int]]:
        """(topic, call start, mentions in that call) for calls started in [since, until)."""
        rows = self.s.execute(
            select(TopicSpotRow.topic, CallRow.started_at, func.count())
            .join(CallRow, CallRow.id == TopicSpotRow.call_id)
            .where(CallRow.started_at >= since, CallRow.started_at < until)
            .group_by(TopicSpotRow.topic, TopicSpotRow.call_id, CallRow.started_at))
        return [(topic, started, int(n)) for topic, started, n in rows]

    def transcribed(self, since: datetime | None) -> list[tuple[int, int, str]]:
        """(recording id, call id, kind) of every transcribed recording, oldest first."""
        q = (select(RecordingRow.id, RecordingRow.call_id, RecordingRow.kind)
             .join(CallRow, CallRow.id == RecordingRow.call_id)
             .where(RecordingRow.id.in_(select(SegmentRow.recording_id)))
             .order_by(RecordingRow.id))
        if since is not None:
            q = q.where(CallRow.started_at >= since)
        return [(rid, cid, kind) for rid, cid, kind in self.s.execute(q)]

    def said(self, recording_ids: list[int]) -> dict[int, list[tuple[str, float, float]]]:
        """Each recording's utterances (text, start, end) in time order."""
        out: dict[int, list[tuple[str, float, float]]] = {}
        for rid, text, start, end in self.s.execute(
                select(SegmentRow.recording_id, SegmentRow.text, SegmentRow.start_s,
                       SegmentRow.end_s)
                .where(SegmentRow.recording_id.in_(recording_ids))
                .order_by(SegmentRow.recording_id, SegmentRow.start_s)):
            out.setdefault(rid, []).append((text, start, end))
        return out
