"""The recordings' disk full under live calls, on the real sandbox: the calls go on and are
stored; the files cut short are stored as cut (never served as good); the controller's
/health fails naming the disk and its metrics show the room left."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from call_support import finish, place_call, stored_calls

from callcenter.controller_metrics import ControllerMetrics
from callcenter.services.call_log import RECORDING_KINDS

pytestmark = pytest.mark.asterisk


@pytest.fixture
def tiny_day_folder(settings, asterisk):
    """Today's recordings folder on a 256 KiB tmpfs, seen alike by the host and the chroot."""
    day = dt.datetime.now(settings.tz).strftime("%Y/%m/%d")
    host = settings.recording_root / day
    inside = asterisk.merged / settings.asterisk_recording_root.lstrip("/") / day
    host.mkdir(parents=True, exist_ok=True)
    uid, gid = asterisk.asterisk_uid_gid()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=256k,uid={uid},gid={gid},mode=0750",
                    "tmpfs", str(host)], check=True)
    try:
        subprocess.run(["mount", "--bind", str(host), str(inside)], check=True)
        yield host
        subprocess.run(["umount", str(inside)], check=True)
    finally:
        subprocess.run(["umount", str(host)], check=True)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_full_recordings_disk_cuts_files_not_calls(controller, seat_phones, settings,
                                                           tiny_day_folder):
    metrics = ControllerMetrics(controller)
    # Room for about 5 s of a call's three files; the second call finds none at all.
    await finish(place_call(settings, "13700137010", hold_ms=14000))
    await finish(place_call(settings, "13700137011", hold_ms=10000))
    rows = await stored_calls(controller, 2)
    assert len(rows) == 2
    for row in rows:
        assert row.disposition == "answered" and row.talk_s > 2  # the calls went on
        cut = {r.kind: r.error for r in row.recordings if r.kind in RECORDING_KINDS}
        assert set(cut) == set(RECORDING_KINDS)
        assert all(e.startswith("disk full: ") for e in cut.values()), cut
    first = {r.kind: r for r in rows[0].recordings}["mix"] if rows[0].caller_number == \
        "13700137010" else {r.kind: r for r in rows[1].recordings}["mix"]
    assert first.error.startswith("disk full: cut at ") and first.duration_s > 0.5
    ok, detail = await metrics.health()
    assert not ok and detail["recordings"] == "disk full: 0 MB free"
    assert metrics.recordings_free() < 64 << 10
    served = controller.call_log  # what the console serves: only recordings without an error
    assert all(r.error for row in served.list() for r in row.recordings
               if r.kind in RECORDING_KINDS)
