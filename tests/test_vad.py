"""Silence skipping (speech/vad.py) and the live decoder (speech/live.py): spans open a pad
before speech and close after a gap of silence, wherever the chunks fall; skipped silence
leaves every word at its time in the leg; the live decoder shows partial words, then closes
them as final ones."""

import itertools
import subprocess

import numpy as np
import pytest

from callcenter.speech import vad
from callcenter.speech.decode import (
    RATE,
    Recognisers,
    decode,
    decode_voiced,
    load_model,
    to_pcm,
)
from callcenter.speech.live import LiveDecoder
from callcenter.speech.model import find_model


def tone(seconds: float, rate: int, level: float = 8000.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    # A voice-like buzz (200 Hz and harmonics): WebRTC's VAD hears it as speech.
    buzz: np.ndarray = np.zeros(len(t))
    for k, f in enumerate((200, 400, 600), 1):
        buzz += np.sin(2 * np.pi * f * t) / k
    return level * buzz


def pcm(*parts: tuple[str, float], rate: int = 8000) -> bytes:
    out = [tone(s, rate) if kind == "voice" else np.zeros(int(s * rate)) for kind, s in parts]
    return np.concatenate(out).astype("<i2").tobytes()


@pytest.mark.parametrize("method", vad.METHODS)
@pytest.mark.parametrize("chunk", [160, 1000, 32000])
def test_spans_open_a_pad_before_speech_and_close_after_a_gap(method, chunk):
    audio = pcm(("silence", 2.0), ("voice", 1.5), ("silence", 0.5), ("voice", 1.0),
                ("silence", 3.0), ("voice", 0.6), ("silence", 0.3))
    gate = vad.Gate(8000, vad.detector(method, 8000), pad_s=0.3, gap_s=1.0)
    found = list(vad.spans(iter(audio[i:i + chunk] for i in range(0, len(audio), chunk)), gate))
    # A pause shorter than the gap stays inside its span; the last span ends with the leg.
    starts = [round(start, 2) for start, _ in found]
    assert starts == pytest.approx([1.7, 7.7], abs=0.07)
    seconds = [len(b"".join(a)) / 2 / 8000 for _, a in found]
    # WebRTC's VAD holds on for a few frames after speech.
    assert seconds[0] == pytest.approx(0.3 + 1.5 + 0.5 + 1.0 + 1.0, abs=0.15)
    assert seconds[1] == pytest.approx(0.3 + 0.6 + 0.3, abs=0.15)
    assert gate.voiced_s == pytest.approx(sum(seconds), abs=0.001)


def test_an_unknown_detector_is_named():
    with pytest.raises(ValueError, match="no voice detector 'loud'"):
        vad.detector("loud", 8000)


@pytest.fixture(scope="module")
def model():
    return load_model(find_model())


@pytest.fixture(scope="module")
def said(tmp_path_factory):
    wav = tmp_path_factory.mktemp("vad") / "said.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), "물이 새고 있어요. 빨리 와 주세요."],
                   check=True)
    return to_pcm(wav)  # 16 kHz


def test_skipped_silence_leaves_each_word_at_its_time_in_the_leg(model, said):
    quiet = bytes(int(RATE * 6.0) * 2)
    alone = decode_voiced(model, said)
    later = decode_voiced(model, quiet + said + quiet)
    assert alone and [w.text for w in later] == [w.text for w in alone]
    for a, b in zip(alone, later, strict=True):
        assert b.start == pytest.approx(a.start + 6.0, abs=0.05)
    # Speech begins where the full decoding has it begin. (The full decoding also hears
    # words in the digital silence after it; measured in bench/silence_skip.py.)
    full = decode(model, quiet + said + quiet)
    assert full[0].start == pytest.approx(later[0].start, abs=0.5)
    assert decode_voiced(model, quiet) == []  # nothing said, nothing decoded


def test_live_words_come_partial_then_final_and_a_shown_guess_is_always_closed(model, said):
    samples = to_8k(said)
    decoder = LiveDecoder(model, 8000)
    heard = [h for i in range(0, len(samples), 1600) for h in decoder.feed(samples[i:i + 1600])]
    heard += decoder.feed(bytes(16000))  # a second of silence: the utterance is over
    assert heard[0].final is False and heard[-1].final is True
    assert {h.n for h in heard} == {0}
    partials = [h for h in heard if not h.final]
    assert all(p.end_s <= q.end_s for p, q in itertools.pairwise(partials))
    assert decoder.finish() == []  # nothing left open
    # A guess the recogniser drops is still closed, empty, so no partial stays on a desk.
    decoder = LiveDecoder(model, 8000)
    shown = [h for i in range(0, 4000, 1600) for h in decoder.feed(samples[i:i + 1600])]
    closing = decoder.finish()
    if shown:
        assert closing and closing[-1].final and closing[-1].n == shown[-1].n


def test_streams_share_kept_recognisers_and_each_hears_its_own_times(model, said):
    samples = to_8k(said)

    def finals(decoder: LiveDecoder, lead_s: float) -> list[tuple[str, float, float]]:
        audio = bytes(int(8000 * lead_s) * 2) + samples + bytes(16000)
        heard = [h for i in range(0, len(audio), 1600) for h in decoder.feed(audio[i:i + 1600])]
        return [(h.text, h.start_s - lead_s, h.end_s - lead_s) for h in heard + decoder.finish()
                if h.final]

    # Leads on the VAD's 30 ms frames: the span holds the same samples (this model's words
    # move with a few milliseconds' shift of the audio).
    alone = finals(LiveDecoder(model, 8000), 1.2)
    kept = Recognisers(model, 8000)
    first = finals(LiveDecoder(model, 8000, kept=kept), 1.2)
    later = finals(LiveDecoder(model, 8000, kept=kept), 2.4)  # the same recogniser, warm
    assert len(kept._idle) == 1 and alone
    for got in (first, later):
        assert [t for t, _, _ in got] == [t for t, _, _ in alone]
        for (_, s1, e1), (_, s2, e2) in zip(got, alone, strict=True):
            assert s1 == pytest.approx(s2, abs=0.05) and e1 == pytest.approx(e2, abs=0.05)
    with pytest.raises(ValueError, match="16000 Hz given to a 8000 Hz stream"):
        LiveDecoder(model, 8000, kept=Recognisers(model, 16000))


def to_8k(pcm16k: bytes) -> bytes:
    return np.frombuffer(pcm16k, dtype="<i2")[::2].astype("<i2").tobytes()
