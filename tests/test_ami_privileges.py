"""The AMI user may send what the controller sends, and nothing else (real Asterisk)."""

import asyncio

import pytest

from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.ami.client import AmiClient

pytestmark = pytest.mark.asterisk


async def test_the_controllers_actions_pass_and_system_control_is_refused(settings, asterisk):
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user,
                    settings.ami_secret())
    task = asyncio.create_task(ami.run())
    try:
        await asyncio.wait_for(ami.connected.wait(), 10)
        seat = settings.seats[0]
        sent_by_us = [ami_actions.core_show_channels(), ami_actions.queue_status("hotline"),
                      ami_actions.queue_add("hotline", seat.interface, seat.id),
                      ami_actions.queue_penalty("hotline", seat.interface, 0),
                      ami_actions.action("Ping")]
        for action in sent_by_us:
            reply = await ami.send(action)
            assert "Permission denied" not in reply.response.get("Message", ""), action.name
        # On a channel that does not exist: refused for the channel, not for the right.
        on_no_channel = [ami_actions.getvar("PJSIP/nobody-00000000", "CC_REC"),
                         ami_actions.redirect("PJSIP/nobody-00000001", "hotline-inbound", "1"),
                         ami_actions.hangup("PJSIP/nobody-00000001"),
                         ami_actions.originate("PJSIP/nobody@nowhere", "hotline-conf-unit",
                                               "1.1", timeout_ms=1000)]
        for action in on_no_channel:
            reply = await ami.send(action)
            assert "Permission denied" not in reply.response.get("Message", ""), action.name
        # Three-way calls need call and originate; nothing that reaches the system does.
        never = [ami_actions.originate_app("PJSIP/seat8001", "System", "touch /tmp/x"),
                 ami_actions.action("Command", {"Command": "core show version"}),
                 ami_actions.action("Reload"),
                 ami_actions.action("ModuleLoad", {"Module": "app_system.so",
                                                   "LoadType": "load"}),
                 ami_actions.action("DBPut", {"Family": "x", "Key": "y", "Val": "z"})]
        for action in never:
            reply = await ami.send(action)
            message = reply.response.get("Message", "")
            # Originate of System: "Originate Access Forbidden: app or data blacklisted".
            assert not reply.ok and ("Permission denied" in message or "Forbidden" in message), \
                (action.name, reply.response)
    finally:
        await ami.stop()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
