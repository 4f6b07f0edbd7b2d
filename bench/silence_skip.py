"""Batch transcription with and without silence skipping (speech/vad.py), on the two legs of
made-up two-sided calls, in the same run.

    python3 bench/silence_skip.py [--calls 4] [--noise -55] [--threads 2] [--beam B]
                                  [--max-active N]

Each call alternates: the citizen says a sentence while the agent is silent, then the agent
answers while the citizen is silent, with pauses of 0.8-2 s; each leg is 8 kHz like
Asterisk's recordings (Korean espeak-ng speech: the model these machines can install), under
white noise at `--noise` dBFS (a phone line's hiss; 0: digital silence). Speed is call
seconds per wall second for both legs decoded on `--threads` threads sharing one model,
with a new recogniser per leg and with recognisers kept warm (as the transcriber decodes).
CER is characters that differ between the full and the skipped transcripts, over the full
one's; and each transcript's CER against what was said, and their difference. `--beam` and
`--max-active` narrow the search (the model's own: 10 and 3000). Beside them, the same CER
between two full decodings of a leg whose only difference is one more second of silence
before the speech: how much the model alone moves on this audio; and what a second of the
hiss alone costs to decode against a second of a citizen's leg (one thread each): the most
skipping it can save.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callcenter.speech import vad
from callcenter.speech.decode import (
    RATE,
    Recognisers,
    Word,
    decode,
    decode_voiced,
    load_model,
    to_pcm,
)
from callcenter.speech.model import find_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_transcription_e2e import cer

CITIZEN = ["난방이 안 됩니다. 수리를 요청합니다.", "물이 새고 있어요. 빨리 와 주세요.",
           "관리비가 너무 비쌉니다. 설명해 주세요.", "정전이 되었어요. 언제 복구됩니까?"]
AGENT = ["네, 말씀하세요.", "주소를 알려 주시겠어요?", "담당 부서에 전달하겠습니다.",
         "감사합니다. 좋은 하루 되세요."]


def speech(text: str, work: Path, cache: dict[str, np.ndarray]) -> np.ndarray:
    if text not in cache:
        wav = work / f"{len(cache)}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), text], check=True)
        phone = work / f"{len(cache)}-8k.wav"  # a phone line's band, as Asterisk records it
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", "8000", "-ac", "1",
                        str(phone)], check=True)
        pcm = to_pcm(phone)  # 16 kHz again, as the transcriber decodes it
        cache[text] = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return cache[text]


@dataclass
class Call:
    legs: tuple[bytes, bytes]  # the citizen's, the agent's
    said: tuple[str, str]  # on each leg, without spaces or punctuation
    seconds: float


def call(rng: random.Random, work: Path, cache: dict[str, np.ndarray], noise: float,
         lead: float = 1.0) -> Call:
    """The citizen's and the agent's legs of one call, what each said, and its length."""
    legs: list[list[np.ndarray]] = [[], []]
    said: list[str] = ["", ""]
    def both(citizen: np.ndarray, agent: np.ndarray) -> None:
        legs[0].append(citizen)
        legs[1].append(agent)
    both(np.zeros(int(lead * RATE)), np.zeros(int(lead * RATE)))
    for c, a in zip(rng.sample(CITIZEN, len(CITIZEN)), AGENT, strict=True):
        for text, who in ((a, 1), (c, 0)):
            audio = speech(text, work, cache)
            said[who] += re.sub(r"[\s.,?]", "", text)
            pause = np.zeros(int(rng.uniform(0.8, 2.0) * RATE))
            quiet = np.zeros(len(audio))
            both(*((audio, quiet) if who == 0 else (quiet, audio)))
            both(pause, pause)
    out = []
    for parts in legs:
        audio = np.concatenate(parts)
        if noise:
            audio = audio + np.random.default_rng(rng.randrange(1 << 30)).normal(
                0, 32768 * 10 ** (noise / 20), len(audio))
        out.append(np.clip(audio, -32768, 32767).astype("<i2").tobytes())
    return Call((out[0], out[1]), (said[0], said[1]), len(out[0]) / 2 / RATE)


def timed(run: Callable[[bytes], str], legs: list[bytes], threads: int) -> tuple[float, list[str]]:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        texts = list(pool.map(run, legs))
    return time.perf_counter() - start, texts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--noise", type=float, default=-55.0, help="dBFS of the hiss; 0: none")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beam", type=float)
    ap.add_argument("--max-active", type=int)
    args = ap.parse_args()
    search = {k: v for k, v in (("beam", args.beam), ("max_active", args.max_active))
              if v is not None}
    model = load_model(find_model(), **search)
    rng = random.Random(7)
    cache: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        made = [call(rng, Path(tmp), cache, args.noise) for _ in range(args.calls)]
        again = call(random.Random(7), Path(tmp), cache, args.noise, lead=2.0).legs[0]
    legs = [leg for c in made for leg in c.legs]
    said = [text for c in made for text in c.said]
    seconds = sum(c.seconds for c in made)
    voiced = [sum(len(b"".join(audio)) for _, audio in vad.spans(
        iter([leg]), vad.Gate(RATE, vad.detector("webrtc", RATE)))) / 2 / RATE for leg in legs]

    def text(words: list[Word]) -> str:
        return " ".join(w.text for w in words)

    def against_said(texts: list[str]) -> float:
        return sum(cer(s, t) * len(s) for s, t in zip(said, texts, strict=True)) \
            / sum(len(s) for s in said)

    print(f"{args.calls} calls, {seconds:.0f} s of call ({2 * seconds:.0f} s of legs), "
          f"noise {args.noise:g} dBFS, {args.threads} threads, search {search or 'as shipped'}"
          f"; the webrtc VAD keeps {sum(voiced) / (2 * seconds):.0%} of the legs")
    new_t, new = timed(lambda leg: text(decode(model, leg)), legs, args.threads)
    print(f"full decoding, a new recogniser per leg: {new_t:.1f} s, {seconds / new_t:.1f}x real"
          f" time per call; CER against what was said {against_said(new):.3f}")
    kept = Recognisers(model, RATE)  # as the transcriber decodes (each run has its own)
    full_t, full = timed(lambda leg: text(decode(model, leg, kept)), legs, args.threads)
    full_said = against_said(full)
    differ = sum(a != b for a, b in zip(new, full, strict=True))
    print(f"full decoding, recognisers kept: {full_t:.1f} s, {seconds / full_t:.1f}x real time "
          f"per call, {new_t / full_t:.2f}x faster, {differ} of {len(legs)} legs' words differ; "
          f"CER against what was said {full_said:.3f}")
    for method in ("webrtc", "energy"):
        own = Recognisers(model, RATE)

        def skipping(leg: bytes, method: str = method, own: Recognisers = own) -> str:
            return text(decode_voiced(model, leg, method, own))

        t, skipped = timed(skipping, legs, args.threads)
        diff = sum(cer(f, s) * len(f.replace(" ", "")) for f, s in zip(full, skipped,
                                                                       strict=True))
        total = sum(len(f.replace(" ", "")) for f in full)
        print(f"skipping silence ({method}): {t:.1f} s, {seconds / t:.1f}x real time per "
              f"call, {full_t / t:.2f}x faster; CER against full decoding {diff / total:.3f}"
              f", against what was said {against_said(skipped):.3f} "
              f"({against_said(skipped) - full_said:+.3f})")
    base = text(decode(model, made[0].legs[0]))
    moved = text(decode(model, again))
    print(f"the model alone: CER {cer(base, moved):.3f} between full decodings of one leg "
          f"with 1 s and 2 s of silence before the speech")
    leg = made[0].legs[0]
    level = 32768 * 10 ** (args.noise / 20) if args.noise else 0.0
    hiss = np.clip(np.random.default_rng(1).normal(0, level, len(leg) // 2), -32768, 32767
                   ).astype("<i2").tobytes()
    speed = {}
    for name, audio in (("a citizen's leg", leg), ("hiss alone", hiss)):
        start = time.perf_counter()
        decode(model, audio)
        speed[name] = len(audio) / 2 / RATE / (time.perf_counter() - start)
    print("one thread: " + ", ".join(f"{k} {v:.1f}x real time" for k, v in speed.items()))


if __name__ == "__main__":
    main()
