"""Audio to words with Vosk: any file pydub/ffmpeg reads, as 16 kHz mono, decoded into words
with start/end times (seconds) and confidence.

Decoding is CPU work in C (Kaldi) that releases the GIL, so callers run it in threads that
share one loaded model (FACTS.md: two threads on one model ≈ 12× real time on two cores,
1 GB), never on an event loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import vosk
from pydub import AudioSegment

from callcenter.speech.model import ModelError, check

RATE = 16000
_CHUNK = RATE * 2 // 2  # half a second of 16-bit samples per AcceptWaveform

vosk.SetLogLevel(-1)


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    conf: float


def load_model(path: Path) -> vosk.Model:
    check(path)
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # Vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"{path}: Vosk could not load the model: {exc}") from exc


def to_pcm(path: Path) -> bytes:
    """16 kHz mono 16-bit little-endian samples of any audio file."""
    audio = AudioSegment.from_file(str(path))
    return bytes(audio.set_channels(1).set_frame_rate(RATE).set_sample_width(2).raw_data)


def decode(model: vosk.Model, pcm: bytes) -> list[Word]:
    """Words of 16 kHz mono PCM, open vocabulary.

    (A runtime grammar is much faster, but the small Korean test model has no "[unk]" word,
    so every sound is forced onto some keyword; keyword spotting will match the transcript.)
    """
    rec = vosk.KaldiRecognizer(model, RATE)
    rec.SetWords(True)
    words: list[Word] = []
    for i in range(0, len(pcm), _CHUNK):
        if rec.AcceptWaveform(pcm[i:i + _CHUNK]):
            words += _words(rec.Result())
    words += _words(rec.FinalResult())
    return [w for w in words if w.text != "[unk]"]


def _words(result: str) -> list[Word]:
    return [Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in json.loads(result).get("result", [])]
