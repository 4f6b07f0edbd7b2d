"""Past one machine, on this one: two named Asterisks (pbx1, pbx2) behind Kamailio's
dispatcher, one controller following both AMIs and answering both dialplans' FastAGI, one
store. Citizens call the proxy; their calls alternate between the Asterisks, each is answered
by a seat of its Asterisk, recorded and stored once, and both Asterisks' CEL accounts agree
with the store."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from collections import Counter

import ports
import pytest
from call_support import finish, place_call, stored_calls
from conftest import wait_port_free

from callcenter import sandbox, simulate
from callcenter.bootstrap import standalone_controller
from callcenter.config import Seat
from callcenter.telephony.ami.pbxs import Pbxs
from callcenter.telephony.render import render_proxy

pytestmark = pytest.mark.asterisk
SPARE = ports.BASE + 500  # the worker's spare ports (ports.py): 500-999
AGI = SPARE + 473
PROXY = SPARE + 490


def _named(settings, name: str, base: int, tmp_path):
    return settings.with_overrides(
        asterisk_systemname=name, ami_port=base + 38, sip_port=base + 60, agi_port=AGI,
        rtp_start=base + 100, rtp_end=base + 199, trunk_sandbox_port=base + 70,
        trunk_sandbox_out_port=base + 79, sandbox_state_dir=tmp_path / name,
        seats=(Seat("8001", "一号席", base + 71), Seat("8002", "二号席", base + 72)))


@pytest.fixture
def two_behind_a_proxy(settings, asterisk, tmp_path):
    pbx1 = _named(settings, "pbx1", SPARE, tmp_path)
    pbx2 = _named(settings, "pbx2", SPARE + 250, tmp_path)
    instances, phones = [], []
    proxy = None
    try:
        for n, named in enumerate((pbx1, pbx2)):
            instance = sandbox.Instance(named.sandbox_state_dir)
            sandbox.prepare(named, instance)
            sandbox.start(named, instance)
            instances.append(instance)
            phones += [simulate.seat_phone(s.sandbox_port, ports.media(83 + 2 * n + i))
                       for i, s in enumerate(named.seats)]
        cfg = render_proxy(("127.0.0.1", PROXY), [("127.0.0.1", pbx1.sip_port),
                                                  ("127.0.0.1", pbx2.sip_port)],
                           tmp_path / "kamailio")
        with (cfg.parent / "kamailio.log").open("w") as log:
            proxy = subprocess.Popen(["kamailio", "-DD", "-E", "-f", str(cfg), "-Y",
                                      str(cfg.parent), "-P", str(cfg.parent / "kamailio.pid")],
                                     stdout=subprocess.DEVNULL, stderr=log)
        yield pbx1, pbx2, instances
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(10)
        for p in phones:
            p.stop()
        for instance in instances:
            sandbox.stop(instance)
        for named in (pbx1, pbx2):
            for seat in named.seats:
                wait_port_free(seat.sandbox_port)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
async def test_calls_through_the_proxy_spread_over_both_and_are_stored_once(
        two_behind_a_proxy, store_url):
    pbx1, pbx2, instances = two_behind_a_proxy
    since = dt.datetime.now(dt.UTC)
    following = pbx1.with_overrides(store_url=store_url,
                                    asterisk_peers=f"pbx2=127.0.0.1:{pbx2.ami_port}")
    c = standalone_controller(following, grace=1.0)
    assert isinstance(c.ami, Pbxs)
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 20)
        await asyncio.sleep(1.0)  # both queues take their seats
        via_proxy = pbx1.with_overrides(sip_port=PROXY)
        calls = [place_call(via_proxy, f"1380013810{i}", hold_ms=9000, routed=True)
                 for i in range(4)]
        await asyncio.gather(*(finish(call) for call in calls))
        rows = await stored_calls(c, 4, timeout=30)
        assert len(rows) == 4
        assert Counter(r.linkedid.split("-")[0] for r in rows) == {"pbx1": 2, "pbx2": 2}
        for row in rows:
            assert row.disposition == "answered" and row.talk_s > 1
            mix = {r.kind: r for r in row.recordings}["mix"]
            assert mix.sha256 and not mix.error and mix.path.split("/")[-1].startswith(
                row.linkedid)
        cel = "".join((i.merged / "var/log/asterisk/hotline-cel.csv").read_text()
                      for i in instances)
        found = c.call_log.reconcile(cel, since)
        assert found.ok and found.citizen_calls == 4, found
    finally:
        await c.stop()
