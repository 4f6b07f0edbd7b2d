"""Writing a recording's topic spots: the transcriber and `topics respot` replace them whole."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from callcenter.domain.topics import Spot
from callcenter.storage.transcript_tables import TopicSpotRow


def put_spots(s: Session, recording_id: int, call_id: int, speaker: str,
              spots: Sequence[Spot]) -> None:
    s.execute(delete(TopicSpotRow).where(TopicSpotRow.recording_id == recording_id))
    if spots:
        s.execute(insert(TopicSpotRow), [
            {"recording_id": recording_id, "call_id": call_id, "topic": p.topic,
             "word": p.word, "speaker": speaker, "start_s": p.start_s, "end_s": p.end_s}
            for p in spots])
