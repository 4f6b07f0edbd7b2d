"""Audio to words with Vosk: any file pydub/ffmpeg reads, as 16 kHz mono, decoded into words
with start/end times (seconds) and confidence.

Decoding is CPU work in C (Kaldi) that releases the GIL, so callers run it in threads that
share one loaded model (FACTS.md: two threads on one model ≈ 12× real time on two cores,
1 GB), never on an event loop.
"""

from __future__ import annotations

import bisect
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


def load_model(path: Path, **decoding: float) -> vosk.Model:
    """The model, made deterministic, and as quick to answer as asked.

    Kaldi dithers features with random noise unless a model's `conf/mfcc.conf` says
    `--dither=0`, and the published models do not: the same recording then gives different
    words from run to run (measured: a quarter of the characters). `decoding` overrides the
    model's own `conf/model.conf` options, named with underscores: live words ask for a
    smaller `frames_per_chunk` (the acoustic model is evaluated that many output frames at a
    time; Kaldi's default, 20, is 0.6 s of audio at the usual subsampling), so a word shows
    sooner; bench/silence_skip.py tries a narrower `beam` and `max_active`.
    A model whose files do not say so is loaded through a temporary copy of its `conf/` that
    adds it, beside links to the rest; Vosk reads everything while loading, so the copy is
    gone when this returns."""
    check(path)
    conf = path / "conf"
    extra: dict[str, str] = {}
    mfcc = conf / "mfcc.conf"
    if mfcc.is_file() and "--dither" not in mfcc.read_text():
        extra["mfcc.conf"] = "--dither=0"
    if decoding:
        extra["model.conf"] = "\n".join(f"--{name.replace('_', '-')}={value:g}"
                                         for name, value in decoding.items())
    try:
        if not extra:
            return vosk.Model(str(path))
        with tempfile.TemporaryDirectory(prefix="vosk-model-") as tmp:
            overlay = Path(tmp)
            for entry in path.iterdir():
                if entry.name != "conf":
                    (overlay / entry.name).symlink_to(entry.resolve())
            shutil.copytree(conf, overlay / "conf")
            for name, line in extra.items():
                with (overlay / "conf" / name).open("a") as f:
                    f.write(f"\n{line}\n")
            return vosk.Model(str(overlay))
    except Exception as exc:  # Vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"{path}: Vosk could not load the model: {exc}") from exc


def to_pcm(path: Path, rate: int = RATE) -> bytes:
    """Mono 16-bit little-endian samples of any audio file, at `rate` (16 kHz: what the
    transcriber decodes)."""
    with path.open("rb") as f:  # pydub leaves a file it opened itself unclosed
        audio = AudioSegment.from_file(f)
    return bytes(audio.set_channels(1).set_frame_rate(rate).set_sample_width(2).raw_data)


class AudioError(ValueError):
    """The file is not audio ffmpeg can read (truncated, wrong format, empty)."""


def pcm_chunks(path: Path) -> Iterator[bytes]:
    """16 kHz mono 16-bit samples of any audio file, half a second at a time, straight from
    ffmpeg: memory stays the same for a one-hour call as for a one-minute one."""
    proc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-ar", str(RATE), "-ac", "1",
         "-f", "s16le", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        while chunk := proc.stdout.read(_CHUNK):
            yield chunk
        # Error output is one line per problem at "-v error"; it cannot fill the pipe first.
        error = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0:
            raise AudioError(error.splitlines()[-1] if error else f"ffmpeg exit {proc.returncode}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def decode(model: vosk.Model, pcm: bytes | Iterable[bytes],
           kept: Recognisers | None = None) -> list[Word]:
    """Words of 16 kHz mono PCM (all at once or in chunks), open vocabulary, by a new
    recogniser or one `kept` warm between uses (faster; see `Recognisers`).

    (A runtime grammar is much faster, but the small Korean test model has no "[unk]" word,
    so every sound is forced onto some keyword; keyword spotting will match the transcript.)
    """
    words: list[Word] = []
    with (kept or Recognisers(model, RATE)).one() as rec:
        for chunk in _chunks(pcm):
            if rec.accept(chunk):
                words += rec.result()
        return words + rec.final()


def decode_voiced(model: vosk.Model, pcm: bytes | Iterable[bytes], method: str = "webrtc",
                  kept: Recognisers | None = None) -> list[Word]:
    """As `decode`, skipping the silence between spans of speech (speech/vad.py). One
    recogniser hears the spans one after another, so it adapts to the speaker as it does
    over the whole leg; each word is moved back to its time in the leg."""
    from callcenter.speech import vad

    gate = vad.Gate(RATE, vad.detector(method, RATE))
    fed = 0.0  # seconds fed to the recogniser
    starts: list[float] = []  # fed time at which each span began
    shifts: list[float] = []  # leg time minus fed time, within that span
    words: list[Word] = []

    def moved(found: list[Word]) -> list[Word]:
        out = []
        for w in found:
            shift = shifts[max(0, bisect.bisect_right(starts, w.start + 1e-6) - 1)]
            out.append(Word(w.text, round(w.start + shift, 3), round(w.end + shift, 3), w.conf))
        return out

    with (kept or Recognisers(model, RATE)).one() as rec:
        for chunk in _chunks(pcm):
            for piece in gate.push(chunk):
                if isinstance(piece, vad.Opened):
                    starts.append(fed)
                    shifts.append(piece.at_s - fed)
                elif isinstance(piece, vad.Audio):
                    fed += len(piece.samples) / 2 / RATE
                    if rec.accept(piece.samples):
                        words += moved(rec.result())
        return words + (moved(rec.final()) if starts else [])


class Recogniser:
    """One Vosk recogniser giving each word with its times, open vocabulary, for one use at
    a time (`Recognisers`): Vosk counts word times from the first sample the recogniser ever
    heard, so a use's times are moved back by what it heard in earlier uses."""

    def __init__(self, model: vosk.Model, rate: int) -> None:
        self.rec = vosk.KaldiRecognizer(model, rate)
        self.rec.SetWords(True)
        self.rate = rate
        self.before = 0  # samples heard in earlier uses
        self.fed = 0  # samples heard in this one
        self.open = False  # heard something since its final result

    def accept(self, samples: bytes) -> bool:
        """True when Vosk's own endpointing closed an utterance (`result` has its words)."""
        self.fed += len(samples) // 2
        self.open = True
        return bool(self.rec.AcceptWaveform(samples))

    def result(self) -> list[Word]:
        return self._words(self.rec.Result())

    def final(self) -> list[Word]:
        """The last words; the recogniser is then as good as new for another use."""
        self.open = False
        return self._words(self.rec.FinalResult())

    def partial(self) -> str:
        return str(json.loads(self.rec.PartialResult()).get("partial", ""))

    def _words(self, result: str) -> list[Word]:
        # Vosk prints times to 6 decimals: rounding there leaves a first use's times as given.
        back = self.before / self.rate
        return [Word(w.text, round(w.start - back, 6), round(w.end - back, 6), w.conf)
                for w in words_of(result)]


class Recognisers:
    """Recognisers of one model at one rate, kept between uses.

    A recogniser composes the model's decoding graph (HCLr with Gr, in the small models) as
    it decodes and caches what it composed. That composition is most of the decoding: perf
    puts OpenFst's compose and lookahead calls at the top, the acoustic model's matrix
    products at about 3 %. A new recogniser per leg or per utterance composes the same
    states again; a kept one is about twice as fast (bench/transcribe.py).

    The price: the composed states are numbered in the order they were first needed, and
    the search breaks ties between equal tokens by that order, so a kept recogniser may
    choose differently where two words score the same: the words then depend on what it
    decoded before (measured on the Korean model: 1 leg in 12 differs, CER 0.024, where one
    more second of silence moves it by 0.5). A new recogniser gives the same words for the
    same audio every time. A recogniser is kept only after its final result (nothing of a
    speaker carries over) and never after an error; no more are kept than were in use at
    once or were warmed (`warm`), each holding its cache (OpenFst bounds it: about 240 MB on
    the Korean model)."""

    def __init__(self, model: vosk.Model, rate: int) -> None:
        self.model, self.rate = model, rate
        self._idle: list[Recogniser] = []
        self._lock = threading.Lock()

    def take(self) -> Recogniser:
        with self._lock:
            if self._idle:
                return self._idle.pop()  # the last given back: the warmest
        return Recogniser(self.model, self.rate)

    def give(self, rec: Recogniser) -> None:
        """Back after its `final()`; one given back in the middle of an utterance is dropped."""
        if rec.open:
            return
        rec.before, rec.fed = rec.before + rec.fed, 0
        with self._lock:
            self._idle.append(rec)

    def warm(self, speech: bytes, count: int, stop: threading.Event | None = None) -> int:
        """`count` new recognisers, each made to decode `speech` (samples at this rate) and
        kept: a recogniser's first seconds cost it most (the composition starts empty), so a
        process that has just started pays them before its callers do. Stops early when
        `stop` is set; returns how many were warmed."""
        made = 0
        while made < count and not (stop is not None and stop.is_set()):
            rec = Recogniser(self.model, self.rate)
            rec.accept(speech)
            rec.final()
            self.give(rec)
            made += 1
        return made

    @contextmanager
    def one(self) -> Iterator[Recogniser]:
        """A recogniser for one whole use ending in `final()`; lost if the use fails."""
        rec = self.take()
        yield rec
        self.give(rec)


def _chunks(pcm: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return (pcm[i:i + _CHUNK] for i in range(0, len(pcm), _CHUNK)) \
        if isinstance(pcm, bytes) else pcm


def words_of(result: str) -> list[Word]:
    """The words of a Vosk result, less "[unk]" (a sound the model has no word for)."""
    return [Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in json.loads(result).get("result", []) if w["word"] != "[unk]"]


def join_words(parts: Iterable[str]) -> str:
    """Vosk's words as text. The Chinese models emit words without spaces between them;
    others (the Korean test model) are spaced languages: a space only between non-CJK words."""
    text = ""
    for p in parts:
        if text and not (_cjk(text[-1]) and _cjk(p[0])):
            text += " "
        text += p
    return text


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
