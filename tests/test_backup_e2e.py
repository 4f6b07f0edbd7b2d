"""Backup while a call is under way, and restore into an empty store and recording root, on
both stores (`callcenter backup take|restore|verify`, docs/operations.md): the calls and their
recordings come back with the same SHA-256s; a recording changed behind the store's back is
named, never passed off as good."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from call_support import finish, place_call, stored_calls
from process_support import rows_of

pytestmark = pytest.mark.asterisk


def _cli(home, url, *args, recordings=None):
    env = {**os.environ, "CALLCENTER_DB_URL": url, "CALLCENTER_HOME": str(home)}
    if recordings is not None:
        env["CALLCENTER_RECORDINGS"] = str(recordings)
    return subprocess.run([sys.executable, "-m", "callcenter", "--config",
                           str(home / "config" / "hotline.toml"), "backup", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def _empty_store(url: str, tmp_path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'calls.db'}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE restored_{os.getpid()}")
    return f"{server}/restored_{os.getpid()}"


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
async def test_a_backup_taken_mid_call_restores_every_call_and_recording(
        controller, seat_phones, settings, sandbox_home, tmp_path):
    url = controller.call_log.uow.engine.url.render_as_string(False).replace("+psycopg", "")
    await finish(place_call(settings, "13900139000", hold_ms=9000))
    await finish(place_call(settings, "13900139001", hold_ms=9000))
    stored = await stored_calls(controller, 2)
    live = place_call(settings, "13900139002", hold_ms=14000)
    await stored_calls(controller, 3, timeout=12)  # its checkpoint: answered, under way
    backup = tmp_path / "backup"
    taken = _cli(sandbox_home, url, "take", str(backup))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert taken.stdout.startswith(f"backed up into {backup}: 6 recordings"), taken.stdout
    await finish(live)  # the line went on meanwhile

    restored_url = _empty_store(url, tmp_path)
    root = tmp_path / "restored-recordings"
    back = _cli(sandbox_home, restored_url, "restore", str(backup), recordings=root)
    assert back.returncode == 0, back.stdout + back.stderr
    assert "restored from" in back.stdout and ": 6 recordings" in back.stdout
    rows = {r.linkedid: r for r in rows_of(restored_url)}
    for row in stored:
        again = rows[row.linkedid]
        assert (again.disposition, again.talk_s) == (row.disposition, row.talk_s)
        assert {(r.kind, r.sha256) for r in again.recordings} == \
            {(r.kind, r.sha256) for r in row.recordings}
    verified = _cli(sandbox_home, restored_url, "verify", recordings=root)
    assert verified.returncode == 0 and verified.stdout.startswith("verified: 6 recordings")

    # A restore never overwrites a store, and a changed file is named.
    again = _cli(sandbox_home, restored_url, "restore", str(backup), recordings=root)
    assert again.returncode == 2 and "restore into a new" in again.stderr
    some = next(p for p in root.rglob("*.wav"))
    some.write_bytes(some.read_bytes()[:-100] + b"\1" * 100)
    verified = _cli(sandbox_home, restored_url, "verify", recordings=root)
    assert verified.returncode == 1 and "changed since it was stored" in verified.stdout
    assert "13900139" not in verified.stdout + taken.stdout + back.stdout
