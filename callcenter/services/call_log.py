"""Use case: write finished calls to the store, idempotently.

Each call's events are merged with those already stored (by wire text), the record is folded
again from the union and upserted; so a call delivered twice, late or in pieces ends as one
row with the same content. Recording files are measured here (size, duration, SHA-256).
"""

from __future__ import annotations

import logging
import shutil
import wave
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from callcenter.domain.calls import CallRecord, Disposition, Event, Trail, recording_relpath
from callcenter.domain.reconcile import Reconciliation, read_cel, reconcile
from callcenter.services.ports import UnitsOfWork
from callcenter.services.recording_files import sha256_file

if TYPE_CHECKING:
    from callcenter.storage.tables import CallRow

log = logging.getLogger(__name__)

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
        digest = sha256_file(path)
        size = path.stat().st_size
    except FileNotFoundError:
        return FileFacts(None, None, None, "missing")
    except OSError as exc:
        return FileFacts(None, None, None, f"unreadable: {exc.strerror}")
    try:
        with wave.open(str(path), "rb") as w:
            duration = w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError) as exc:
        return FileFacts(size, None, digest, f"not a WAV file: {exc or type(exc).__name__}")
    return FileFacts(size, round(duration, 3), digest, "")


# Folds a call's stored trail into its record (telephony/call_facts.record_of: the call log
# stores AMI trails but does not read them itself).
Fold = Callable[[str, Trail], CallRecord]


# A recording this much shorter than the talk it covers, on a disk with less room than
# `min_free` left, was cut by the full disk: Asterisk closes such a file with a consistent
# header, so it reads as a good, short WAV. (Shorter with room to spare is normal: a citizen
# on hold during an attended transfer is not recorded.)
CUT_BY = 1.0


class CallLog:
    def __init__(self, uow: UnitsOfWork, recording_root: Path, asterisk_recording_root: str,
                 fold: Fold, measure_files: bool = True, min_free: int = 100 << 20) -> None:
        self.uow = uow
        self.min_free = min_free
        self.fold = fold
        self.recording_root = recording_root
        self.asterisk_root = asterisk_recording_root
        self.measure_files = measure_files

    def save(self, calls: Mapping[str, Trail]) -> list[CallRecord]:
        """Store a batch of calls (linkedid -> trail) in one transaction.

        A call seen before (late events, a second delivery) is folded again from the union of
        its stored and new events; a new call costs no read-back at all.
        """
        with self.uow() as uow:
            repo = uow.calls
            ids = repo.ids_of(list(calls))
            stored = repo.trails_of(list(ids.values()))
            seen, fresh = [], []
            grown: dict[int, Trail] = {}
            for lid, trail in calls.items():
                if lid in ids:
                    known = stored[ids[lid]]
                    merged = {**known, **trail}
                    if len(merged) > len(known):
                        grown[ids[lid]] = merged
                    seen.append(self.fold(lid, merged))
                else:
                    fresh.append(self.fold(lid, trail))
            repo.update_calls(seen, ids)
            ids.update(repo.insert_calls(fresh))
            records = seen + fresh
            repo.replace_legs(records, ids, [ids[r.linkedid] for r in seen])
            repo.save_trails({ids[r.linkedid]: calls[r.linkedid] for r in fresh}, grown)
            if self.measure_files:
                repo.set_recordings([row for r in records
                                     for row in self._recordings(ids[r.linkedid], r)])
        return records

    def _recordings(self, call_id: int, record: CallRecord) -> list[dict[str, object]]:
        if not record.recording_base or record.disposition is Disposition.IN_PROGRESS:
            return []  # files still being written: measured once the call has ended
        rel = recording_relpath(record.recording_base, self.asterisk_root)
        if rel is None:
            return [{"call_id": call_id, "kind": "mix", "path": "", "size_bytes": None,
                     "duration_s": None, "sha256": None, "error": "path outside recording root"}]
        files = [(kind, f"{rel}{suffix}.wav", 0.0) for kind, suffix in RECORDING_KINDS.items()]
        if record.message:
            files.append(("message", f"{rel}-message.wav", 0.0))
        for party in record.parties:
            if party.answered_at is None or record.answered_at is None:
                continue  # b(): a leg is recorded from when it joined the call
            # The citizen's files run from the answer; the unit's from when it joined.
            offset = round((party.answered_at - record.answered_at).total_seconds(), 3)
            files += [(party.leg, f"{rel}-{party.leg}.wav", offset),
                      (f"{party.leg}-mix", f"{rel}-{party.leg}-mix.wav", offset)]
        out = []
        for kind, path, offset in files:
            facts = measure(self.recording_root / path)
            if facts.error == "missing" and record.answered_at is None and kind != "message":
                continue  # b(): nothing is recorded for a call never bridged to a seat
            error = self._cut(record, kind, facts, self.recording_root / path) or facts.error
            out.append({"call_id": call_id, "kind": kind, "path": path, "size_bytes": facts.size,
                        "duration_s": facts.duration, "sha256": facts.sha256,
                        "error": error, "offset_s": offset})
        return out

    def _cut(self, record: CallRecord, kind: str, facts: FileFacts, path: Path) -> str:
        talk = record.talk_s
        if kind not in RECORDING_KINDS or facts.size is None or not talk or \
                record.ended_at is None or (facts.duration or 0.0) >= talk - CUT_BY:
            return ""
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            return ""
        if free >= self.min_free:
            return ""
        log.error("recording of call %s cut by a full disk (%d bytes free)", record.linkedid,
                  free)
        if facts.duration is None:  # not even a whole header
            return f"disk full: nothing recorded of {talk:.1f} s"
        return f"disk full: cut at {facts.duration:.1f} s of {talk:.1f} s"

    def in_progress(self, limit: int = 10_000) -> dict[str, Trail]:
        """Trails of the calls stored while under way, to be held again at start."""
        with self.uow(read_only=True) as uow:
            repo = uow.calls
            ids = repo.in_progress_ids(limit)
            trails = repo.trails_of(list(ids.values()))
            return {lid: trails[cid] for lid, cid in ids.items() if cid in trails}

    def id_of(self, linkedid: str) -> int | None:
        with self.uow(read_only=True) as uow:
            return uow.calls.ids_of([linkedid]).get(linkedid)

    def exists(self, linkedid: str) -> bool:
        return self.id_of(linkedid) is not None

    def trail(self, linkedid: str) -> list[Event]:
        """The call's raw AMI events in arrival order, for audit; empty if no such call."""
        with self.uow(read_only=True) as uow:
            repo = uow.calls
            ids = repo.ids_of([linkedid])
            if linkedid not in ids:
                return []
            return list(repo.trails_of([ids[linkedid]])[ids[linkedid]].values())

    def reconcile(self, cel_text: str, since: datetime) -> Reconciliation:
        """Asterisk's CEL account from `since` on against the calls stored from then on
        (domain/reconcile.py). Raises CelError for a file not in our CEL shape."""
        rows = read_cel(cel_text)
        with self.uow(read_only=True) as uow:
            stored = uow.calls.linkedids_since(since)
        return reconcile(rows, stored, since.timestamp())

    def list(self, since: datetime | None = None, limit: int = 100) -> Sequence[CallRow]:
        with self.uow(read_only=True) as uow:
            return uow.calls.list(since, limit)
