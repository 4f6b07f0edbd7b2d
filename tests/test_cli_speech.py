"""`callcenter transcribe` over a real store, real recordings and the real Korean model."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from speech_support import add_call
from sqlalchemy import insert, select

from callcenter import cli
from callcenter.config import PROJECT_ROOT, load_settings
from callcenter.services.recording_files import sha256_file
from callcenter.speech import model as model_mod
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import RecordingRow
from callcenter.storage.transcript_tables import SegmentRow
from callcenter.storage.uow import UnitOfWork


@pytest.fixture
def home(tmp_path, monkeypatch):
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    monkeypatch.delenv("CALLCENTER_DB_URL", raising=False)
    monkeypatch.delenv("CALLCENTER_RECORDINGS", raising=False)
    return tmp_path


def _stored_leg(settings, linkedid, path, sha256):
    """A stored answered call whose citizen leg is at `path` with this digest."""
    engine = make_engine(settings.store_url)
    migrate(engine)
    with UnitOfWork(engine) as uow:
        cid = add_call(uow.session, linkedid, datetime(2026, 3, 2, tzinfo=UTC), kinds=())
        uow.session.execute(insert(RecordingRow).values(
            call_id=cid, kind="citizen", path=path, size_bytes=1, duration_s=1.0,
            sha256=sha256, error=""))
    return engine


def test_transcribe_pending_then_a_call_again(home, capsys):
    cfg = home / "config" / "hotline.toml"
    settings = load_settings(cfg)
    leg = settings.recording_root / "2026/03/02/1.5-in.wav"
    leg.parent.mkdir(parents=True)
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(leg), "수리를 요청합니다"], check=True)
    engine = _stored_leg(settings, "1.5", "2026/03/02/1.5-in.wav", sha256_file(leg))
    assert cli.main(["--config", str(cfg), "transcribe", "--pending", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "queued 1" in out and "] 1/1 done" in out and "audio-h per hour" in out
    assert cli.main(["--config", str(cfg), "transcribe", "--pending"]) == 0
    assert "queued 0" in capsys.readouterr().out  # resumable: nothing is done twice
    assert cli.main(["--config", str(cfg), "transcribe", "--call", "1.5", "--threads", "1"]) == 0
    assert "] 1/1 done" in capsys.readouterr().out
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.session.scalars(select(SegmentRow.speaker)).all()  # stored once, again
    # Re-indexing everything since a date takes transcribed calls again; earlier ones stay.
    assert cli.main(["--config", str(cfg), "transcribe", "--since", "2026-03-01"]) == 0
    assert "queued 1" in capsys.readouterr().out
    assert cli.main(["--config", str(cfg), "transcribe", "--since", "2026-03-03"]) == 0
    assert "queued 0" in capsys.readouterr().out
    assert cli.main(["--config", str(cfg), "transcribe", "--call", "9.9"]) == 1
    engine.dispose()


def test_a_missing_model_is_a_clear_error(home, capsys, monkeypatch):
    monkeypatch.setattr(model_mod, "PACKAGES", ())
    monkeypatch.delenv("CALLCENTER_VOSK_MODEL", raising=False)
    cfg = home / "config" / "hotline.toml"
    assert cli.main(["--config", str(cfg), "transcriber", "--once"]) == 1
    assert "no Vosk model found" in capsys.readouterr().err


def test_flagged_recordings_are_listed_with_the_reason(home, capsys):
    cfg = home / "config" / "hotline.toml"
    settings = load_settings(cfg)
    leg = settings.recording_root / "1.7-in.wav"
    leg.parent.mkdir(parents=True)
    leg.write_bytes(b"RIFF....WAVE")
    engine = _stored_leg(settings, "1.7", "1.7-in.wav", "f" * 64)  # not the file's digest
    assert cli.main(["--config", str(cfg), "transcribe", "--problems"]) == 0
    assert cli.main(["--config", str(cfg), "transcribe", "--pending", "--threads", "1"]) == 0
    assert "] 1/1 flagged" in capsys.readouterr().out
    assert cli.main(["--config", str(cfg), "transcribe", "--problems"]) == 1
    out = capsys.readouterr().out
    assert "flagged call 1.7 citizen 1.7-in.wav: SHA-256 mismatch" in out
    assert "1 recording(s) need a look" in out
    engine.dispose()
