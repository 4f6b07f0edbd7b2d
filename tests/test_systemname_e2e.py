"""A named Asterisk (asterisk.conf systemname), as each of several behind one proxy must be so
that no two give the same call id: a second sandbox instance named pbx2, with its own
controller, takes a call, a three-way call with a unit and the agent leaving. The call id
carries the name everywhere: the stored call, the conference (the dialplan's extension
pattern), the unit's leg and its recordings; Asterisk's CEL account agrees."""

from __future__ import annotations

import asyncio
import datetime as dt

import ports
import pytest
from call_support import finish, place_call, stored_calls, until
from conftest import wait_port_free
from sqlalchemy import select
from test_conference_e2e import UNIT, desk_calls, settled
from tickets_support import engine_of

from callcenter import sandbox, simulate
from callcenter.bootstrap import standalone_controller
from callcenter.config import Seat
from callcenter.domain.privacy import Role, Viewer
from callcenter.storage.tables import PartyRow, RecordingRow
from callcenter.storage.uow import UnitOfWork

pytestmark = pytest.mark.asterisk
LEADER = Viewer(Role.SUPERVISOR, "banzhang")
B = ports.BASE + 500  # the worker's spare ports (ports.py): a second Asterisk's own


@pytest.fixture
def pbx2(settings, asterisk, tmp_path):
    named = settings.with_overrides(
        asterisk_systemname="pbx2", ami_port=B + 38, sip_port=B + 60, agi_port=B + 73,
        rtp_start=B + 100, rtp_end=B + 499, trunk_sandbox_port=B + 70,
        trunk_sandbox_out_port=B + 79, sandbox_state_dir=tmp_path / "pbx2",
        seats=(Seat("8001", "一号席", B + 71), Seat("8002", "二号席", B + 72)))
    instance = sandbox.Instance(named.sandbox_state_dir)
    sandbox.prepare(named, instance)
    sandbox.start(named, instance)
    phones = [simulate.seat_phone(B + 71, ports.media(80)),
              simulate.seat_phone(B + 72, ports.media(81))]
    unit = simulate.seat_phone(B + 79, ports.media(82))
    try:
        yield named, instance, unit
    finally:
        for p in (*phones, unit):
            p.stop()
        sandbox.stop(instance)
        for port in (B + 71, B + 72, B + 79):
            wait_port_free(port)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_named_asterisk_keeps_its_name_in_every_id(pbx2, store_url):
    named, instance, unit = pbx2
    assert "pbx2" in instance.rx("core show settings")
    since = dt.datetime.now(dt.UTC)
    c = standalone_controller(named.with_overrides(store_url=store_url), grace=1.0)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 20)
        calls = desk_calls(c, named)
        call = place_call(named, "13800138091", hold_ms=22000)
        await until(lambda: c.control.by_seat, timeout=30)
        seat = str(next(iter(c.control.by_seat)))
        done = await settled(calls, calls.request(seat, "conference", UNIT.code, LEADER))
        assert done["state"] == "done", done
        assert simulate.dialled_numbers(unit) == ["02422221111"]  # through pbx2's own trunk
        await asyncio.sleep(3)
        left = await settled(calls, calls.request(seat, "leave", "", LEADER))
        assert left["state"] == "done", left
        await finish(call)
        (row,) = await stored_calls(c, 1)
        assert row.linkedid.startswith("pbx2-") and row.disposition == "answered"
        assert {g.role for g in row.legs} == {"citizen", "seat", "unit"}
        with UnitOfWork(engine_of(c.call_log.uow), read_only=True) as uow:
            (party,) = uow.session.scalars(select(PartyRow)).all()
            recs = {r.kind: r for r in uow.session.scalars(select(RecordingRow))}
        assert party.leg == "unit1" and party.outcome == "answered"
        assert set(recs) == {"mix", "citizen", "seat", "unit1", "unit1-mix"}
        assert all(not r.error and r.path.split("/")[-1].startswith(row.linkedid)
                   for r in recs.values()), {k: (r.path, r.error) for k, r in recs.items()}
        cel = (instance.merged / "var/log/asterisk/hotline-cel.csv").read_text()
        found = c.call_log.reconcile(cel, since)
        assert found.ok and found.citizen_calls == 1, found
    finally:
        await c.stop()
