"""The transcriber on real audio and the real Korean model: integrity first, then words."""

import subprocess
from datetime import UTC, datetime

import pytest
from speech_support import add_call
from sqlalchemy import insert, select

from callcenter.domain.topics import Topic
from callcenter.services.recording_files import sha256_file
from callcenter.services.transcriber import Transcriber, utterances
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.speech.decode import Word, load_model
from callcenter.speech.model import find_model
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, RecordingRow
from callcenter.storage.transcript_tables import SegmentRow, TopicSpotRow, TranscriptionJobRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork
from callcenter.worker_metrics import TranscriberMetrics

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SPEECH = "난방이 안 됩니다. 수리를 요청합니다."


@pytest.fixture(scope="module")
def vosk_model():
    return load_model(find_model())


def _leg(root, name, text):
    """An Asterisk-like leg: 8 kHz mono WAV of Korean speech (espeak-ng)."""
    raw, path = root / f"{name}.raw.wav", root / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", str(path)], check=True)
    return path


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_recordings_are_checked_then_transcribed_by_speaker(store_url, tmp_path, vosk_model):
    engine = make_engine(store_url)
    migrate(engine)
    root = tmp_path / "recordings"
    root.mkdir()
    good = _leg(root, "1.1-in", SPEECH)
    tampered = _leg(root, "1.1-out", "안녕하세요")
    stored_sha = sha256_file(tampered)
    tampered.write_bytes(tampered.read_bytes()[:-800])  # changed after it was measured
    with UnitOfWork(engine) as uow:
        cid = uow.session.execute(insert(CallRow).values(
            linkedid="1.1", caller_number="138", dialled_number="12345", started_at=T0,
            fallback=False, hung_up_by="citizen", disposition="answered", disposition_reason="",
            answered_at=T0).returning(CallRow.id)).scalar_one()
        uow.session.execute(insert(RecordingRow), [
            {"call_id": cid, "kind": "citizen", "path": good.name, "size_bytes": 1,
             "duration_s": 1.0, "sha256": sha256_file(good), "error": ""},
            {"call_id": cid, "kind": "seat", "path": tampered.name, "size_bytes": 1,
             "duration_s": 1.0, "sha256": stored_sha, "error": ""}])
    queue = TranscriptionQueue(UnitsOfWork(engine), "w1")
    assert queue.enqueue_pending() == 2
    # Any syllable of the sentence: the model hears synthetic speech imperfectly.
    heard = Topic("heard", tuple(set(SPEECH.replace(" ", "").replace(".", ""))))
    worker = Transcriber(queue, vosk_model, root, [heard])
    metrics = TranscriberMetrics(worker)
    outcomes = sorted(o for o in iter(worker.run_one, None))
    assert outcomes == ["done", "flagged"]
    # The worker's /metrics counts what it did.
    figure = metrics.registry.get_sample_value
    assert figure("callcenter_transcriptions_total", {"outcome": "done"}) == 1.0
    assert figure("callcenter_transcriptions_total", {"outcome": "flagged"}) == 1.0
    assert figure("callcenter_transcription_seconds_count") == 2.0
    assert figure("callcenter_transcribed_audio_seconds") == worker.audio_s > 2.0
    with UnitOfWork(engine, read_only=True) as uow:
        segs = list(uow.session.scalars(select(SegmentRow)))
        spots = list(uow.session.scalars(select(TopicSpotRow)))
        flagged = uow.session.scalar(select(TranscriptionJobRow).where(
            TranscriptionJobRow.state == "flagged"))
        assert "SHA-256 mismatch" in flagged.error
        done = uow.session.scalar(select(TranscriptionJobRow).where(
            TranscriptionJobRow.state == "done"))
        assert 2.0 < done.audio_s < 6.0
    assert segs and {s.speaker for s in segs} == {"citizen"}
    assert all(0 <= s.start_s < s.end_s <= done.audio_s + 0.1 and s.text for s in segs)
    # Topic spots carry word times: each lies inside an utterance that contains its word.
    assert spots and {p.speaker for p in spots} == {"citizen"}
    for p in spots:
        assert any(g.start_s <= p.start_s < p.end_s <= g.end_s and p.word in g.text
                   for g in segs), p
    engine.dispose()


def test_words_become_utterances_at_pauses():
    words = [Word("供暖", 0.5, 0.9, 0.9), Word("不", 0.9, 1.0, 0.8), Word("热", 1.0, 1.3, 0.7),
             Word("漏水", 3.0, 3.4, 1.0)]
    first, second = utterances(words, "citizen")
    assert (first.text, first.start_s, first.end_s) == ("供暖不热", 0.5, 1.3)
    assert "供暖" in first.words.split() and first.conf == 0.8  # searchable by word
    assert (second.text, second.start_s) == ("漏水", 3.0)
    assert utterances([Word("수리", 0, 1, 1), Word("요청", 1.1, 2, 1)], "agent")[0].text == \
        "수리 요청"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_unreadable_escaping_and_undecodable_recordings_are_flagged_not_skipped(
        store_url, tmp_path, vosk_model):
    engine = make_engine(store_url)
    migrate(engine)
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    root = tmp_path / "recordings"
    root.mkdir()
    garbage = root / "garbage.wav"
    garbage.write_bytes(b"RIFF\0\0\0\0WAVEfmt " + bytes(range(256)) * 4)
    with UnitOfWork(engine) as uow:
        cid = add_call(uow.session, "1.1", T0, kinds=())
        uow.session.execute(insert(RecordingRow), [
            {"call_id": cid, "kind": "citizen", "path": "../outside.wav", "size_bytes": 1,
             "duration_s": 1.0, "sha256": "0" * 64, "error": ""},
            {"call_id": cid, "kind": "seat", "path": "gone.wav", "size_bytes": 1,
             "duration_s": 1.0, "sha256": "0" * 64, "error": ""}])
        other = add_call(uow.session, "1.2", T0, kinds=())
        uow.session.execute(insert(RecordingRow).values(
            call_id=other, kind="citizen", path=garbage.name, size_bytes=1, duration_s=1.0,
            sha256=sha256_file(garbage), error=""))  # intact, but was never audio
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    worker = Transcriber(queue, vosk_model, root)
    assert sorted(iter(worker.run_one, None)) == ["flagged"] * 3
    with UnitOfWork(engine, read_only=True) as uow:
        errors = sorted(uow.session.scalars(select(TranscriptionJobRow.error)))
    assert errors[0].startswith("not decodable audio: ")
    assert errors[1].startswith("path outside the recordings folder: ../outside.wav")
    assert errors[2].startswith("unreadable: No such file")
