"""What transcription works on and produces: a job per recorded leg, utterances with times.

Who speaks on which leg: MixMonitor's r() file holds what the citizen said, t() what the
seat said (domain/calls.py names the recordings).
"""

from __future__ import annotations

from dataclasses import dataclass

SPEAKERS = {"citizen": "citizen", "seat": "agent"}  # recording kind -> who speaks on it


@dataclass(frozen=True)
class Job:
    recording_id: int
    call_id: int
    path: str
    sha256: str | None
    kind: str


@dataclass(frozen=True)
class Segment:
    speaker: str
    start_s: float
    end_s: float
    text: str
    words: str
    conf: float
