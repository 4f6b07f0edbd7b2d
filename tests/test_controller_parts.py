"""The controller built by the composition root around a scripted AMI connection: what it
sends on login, what it reads back for calls it did not see start, what it stores."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from call_support import until

from callcenter import bootstrap
from callcenter.contract.dialplan import CC_DIALLED, CC_REC_BASE, CONTEXT_INBOUND
from callcenter.domain.calls import Disposition
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.client import Reply

TRACE = json.loads((Path(__file__).parent / "data" / "answered_call.json").read_text())


class ScriptedAmi:
    """An AMI connection that logs in at once, answers every action and delivers the
    events a test puts in `events`."""

    def __init__(self, getvar: dict[str, str]) -> None:
        self.events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.connected = asyncio.Event()
        self.snapshot: list[dict[str, str]] = []
        self.on_login: Callable[[], Awaitable[None]] | None = None
        self.sent: list[Action] = []
        self.getvar = getvar
        self._stop = asyncio.Event()

    async def run(self) -> None:
        if self.on_login is not None:
            await self.on_login()
        self.connected.set()
        await self._stop.wait()

    async def stop(self) -> None:
        self._stop.set()

    async def send(self, action: Action, timeout: float = 10.0) -> Reply:
        self.sent.append(action)
        fields = dict(action.fields)
        if action.name == "Getvar":
            return Reply({"Response": "Success", "Value": self.getvar.get(fields["Variable"], "")})
        return Reply({"Response": "Success"})


async def test_the_controller_joins_seats_recovers_facts_and_stores_calls(settings, tmp_path):
    hotline = bootstrap.build(settings.with_overrides(
        store_url=f"sqlite:///{tmp_path / 'calls.db'}", agi_port=0))
    ami = ScriptedAmi({CC_DIALLED: "12345", CC_REC_BASE: "/var/spool/asterisk/hotline-rec/x"})
    # A citizen already waiting when the controller logs in.
    ami.snapshot = [{"Event": "CoreShowChannel", "Channel": "PJSIP/trunk-00000009",
                     "Context": CONTEXT_INBOUND, "Uniqueid": "1700000000.9",
                     "Linkedid": "1700000000.9", "Timestamp": "1700000010.000000",
                     "Duration": "00:00:04", "CallerIDNum": "13800000000"}]
    controller = hotline.controller(ami=ami, grace=0.1)
    await controller.start()
    try:
        await asyncio.wait_for(ami.connected.wait(), 5)
        added = [dict(a.fields) for a in ami.sent if a.name == "QueueAdd"]
        assert [a["MemberName"] for a in added] == [s.id for s in settings.seats]
        asked = {dict(a.fields)["Variable"] for a in ami.sent if a.name == "Getvar"}
        assert {CC_DIALLED, CC_REC_BASE} <= asked
        # The facts read back enter the event stream for that call, marked as recovered.
        await until(lambda: controller.calls.has_fact("1700000000.9", "start"))
        for e in TRACE:
            ami.events.put_nowait(e)
        lid = next(e["Linkedid"] for e in TRACE if e.get("Event") == "Newchannel")
        await until(lambda: controller.call_log.exists(lid)
                     and lid not in controller.tracker.calls)
    finally:
        await controller.stop()
    try:
        rows = {r.linkedid: r for r in hotline.call_log.list()}
        assert rows[lid].disposition == Disposition.ANSWERED.value
        # Held when stopping: stored as in progress, with the recovered start fact.
        waiting = rows["1700000000.9"]
        assert waiting.disposition == Disposition.IN_PROGRESS.value
        assert waiting.dialled_number == "12345"
    finally:
        hotline.close()
