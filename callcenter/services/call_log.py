"""Use case: write finished calls to the store, idempotently.

Each call's events are merged with those already stored (by digest), the record is folded
again from the union and upserted; so a call delivered twice, late or in pieces ends as one
row with the same content. Recording files are measured here (size, duration, SHA-256).
"""

from __future__ import annotations

import hashlib
import wave
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from callcenter.domain.calls import CallRecord, Event, build_record, recording_relpath
from callcenter.storage.calls_repo import CallsRepo
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork

# MixMonitor's three files: the mix, what the citizen said (r), what the citizen heard (t).
RECORDING_KINDS = {"mix": "", "citizen": "-in", "seat": "-out"}


@dataclass(frozen=True)
class FileFacts:
    size: int | None
    duration: float | None
    sha256: str | None
    error: str


def measure(path: Path) -> FileFacts:
    try:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        size = path.stat().st_size
    except FileNotFoundError:
        return FileFacts(None, None, None, "missing")
    except OSError as exc:
        return FileFacts(None, None, None, f"unreadable: {exc.strerror}")
    try:
        with wave.open(str(path), "rb") as w:
            duration = w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError) as exc:
        return FileFacts(size, None, h.hexdigest(), f"not a WAV file: {exc}")
    return FileFacts(size, round(duration, 3), h.hexdigest(), "")


class CallLog:
    def __init__(self, engine: Engine, recording_root: Path, asterisk_recording_root: str,
                 measure_files: bool = True) -> None:
        self.engine = engine
        self.recording_root = recording_root
        self.asterisk_root = asterisk_recording_root
        self.measure_files = measure_files

    def save(self, calls: Mapping[str, Iterable[Event]]) -> list[CallRecord]:
        """Store a batch of calls in one transaction."""
        out = []
        with UnitOfWork(self.engine) as uow:
            repo = CallsRepo(uow.session)
            for linkedid, events in calls.items():
                events = list(events)
                row = repo.get(linkedid)
                stored: list[Event] = repo.events_of(row.id) if row is not None else []
                known = repo.digests_of(row.id) if row is not None else set()
                record = build_record(linkedid, [*stored, *events])
                row = repo.upsert(record)
                repo.add_events(row, events, known)
                if self.measure_files:
                    self._recordings(repo, row, record)
                out.append(record)
        return out

    def _recordings(self, repo: CallsRepo, row: CallRow, record: CallRecord) -> None:
        if not record.recording_base:
            return
        rel = recording_relpath(record.recording_base, self.asterisk_root)
        if rel is None:
            repo.set_recording(row, "mix", "", None, None, None, "path outside recording root")
            return
        for kind, suffix in RECORDING_KINDS.items():
            path = f"{rel}{suffix}.wav"
            facts = measure(self.recording_root / path)
            if facts.error == "missing" and record.answered_at is None:
                continue  # b(): nothing is recorded for a call never bridged to a seat
            repo.set_recording(row, kind, path, facts.size, facts.duration, facts.sha256,
                               facts.error)

    def list(self, since: datetime | None = None, limit: int = 100) -> Sequence[CallRow]:
        with UnitOfWork(self.engine) as uow:
            return CallsRepo(uow.session).list(since, limit)
