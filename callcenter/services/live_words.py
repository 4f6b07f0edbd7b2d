"""Use case: the words of calls under way (live assist), from stream to desk.

The controller opens a stream per speaker when a seat answers (an id nobody can guess, the
only thing Asterisk tells the recogniser); the live recogniser connects it once, stores what it
hears as it hears it, and closes it when the audio ends. The desk reads the words of the calls
at its seats. Words are kept `keep` after their stream closes, then purged with the stream:
the batch transcript of the recording is the call's record, and this is what a citizen said.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from callcenter.domain.live_assist import SPEAKERS, LiveLine
from callcenter.services.errors import ValidationFailed
from callcenter.services.ports import UnitsOfWork

CONNECT_WITHIN = timedelta(seconds=30)  # an id not connected by then is refused
KEEP = timedelta(hours=1)
ABANDONED = timedelta(hours=12)  # a stream never closed (its recogniser died mid-call)


class LiveStreams:
    def __init__(self, uow: UnitsOfWork, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 keep: timedelta = KEEP) -> None:
        self.uow = uow
        self.clock = clock
        self.keep = keep

    def open(self, linkedid: str, speaker: str, seat: str) -> str:
        """A new stream's id."""
        if speaker not in SPEAKERS:
            raise ValidationFailed({"speaker": f"one of {', '.join(SPEAKERS)}"})
        stream = str(uuid.uuid4())
        with self.uow() as uow:
            uow.live.open_stream(stream, linkedid, speaker, seat, self.clock())
        return stream

    def connect(self, stream: str) -> tuple[str, str] | None:
        """(call, speaker) of a stream opened lately and never connected; None otherwise."""
        now = self.clock()
        with self.uow() as uow:
            return uow.live.connect(stream, now - CONNECT_WITHIN, now)

    def close(self, stream: str) -> None:
        with self.uow() as uow:
            uow.live.close_stream(stream, self.clock())

    def put(self, heard: Sequence[tuple[str, LiveLine]]) -> None:
        """What the streams heard since the last put, in one transaction."""
        if heard:
            with self.uow() as uow:
                uow.live.put_heard(heard, self.clock())

    def heard(self, calls: Sequence[str]) -> list[LiveLine]:
        with self.uow(read_only=True) as uow:
            return uow.live.heard(calls)

    def purge(self) -> int:
        now = self.clock()
        with self.uow() as uow:
            return uow.live.purge(now - self.keep, now - ABANDONED)
