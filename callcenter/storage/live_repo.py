"""Repository of live assist: streams opened by the controller, looked up and closed by the
live recogniser, and the utterances heard, replaced as they grow. Stages work on the session
it is given; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from callcenter.domain.live_assist import LiveLine
from callcenter.storage.live_tables import LiveHeardRow, LiveStreamRow


class LiveRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def open_stream(self, stream: str, linkedid: str, speaker: str, seat: str,
                    at: datetime) -> None:
        self.s.add(LiveStreamRow(id=stream, linkedid=linkedid, speaker=speaker, seat=seat,
                                 opened_at=at))

    def connect(self, stream: str, opened_since: datetime, at: datetime
                ) -> tuple[str, str] | None:
        """(call, speaker) of a stream opened since then and never connected, now marked
        connected; None for any other id (a second connection with the same id included)."""
        row = self.s.scalar(select(LiveStreamRow).where(
            LiveStreamRow.id == stream, LiveStreamRow.opened_at >= opened_since,
            LiveStreamRow.connected_at.is_(None)).with_for_update())
        if row is None:
            return None
        row.connected_at = at
        return row.linkedid, row.speaker

    def close_stream(self, stream: str, at: datetime) -> None:
        self.s.execute(update(LiveStreamRow).where(
            LiveStreamRow.id == stream, LiveStreamRow.closed_at.is_(None)).values(closed_at=at))

    def put_heard(self, heard: Sequence[tuple[str, LiveLine]], at: datetime) -> None:
        """(stream, line) pairs, each replacing what that stream's utterance held."""
        if not heard:
            return
        keys = list({(stream, line.n) for stream, line in heard})
        self.s.execute(delete(LiveHeardRow).where(
            tuple_(LiveHeardRow.stream, LiveHeardRow.n).in_(keys)))
        latest = {(stream, line.n): line for stream, line in heard}
        self.s.add_all(LiveHeardRow(stream=stream, n=n, linkedid=ln.call, speaker=ln.speaker,
                                    text=ln.text, final=ln.final, start_s=ln.start_s,
                                    end_s=ln.end_s, at=at)
                       for (stream, n), ln in latest.items())

    def heard(self, calls: Sequence[str]) -> list[LiveLine]:
        if not calls:
            return []
        rows = self.s.scalars(select(LiveHeardRow).where(LiveHeardRow.linkedid.in_(calls))
                              .order_by(LiveHeardRow.linkedid, LiveHeardRow.speaker,
                                        LiveHeardRow.n))
        return [LiveLine(r.linkedid, r.speaker, r.n, r.text, r.final, r.start_s, r.end_s)
                for r in rows]

    def purge(self, closed_before: datetime, opened_before: datetime) -> int:
        """Streams closed before the first time, or opened before the second and never
        closed (their recogniser died), with what they heard."""
        gone = list(self.s.scalars(select(LiveStreamRow.id).where(
            (LiveStreamRow.closed_at < closed_before)
            | (LiveStreamRow.closed_at.is_(None) & (LiveStreamRow.opened_at < opened_before)))))
        if gone:
            self.s.execute(delete(LiveHeardRow).where(LiveHeardRow.stream.in_(gone)))
            self.s.execute(delete(LiveStreamRow).where(LiveStreamRow.id.in_(gone)))
        return len(gone)
