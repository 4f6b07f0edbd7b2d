"""The transcriber: claims jobs, checks each recording against the SHA-256 stored with its
call, decodes it with Vosk and stores the speaker's utterances.

Its own process (`callcenter transcriber`), so the controller's loop
never waits on speech. One model per process, shared by its threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from callcenter.domain.topics import PAUSE_S, Topic, spot
from callcenter.search.cjk import segment
from callcenter.services.recording_files import sha256_file
from callcenter.services.transcription_queue import SPEAKERS, Job, Segment, TranscriptionQueue
from callcenter.speech.decode import (
    RATE,
    AudioError,
    Recognisers,
    Word,
    decode,
    decode_voiced,
    join_words,
    pcm_chunks,
)

log = logging.getLogger(__name__)


def utterances(words: Sequence[Word], speaker: str) -> list[Segment]:
    """Words grouped into utterances at pauses; text joined without spaces (Chinese is written
    so; the search column holds the segmented words)."""
    out: list[Segment] = []
    group: list[Word] = []

    def close() -> None:
        if group:
            text = join_words(w.text for w in group)
            out.append(Segment(speaker, group[0].start, group[-1].end, text, segment(text),
                               round(sum(w.conf for w in group) / len(group), 3)))
            group.clear()

    for w in words:
        if group and w.start - group[-1].end > PAUSE_S:
            close()
        group.append(w)
    close()
    return out


class Transcriber:
    def __init__(self, queue: TranscriptionQueue, model: Any, recording_root: Path,
                 topics: Sequence[Topic] = (), skip_silence: str = "off") -> None:
        self.queue = queue
        self.skip_silence = skip_silence  # webrtc | energy | off (speech/vad.py)
        self.topics = topics
        self.model = model
        self.kept = Recognisers(model, RATE)  # warm between jobs: half the decoding time
        self.root = recording_root
        self.audio_s = 0.0  # audio transcribed by this process, for its rate
        self._lock = threading.Lock()
        # (outcome, seconds from claim to outcome): the worker's metrics, when served
        self.observe: Callable[[str, float], None] | None = None

    def run_one(self) -> str | None:
        """Claim and handle one job; returns its outcome, or None when the queue is empty."""
        job = self.queue.claim()
        if job is None:
            return None
        began = time.perf_counter()
        outcome = self.handle(job)
        if self.observe is not None:
            self.observe(outcome, time.perf_counter() - began)
        log.info("recording %s (%s of call %s): %s", job.path, job.kind, job.call_id, outcome)
        return outcome

    def handle(self, job: Job) -> str:
        path = self.root / job.path
        if not path.resolve().is_relative_to(self.root.resolve()):
            self.queue.flag(job, "flagged", f"path outside the recordings folder: {job.path}")
            return "flagged"
        try:
            actual = sha256_file(path)
        except OSError as exc:
            self.queue.flag(job, "flagged", f"unreadable: {exc.strerror or exc}")
            return "flagged"
        if job.sha256 is None or actual != job.sha256:
            self.queue.flag(job, "flagged", f"SHA-256 mismatch: stored {job.sha256}, "
                                            f"file {actual}")
            return "flagged"
        with self._lease_kept(job):
            return self._transcribe(job, path)

    @contextmanager
    def _lease_kept(self, job: Job) -> Iterator[None]:
        """Renew the job's lease every third of it while we work, so a long recording is not
        taken over by another worker; a dead worker stops renewing and its job is retried."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.queue.lease.total_seconds() / 3):
                try:
                    if not self.queue.renew(job):
                        return
                except Exception:  # the store is away; finish() will tell, keep trying
                    log.warning("could not renew the lease of recording %s", job.recording_id,
                                exc_info=True)

        keeper = threading.Thread(target=renew, daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()

    def _transcribe(self, job: Job, path: Path) -> str:
        samples = [0]

        def counted() -> Iterator[bytes]:
            for chunk in pcm_chunks(path):
                samples[0] += len(chunk) // 2
                yield chunk

        try:
            words = decode(self.model, counted(), self.kept) if self.skip_silence == "off" \
                else decode_voiced(self.model, counted(), self.skip_silence, self.kept)
        except AudioError as exc:
            self.queue.flag(job, "flagged", f"not decodable audio: {exc}")
            return "flagged"
        except Exception as exc:  # Kaldi's errors come as bare exceptions; keep the reason
            log.exception("decoding recording %s failed", job.recording_id)
            self.queue.flag(job, "failed", f"decoding failed: {exc}")
            return "failed"
        if job.offset_s:
            # A unit's leg joined mid-call: its times are placed in the call's time.
            words = [replace(w, start=w.start + job.offset_s, end=w.end + job.offset_s)
                     for w in words]
        spots = spot([(w.text, w.start, w.end) for w in words], self.topics)
        done = self.queue.finish(job, utterances(words, SPEAKERS[job.kind]),
                                 samples[0] / RATE, spots)
        if not done:
            return "lease lost"
        with self._lock:
            self.audio_s += samples[0] / RATE
        return "done"
