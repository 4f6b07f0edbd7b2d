"""Which parts of a leg are speech: the recogniser is fed those, not the silence between.

One side of a call is silent while the other speaks, so about half of each leg is silence
that costs the recogniser as much as speech. A `Gate` takes samples in any chunks and cuts
them into spans of speech: each opens `pad_s` before the first voiced frame and closes once
`gap_s` of silence has followed the last one. Two detectors: WebRTC's VAD (a GMM over the
spectrum, `webrtcvad-wheels`), and plain frame energy against a fixed floor, for comparison
(bench/silence_skip.py measures both).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import webrtcvad

FRAME_MS = 30  # WebRTC's VAD takes 10, 20 or 30 ms frames
PAD_S = 0.3
GAP_S = 1.0  # batch: a pause inside a sentence stays in its span
ENERGY_FLOOR_DBFS = -45.0
METHODS = ("webrtc", "energy")

Detector = Callable[[bytes], bool]


def detector(method: str, rate: int, aggressiveness: int = 2) -> Detector:
    """Whether one frame (16-bit mono at `rate`) is speech."""
    if method == "webrtc":
        vad = webrtcvad.Vad(aggressiveness)
        return lambda frame: bool(vad.is_speech(frame, rate))
    if method == "energy":
        floor = 32768.0 * 10 ** (ENERGY_FLOOR_DBFS / 20)

        def loud(frame: bytes) -> bool:
            samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
            return bool(np.sqrt(np.mean(samples * samples)) > floor)
        return loud
    raise ValueError(f"no voice detector {method!r} (one of {', '.join(METHODS)})")


@dataclass(frozen=True)
class Opened:
    at_s: float  # where the span begins in the leg


@dataclass(frozen=True)
class Audio:
    samples: bytes


@dataclass(frozen=True)
class Closed:
    at_s: float


Piece = Opened | Audio | Closed


class Gate:
    def __init__(self, rate: int, is_speech: Detector, pad_s: float = PAD_S,
                 gap_s: float = GAP_S) -> None:
        self.frame_bytes = rate * FRAME_MS // 1000 * 2
        self.frame_s = FRAME_MS / 1000
        self.is_speech = is_speech
        self.gap_frames = max(1, round(gap_s / self.frame_s))
        self._before: deque[bytes] = deque(maxlen=max(0, round(pad_s / self.frame_s)))
        self._rest = b""
        self._frames = 0  # frames looked at
        self._open = False
        self._silent = 0  # frames of silence since the span's last voiced one
        self.voiced_s = 0.0  # audio let through (spans with their pads)

    def push(self, samples: bytes) -> list[Piece]:
        data = self._rest + samples
        whole = len(data) - len(data) % self.frame_bytes
        self._rest = data[whole:]
        out: list[Piece] = []
        through: list[bytes] = []

        def let_through() -> None:
            if through:
                out.append(Audio(b"".join(through)))
                self.voiced_s += len(through) * self.frame_s
                through.clear()

        for i in range(0, whole, self.frame_bytes):
            frame = data[i:i + self.frame_bytes]
            speech = self.is_speech(frame)
            if not self._open:
                if speech:
                    self._open, self._silent = True, 0
                    out.append(Opened((self._frames - len(self._before)) * self.frame_s))
                    through += self._before
                    through.append(frame)
                    self._before.clear()
                else:
                    self._before.append(frame)
            else:
                through.append(frame)
                self._silent = 0 if speech else self._silent + 1
                if self._silent >= self.gap_frames:
                    let_through()
                    out.append(Closed((self._frames + 1) * self.frame_s))
                    self._open = False
            self._frames += 1
        let_through()
        return out

    def end(self) -> list[Piece]:
        """The span under way closed (the leg is over)."""
        if not self._open:
            return []
        self._open = False
        return [Closed(self._frames * self.frame_s)]


def spans(chunks: Iterator[bytes], gate: Gate) -> Iterator[tuple[float, list[bytes]]]:
    """(start, the span's samples) of each span of speech in a whole leg."""
    start, audio = 0.0, list[bytes]()
    for chunk in chunks:
        for piece in gate.push(chunk):
            if isinstance(piece, Opened):
                start, audio = piece.at_s, []
            elif isinstance(piece, Audio):
                audio.append(piece.samples)
            else:
                yield start, audio
    for _ in gate.end():
        yield start, audio
