"""Several Asterisks as one AMI port (telephony/ami/pbxs.py): queue actions to every one, a
call's actions to its own, a channel name up on two refused. Stand-in clients (the routing is
the rule under test); the real two-Asterisk line is tests/test_scale_out_e2e.py."""

import asyncio

import pytest

from callcenter.telephony.ami import actions
from callcenter.telephony.ami.client import AmiDisconnected, AmiError, Reply
from callcenter.telephony.ami.pbxs import Pbxs


class Client:
    def __init__(self, up: bool = True):
        self.events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.connected = asyncio.Event()
        if up:
            self.connected.set()
        self.snapshot: list[dict[str, str]] = []
        self.logins = 1
        self.on_login = None
        self.sent: list[str] = []

    async def send(self, action, timeout=10.0):
        self.sent.append(action.name)
        return Reply({"Response": "Success"})

    async def run(self):
        await asyncio.Event().wait()

    async def stop(self):
        pass


async def _pbxs(**clients):
    pbxs = Pbxs(clients)
    task = asyncio.create_task(pbxs.run())
    return pbxs, task


async def _seen(pbxs, client, event, channel, uid):
    client.events.put_nowait({"Event": event, "Channel": channel, "Uniqueid": uid})
    got = await asyncio.wait_for(pbxs.events.get(), 1)
    assert got["Channel"] == channel  # one stream for the controller


async def test_queue_actions_go_to_every_asterisk_that_is_up():
    one, two, down = Client(), Client(), Client(up=False)
    pbxs, task = await _pbxs(pbx1=one, pbx2=two, pbx3=down)
    try:
        reply = await pbxs.send(actions.queue_add("hotline", "PJSIP/seat8001", "8001"))
        assert reply.ok and one.sent == two.sent == ["QueueAdd"] and down.sent == []
        assert not pbxs.connected.is_set()  # health: every Asterisk must be logged in
    finally:
        task.cancel()


async def test_a_call_s_actions_go_to_its_asterisk_and_an_ambiguous_channel_is_refused():
    one, two = Client(), Client()
    pbxs, task = await _pbxs(pbx1=one, pbx2=two)
    try:
        unit = actions.originate("PJSIP/02422221111@pstn", "hotline-conf-unit", "x",
                                 channel_id="pbx2-1795461234.17-unit1")
        await pbxs.send(unit)
        assert two.sent == ["Originate"] and one.sent == []
        stray = actions.originate("PJSIP/1@pstn", "hotline-conf-unit", "x",
                                  channel_id="pbx9-1795461234.17-unit1")
        with pytest.raises(AmiError, match="pbx9"):
            await pbxs.send(stray)
        await _seen(pbxs, one, "Newchannel", "PJSIP/citizens-00000001", "pbx1-1.1")
        hang = actions.hangup("PJSIP/citizens-00000001")
        await pbxs.send(hang)
        assert one.sent == ["Hangup"]
        await _seen(pbxs, two, "Newchannel", "PJSIP/citizens-00000001", "pbx2-2.1")
        with pytest.raises(AmiError, match="2 Asterisks"):  # never a guess
            await pbxs.send(hang)
        await _seen(pbxs, two, "Hangup", "PJSIP/citizens-00000001", "pbx2-2.1")
        await pbxs.send(hang)
        assert one.sent == ["Hangup", "Hangup"]
        with pytest.raises(AmiError, match="no Asterisk"):
            await pbxs.send(actions.hangup("PJSIP/citizens-00000099"))
    finally:
        task.cancel()


async def test_a_call_of_its_own_goes_to_an_asterisk_that_is_up():
    down, up = Client(up=False), Client()
    pbxs, task = await _pbxs(pbx1=down, pbx2=up)
    try:
        survey = actions.originate("PJSIP/13800138000@pstn", "hotline-survey", "s",
                                   channel_id="survey-17-1")
        await pbxs.send(survey)
        assert up.sent == ["Originate"] and down.sent == []
    finally:
        task.cancel()


async def test_with_nobody_up_queue_actions_fail_as_a_drop_does():
    pbxs, task = await _pbxs(pbx1=Client(up=False))
    try:
        with pytest.raises(AmiDisconnected):
            await pbxs.send(actions.queue_remove("hotline", "PJSIP/seat8001"))
    finally:
        task.cancel()
