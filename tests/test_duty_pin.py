"""Forcing day or night from a seat's phone (*88) with a supervisor's PIN: the PINs, and the
real sandbox with SIPp keying it."""

from __future__ import annotations

import asyncio
import stat

import ports
import pytest
from call_support import stored_calls

from callcenter import secret_files, simulate
from callcenter.bootstrap import build, standalone_controller
from callcenter.domain.privacy import Role, Viewer
from callcenter.services import duty_pins


def test_pins_are_made_once_stored_hashed_and_replaced(tmp_path):
    path = tmp_path / "duty-pins.toml"
    pin = duty_pins.set_pin(path, "banzhang")
    assert len(pin) == 6 and pin.isdigit()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and pin not in path.read_text()
    assert duty_pins.supervisor_of(path, pin) == "banzhang"
    assert duty_pins.supervisor_of(path, "000000" if pin != "000000" else "111111") is None
    other = duty_pins.set_pin(path, "zuzhang")
    assert duty_pins.supervisor_of(path, other) == "zuzhang"
    new = duty_pins.set_pin(path, "banzhang")
    assert duty_pins.supervisor_of(path, new) == "banzhang"
    if new != pin:
        assert duty_pins.supervisor_of(path, pin) is None  # the old PIN stops at once
    with pytest.raises(secret_files.SecretError):
        duty_pins.set_pin(path, "bad id\n")
    path.chmod(0o644)
    with pytest.raises(secret_files.SecretError, match="readable by others"):
        duty_pins.supervisor_of(path, new)


@pytest.mark.asterisk
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_supervisor_forces_night_from_a_seat_phone(settings, asterisk, store_url,
                                                           tmp_path):
    pins = tmp_path / "duty-pins.toml"
    pin = duty_pins.set_pin(pins, "banzhang")
    changed = settings.with_overrides(store_url=store_url, duty_pins_file=pins)
    c = standalone_controller(changed, grace=1.0)
    hotline = build(changed)
    seat = settings.seats[0]
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        keys = [("9", 1500), ("9", 300), ("#", 300)]  # a wrong PIN first
        keys += [(d, 1500 if i == 0 else 300) for i, d in enumerate(pin)]
        keys += [("#", 300), ("2", 1500)]              # then the PIN, then 2: night
        phone = simulate.call("*88", settings.sip_port, seat.sandbox_port, ports.media(50), seat.id,
                              hold_ms=16000, keys=keys, timeout_s=60)
        # The line says "done" and hangs up before this phone would: SIPp reports that BYE.
        await asyncio.to_thread(phone.wait, 60)
        assert "unexpected BYE" in phone.errors() or phone.proc.returncode == 0
        shown = hotline.duty().show(Viewer(Role.AGENT, "zhang"))
        assert (shown["mode"], shown["line"], shown["forced_by"]) == (
            "night", "night", "supervisor:banzhang")
        # The call itself is on record with what it did.
        (row,) = await stored_calls(c, 1)
        trail = c.call_log.trail(row.linkedid)
        assert [e["Result"] for e in trail if e.get("Fact") == "duty_change"] == ["night"]
    finally:
        hotline.duty().force("auto", Viewer(Role.SUPERVISOR, "test"))
        hotline.close()
        await c.stop()
