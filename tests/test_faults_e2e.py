"""Faults under SIPp traffic on the real sandbox: Asterisk restarted mid-call, the controller
killed (-9) while it places a callback. After each, Asterisk's own CEL account and the store
agree (`callcenter reconcile`: no call missing, split or unknown). The store away for 30 s is
tests/test_store_outage_e2e.py; kill -9 and SIGTERM around a call's end are
tests/test_controller_stop.py; an AMI drop is tests/test_call_e2e.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from process_support import Proc, reconcile, rows_of, until_rows

from callcenter import sandbox, simulate
from callcenter.bootstrap import build
from callcenter.domain.privacy import Role, Viewer

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")


def _url_of(controller) -> str:
    return str(controller.call_log.uow.engine.url.render_as_string(False))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_asterisk_restarted_mid_call_the_call_is_stored_once_and_the_line_goes_on(
        controller, seat_phones, settings, asterisk, sandbox_home):
    since = dt.datetime.now(dt.UTC).isoformat()
    cut = place_call(settings, "13700137000", hold_ms=20000)
    await until(lambda: controller.line.snapshot()["talking"] == 1, timeout=20)
    logins = controller.ami.logins
    restarted = time.monotonic()
    await asyncio.to_thread(sandbox.stop, asterisk)
    await asyncio.to_thread(sandbox.prepare, settings, asterisk)
    await asyncio.to_thread(sandbox.start, settings, asterisk)
    await until(lambda: controller.ami.logins > logins, timeout=15)
    resynced_s = time.monotonic() - restarted
    await asyncio.to_thread(cut.wait, 30)  # the citizen's phone saw the line go away
    # The next citizen is answered and stored as usual.
    await finish(place_call(settings, "13700137001", hold_ms=9000))
    rows = await stored_calls(controller, 2, timeout=30)
    by_caller = {r.caller_number: r for r in rows}
    assert sorted(by_caller) == ["13700137000", "13700137001"] and len(rows) == 2
    cut_row, next_row = by_caller["13700137000"], by_caller["13700137001"]
    assert cut_row.answered_at is not None and cut_row.disposition != "in_progress"
    assert next_row.disposition == "answered" and next_row.talk_s > 1
    assert resynced_s < 15
    found = reconcile(sandbox_home, _url_of(controller), since)
    assert found["ok"], found


async def test_a_controller_killed_while_placing_a_callback_never_rings_the_citizen_twice(
        sandbox_home, settings, asterisk, seat_phones, tmp_path):
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    since = dt.datetime.now(dt.UTC).isoformat()
    citizen = "13700137002"
    phone = simulate.talking_phone(settings.trunk_sandbox_out_port, ports.media(31))
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    hotline = build(settings.with_overrides(store_url=url))
    try:
        await finish(place_call(settings, citizen, hold_ms=1500))  # hung up in the greeting
        (row,) = await until_rows(url, lambda rows: len(rows) == 1 and rows[0].ended_at)
        callbacks = hotline.callbacks()
        asked = callbacks.request(row.linkedid, "8001", LEADER)
        await until(lambda: simulate.dialled_numbers(phone), timeout=20)
        proc.kill()  # the callback is under way; its controller is gone
        started = time.monotonic()
        proc = Proc(sandbox_home, url, log)
        assert time.monotonic() - started < 10  # logged in and resynced
        await until(lambda: callbacks.get(asked["id"], LEADER)["state"] != "placing",
                    timeout=10)
        # Told, not retried: the agent is talking to the citizen, and the policy never takes
        # a missed call that was asked for.
        after = callbacks.get(asked["id"], LEADER)
        assert after["state"] == "failed" and "line.restarted" in after["detail"]
        assert callbacks.place_due() == []
        await asyncio.sleep(3)  # a second placing would have rung by now
        asterisk.rx("channel request hangup all")
        assert simulate.dialled_numbers(phone) == [citizen]
        await until_rows(url, lambda rows: all(r.ended_at for r in rows), timeout=20)
        assert proc.term() == 0
        assert len(rows_of(url)) == 1
        found = reconcile(sandbox_home, url, since)
        assert found["ok"], found
    finally:
        phone.stop()
        hotline.close()
        wait_port_free(settings.trunk_sandbox_out_port)
