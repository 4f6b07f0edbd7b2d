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
                 ami_actions.action("DBPut", {"Family": "x", "Key": "y", "Val": "z"}),
                 ami_actions.action("GetConfig", {"Filename": "manager.conf"}),
                 ami_actions.action("UpdateConfig", {"SrcFilename": "extensions.conf",
                                                     "DstFilename": "extensions.conf",
                                                     "Action-000000": "NewCat",
                                                     "Cat-000000": "x"})]
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



def _outside_address() -> str | None:
    """This machine's address towards other hosts (no packet is sent), or None."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
        except OSError:
            return None
        host: str = probe.getsockname()[0]
    return None if host.startswith("127.") else host


async def test_ami_answers_on_loopback_only(settings, asterisk):
    host = _outside_address()
    if host is None:
        pytest.skip("this machine has no address beyond loopback to try from")
    _, writer = await asyncio.open_connection("127.0.0.1", settings.ami_port)
    writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(asyncio.open_connection(host, settings.ami_port), 3)
