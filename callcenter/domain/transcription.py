"""What transcription works on and produces: a job per recorded leg, utterances with times.

Who speaks on which leg: MixMonitor's r() file holds what the citizen said, t() what the
seat said (and, in a three-way call, the unit: heard by the citizen); a unit's leg has its own
r() file, unit1, unit2 … (domain/calls.py names the recordings).
"""

from __future__ import annotations

from dataclasses import dataclass

# Recording kind -> who speaks on it. A call dials at most 9 parties (domain/calls.py).
SPEAKERS = {"citizen": "citizen", "seat": "agent", "message": "citizen",
            **{f"unit{n}": "unit" for n in range(1, 10)}}


@dataclass(frozen=True)
class Job:
    recording_id: int
    call_id: int
    path: str
    sha256: str | None
    kind: str
    offset_s: float = 0.0  # where the file starts in the call's recording time


@dataclass(frozen=True)
class Segment:
    speaker: str
    start_s: float
    end_s: float
    text: str
    words: str
    conf: float
