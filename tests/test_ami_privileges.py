"""The AMI user may send what the controller sends, and nothing else (real Asterisk)."""

import asyncio

import pytest

from callcenter.telephony import ami_actions
from callcenter.telephony.ami_client import AmiClient

pytestmark = pytest.mark.asterisk


async def test_the_controllers_actions_pass_and_call_control_is_refused(settings, asterisk):
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user,
                    settings.ami_secret())
    task = asyncio.create_task(ami.run())
    try:
        await asyncio.wait_for(ami.connected.wait(), 10)
        seat = settings.seats[0]
        sent_by_us = [ami_actions.core_show_channels(), ami_actions.queue_status("hotline"),
                      ami_actions.queue_add("hotline", seat.interface, seat.id),
                      ami_actions.action("Ping")]
        for action in sent_by_us:
            reply = await ami.send(action)
            assert "Permission denied" not in reply.response.get("Message", ""), action.name
        # Getvar on a channel that does not exist: refused for the channel, not the right.
        reply = await ami.send(ami_actions.getvar("PJSIP/nobody-00000000", "CC_REC"))
        assert "Permission denied" not in reply.response.get("Message", "")
        never = [ami_actions.originate("PJSIP/seat8001", "hotline-in", "12345"),
                 ami_actions.redirect("PJSIP/seat8001-00000001", "hotline-in", "12345"),
                 ami_actions.hangup("PJSIP/seat8001-00000001"),
                 ami_actions.action("Setvar", {"Variable": "X", "Value": "1"}),
                 ami_actions.action("Command", {"Command": "core show version"})]
        for action in never:
            reply = await ami.send(action)
            assert not reply.ok and reply.response.get("Message") == "Permission denied", \
                (action.name, reply.response)
    finally:
        await ami.stop()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
