"""Two `callcenter transcriber` processes share 20 recordings in PostgreSQL; one is killed
while it holds a job. Every recording is transcribed exactly once and nothing is lost."""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from speech_support import add_call
from sqlalchemy import func, select

from callcenter.services.recording_files import sha256_file
from callcenter.services.transcription_queue import TranscriptionQueue
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import RecordingRow
from callcenter.storage.transcript_tables import SegmentRow, TranscriptionJobRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SAID = ["난방이 안 됩니다. 수리를 요청합니다.", "물이 새고 있어요. 빨리 와 주세요.",
        "관리비가 너무 비쌉니다.", "정전이 되었어요. 언제 복구됩니까?"]
LEASE_S = 4


def _worker(store_url, root, log, *command):
    env = os.environ | {"CALLCENTER_DB_URL": store_url, "CALLCENTER_RECORDINGS": str(root)}
    command = command or ("transcriber", "--once", "--threads", "1", "--lease", str(LEASE_S))
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "callcenter", *command], env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _jobs(engine):
    with UnitOfWork(engine, read_only=True) as uow:
        return list(uow.session.scalars(select(TranscriptionJobRow)))


def _recordings(engine, tmp_path, calls):
    """`calls` calls, each with a citizen and a seat leg of Korean speech (8 kHz WAV)."""
    root = tmp_path / "recordings"
    root.mkdir()
    voices = []
    for i, text in enumerate(SAID):
        raw, wav = tmp_path / f"{i}.raw.wav", tmp_path / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", str(wav)], check=True)
        voices.append(wav)
    with UnitOfWork(engine) as uow:
        for n in range(calls):
            cid = add_call(uow.session, f"1.{n}", T0, kinds=())
            for kind in ("citizen", "seat"):
                path = root / f"1.{n}-{kind}.wav"
                shutil.copy(voices[(n + len(kind)) % len(voices)], path)
                uow.session.add(RecordingRow(call_id=cid, kind=kind, path=path.name,
                                             size_bytes=path.stat().st_size, duration_s=3.0,
                                             sha256=sha256_file(path), error=""))
    return root


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_processes_transcribe_each_recording_once_and_survive_a_kill(store_url, tmp_path):
    engine = make_engine(store_url)
    migrate(engine)
    root = _recordings(engine, tmp_path, 10)
    assert TranscriptionQueue(UnitsOfWork(engine), "setup").enqueue_pending() == 20

    logs = [tmp_path / f"worker{i}.log" for i in (0, 1)]
    victim, survivor = (_worker(store_url, root, log) for log in logs)
    try:
        # Kill the victim once it has finished a job and holds another.
        held = None
        deadline = time.monotonic() + 120
        while held is None and time.monotonic() < deadline:
            mine = [j for j in _jobs(engine) if f":{victim.pid}:" in j.worker]
            if any(j.state == "done" for j in mine):
                held = next((j for j in mine if j.state == "running"), None)
            if held is None:
                time.sleep(0.05)
        assert held is not None, "the victim never held a job"
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL
        assert survivor.wait(180) == 0
    finally:
        for p in (victim, survivor):
            if p.poll() is None:
                p.kill()
    assert "finished" in logs[1].read_text()

    jobs = {j.recording_id: j for j in _jobs(engine)}
    assert len(jobs) == 20 and {j.state for j in jobs.values()} == {"done"}
    retried = jobs[held.recording_id]
    assert retried.attempts == 2 and f":{survivor.pid}:" in retried.worker
    workers = {j.worker.split(":")[1] for j in jobs.values()}
    assert workers == {str(victim.pid), str(survivor.pid)}  # both did work
    with UnitOfWork(engine, read_only=True) as uow:
        s = uow.session
        per_recording = dict(s.execute(select(SegmentRow.recording_id, func.count())
                                       .group_by(SegmentRow.recording_id)).all())
        doubled = s.execute(select(SegmentRow.recording_id, SegmentRow.start_s, func.count())
                            .group_by(SegmentRow.recording_id, SegmentRow.start_s)
                            .having(func.count() > 1)).all()
    assert set(per_recording) == set(jobs)  # every recording has its transcript …
    assert doubled == []                     # … written once
    engine.dispose()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_an_interrupted_backlog_gives_its_jobs_back_and_resumes(store_url, tmp_path):
    engine = make_engine(store_url)
    migrate(engine)
    root = _recordings(engine, tmp_path, 3)
    log = tmp_path / "transcribe.log"
    run = _worker(store_url, root, log, "transcribe", "--pending", "--threads", "1")
    try:
        deadline = time.monotonic() + 60
        while not any(j.state == "running" for j in _jobs(engine)):
            assert time.monotonic() < deadline and run.poll() is None, log.read_text()
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)  # what systemd or Ctrl-C does
        assert run.wait(30) == 130
    finally:
        if run.poll() is None:
            run.kill()
    assert "job(s) given back to the queue" in log.read_text()
    jobs = _jobs(engine)
    assert "running" not in {j.state for j in jobs}
    assert all(j.attempts == 0 for j in jobs if j.state == "queued")
    # Run again: no waiting for a lease, nothing done twice.
    again = _worker(store_url, root, log, "transcribe", "--pending", "--threads", "1")
    assert again.wait(120) == 0, log.read_text()
    assert "queued 0" in log.read_text() and "waiting" not in log.read_text()
    assert {j.state for j in _jobs(engine)} == {"done"}
    engine.dispose()
