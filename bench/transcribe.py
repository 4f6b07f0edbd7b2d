"""Transcription speed in multiples of real time, raw Vosk against the whole pipeline, on the
same audio in the same run.

    python3 bench/transcribe.py [--legs 16] [--seconds 30] [--url postgresql://...]

Legs are Asterisk-like recordings (8 kHz mono WAV) of Korean espeak-ng speech, since the one
model these machines can install is Korean. "Raw" is Vosk alone on 16 kHz PCM already in
memory, words with times, nothing else: with a new recogniser per leg, and with recognisers
kept warm between legs (speech/decode.Recognisers; each thread's first leg is cold), with
the legs whose words differ from the new recogniser's. "Pipeline" is what
`callcenter transcriber` does per job (recognisers kept): claim from the store, SHA-256
check, ffmpeg/pydub conversion, decode, utterances, topic spotting, segments and word index
written, job closed. All run with 1 and 2 threads sharing one model. Overhead = pipeline
time / kept raw time - 1.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import vosk

from callcenter.config import PROJECT_ROOT
from callcenter.services.recording_files import sha256_file
from callcenter.services.rules import load_topics as read_toml
from callcenter.services.transcriber import Transcriber
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.speech.decode import RATE, Recognisers, decode, load_model, pcm_chunks
from callcenter.speech.model import find_model
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

SAID = ["난방이 안 됩니다. 수리를 요청합니다.", "물이 새고 있어요. 빨리 와 주세요.",
        "관리비가 너무 비쌉니다. 설명해 주세요.", "정전이 되었어요. 언제 복구됩니까?"]


def make_legs(work: Path, legs: int, seconds: float) -> list[Path]:
    voices = []
    for i, text in enumerate(SAID):
        raw = work / f"v{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        voices.append(raw)
    out = []
    for n in range(legs):
        # Speech with pauses, repeated to the length of a call (sox pads and repeats).
        first = voices[n % len(voices)]
        path = work / f"leg{n}.wav"
        subprocess.run(["sox", str(first), str(voices[(n + 1) % len(voices)]), "-r", "8000",
                        "-c", "1", str(path), "pad", "0", "1", "repeat", "20", "trim", "0",
                        str(seconds)], check=True)
        out.append(path)
    return out


def threads(n: int, work: Callable[[], None]) -> float:
    pool = [threading.Thread(target=work) for _ in range(n)]
    t = time.perf_counter()
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    return time.perf_counter() - t


def raw(model: vosk.Model, pcms: list[bytes], n: int, kept: Recognisers | None = None
        ) -> tuple[float, list[list[str]]]:
    """Seconds, and each leg's words."""
    todo = list(enumerate(pcms))
    words: list[list[str]] = [[] for _ in pcms]
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not todo:
                    return
                i, pcm = todo.pop()
            words[i] = [w.text for w in decode(model, pcm, kept)]

    return threads(n, work), words


def pipeline(url: str, root: Path, legs: list[Path], model: vosk.Model, n: int) -> float:
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with UnitOfWork(engine) as uow:
        s = uow.session
        for i, leg in enumerate(legs):
            call = CallRow(linkedid=f"{time.time_ns()}.{i}", caller_number="13800000000",
                           dialled_number="12345", started_at=now, answered_at=now,
                           fallback=False, hung_up_by="citizen", disposition="answered",
                           disposition_reason="")
            s.add(call)
            s.flush()
            s.add(RecordingRow(call_id=call.id, kind="citizen", path=leg.name,
                               size_bytes=leg.stat().st_size, duration_s=0.0,
                               sha256=sha256_file(leg), error=""))
    topics = read_toml(PROJECT_ROOT / "config" / "topics.toml")
    transcriber = Transcriber(TranscriptionQueue(UnitsOfWork(engine), "bench"), model, root, topics)
    queued = transcriber.queue.enqueue_pending()
    assert queued == len(legs), queued

    def work() -> None:
        while transcriber.run_one() is not None:
            pass

    elapsed = threads(n, work)
    assert set(transcriber.queue.counts()) == {"done"}, transcriber.queue.counts()
    engine.dispose()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--legs", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--url", help="store URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transcribe-"))
    try:
        legs = make_legs(work, args.legs, args.seconds)
        t = time.perf_counter()
        model = load_model(find_model())
        print(f"model loaded in {time.perf_counter() - t:.1f} s")
        pcms = [b"".join(pcm_chunks(p)) for p in legs]  # the conversion the pipeline uses
        audio_s = sum(len(p) for p in pcms) / 2 / RATE
        print(f"{len(legs)} legs, {audio_s:.0f} s of audio")
        url = args.url or f"sqlite:///{work / 'bench.db'}"
        raw(model, pcms[:2], 1)  # the model's files read into memory before anything is timed
        for n in (1, 2):
            new, words = raw(model, pcms, n)
            kept, same = raw(model, pcms, n, Recognisers(model, RATE))
            p = pipeline(url, work, legs, model, n)
            differ = sum(a != b for a, b in zip(words, same, strict=True))
            print(f"{n} thread(s): raw Vosk, a new recogniser per leg {audio_s / new:5.1f}x "
                  f"real time, recognisers kept {audio_s / kept:5.1f}x ({new / kept:.2f}x; "
                  f"{differ} of {len(pcms)} legs' words differ); pipeline {audio_s / p:5.1f}x,"
                  f" overhead {100 * (p / kept - 1):+.1f} %")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
