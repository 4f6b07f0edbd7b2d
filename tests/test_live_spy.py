"""The controller's side of live assist (telephony/live_spy.py): a seat answering puts one spy
leg per chosen speaker on the call, named as a leg of it; a channel name that could smuggle
options into ChanSpy is refused before anything is sent; the configuration is checked."""

import asyncio
from pathlib import Path

import pytest

from callcenter.config import ConfigError, load_settings
from callcenter.domain.calls import call_of_leg
from callcenter.telephony.ami.actions import Action
from callcenter.telephony.ami.client import Reply
from callcenter.telephony.live_spy import MAX_LEGS, LiveSpies


class Line:
    """What the spies send (a unit test of the rule: no Asterisk here)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    async def send(self, action: Action, timeout: float = 10.0) -> Reply:
        self.sent.append(dict(action.fields))
        return Reply({"Response": "Success"})


class Streams:
    def __init__(self) -> None:
        self.opened: list[tuple[str, str, str]] = []

    def open(self, linkedid: str, speaker: str, seat: str) -> str:
        self.opened.append((linkedid, speaker, seat))
        return f"00000000-0000-4000-8000-{len(self.opened):012d}"


def connect(citizen="PJSIP/trunk-00000001", agent="PJSIP/seat8001-00000002"):
    return {"Event": "AgentConnect", "Linkedid": "1700000000.1", "Channel": citizen,
            "DestChannel": agent, "MemberName": "8001"}


async def spied(spies, *events):
    for e in events:
        spies.on_event(e)
    await asyncio.gather(*spies._tasks)


async def test_each_speaker_gets_a_spy_leg_of_the_call():
    line, streams = Line(), Streams()
    spies = LiveSpies(line, streams, "127.0.0.1:4590", ["citizen", "agent"])
    await spied(spies, connect())
    assert streams.opened == [("1700000000.1", "citizen", "8001"),
                              ("1700000000.1", "agent", "8001")]
    assert [(s["Channel"], s["Application"], s["Data"], s["ChannelId"]) for s in line.sent] == [
        ("AudioSocket/127.0.0.1:4590/00000000-0000-4000-8000-000000000001", "ChanSpy",
         "PJSIP/trunk-00000001,qoE", "1700000000.1-live1"),
        ("AudioSocket/127.0.0.1:4590/00000000-0000-4000-8000-000000000002", "ChanSpy",
         "PJSIP/seat8001-00000002,qoE", "1700000000.1-live2")]
    assert call_of_leg("1700000000.1-live2") == ("1700000000.1", "live2")


@pytest.mark.parametrize("channel", ["PJSIP/x,B", "PJSIP/x|y", "PJSIP/x(1)", "PJSIP/a b",
                                     "", "PJSIP/x\r\nAction: Command"])
async def test_a_channel_name_that_is_not_plain_is_not_spied(channel, caplog):
    line, streams = Line(), Streams()
    spies = LiveSpies(line, streams, "127.0.0.1:4590", ["citizen"])
    await spied(spies, connect(citizen=channel))
    assert line.sent == [] and streams.opened == []
    assert "not a plain channel name" in caplog.text


async def test_a_call_gets_at_most_nine_spy_legs_and_events_replayed_none():
    line, streams = Line(), Streams()
    spies = LiveSpies(line, streams, "127.0.0.1:4590", ["citizen"])
    await spied(spies, *[connect() for _ in range(MAX_LEGS + 2)],
                {**connect(), "Origin": "recovered"})
    assert [s["ChannelId"] for s in line.sent] == [f"1700000000.1-live{n}"
                                                  for n in range(1, MAX_LEGS + 1)]


@pytest.mark.parametrize(("lines", "problem"), [
    ("[live]\nport = 70000", "live.port"),
    ("[live]\nport = 4590\nspeakers = \"citizen,unit\"", "live.speakers"),
    ("[live]\nport = 4590\nspeakers = \"citizen,citizen\"", "live.speakers"),
    ("[live]\nport = 4590\nhost = \"127.0.0.1,x\"", "live.host"),
    ("[live]\nworkers = 0", "live.workers"),
    ("[live]\nframes_per_chunk = 0", "live.frames_per_chunk"),
    ("[live]\nbeam = 2", "live.beam"),
    ("[live]\nmax_active = 100", "live.max_active"),
    ("[live]\nmax_active = \"all\"", "live.max_active"),
    ("[live]\nmax_streams = 4\nwarm = 5", "live.warm"),
    ("[speech]\nskip_silence = \"yes\"", "speech.skip_silence"),
])
def test_live_settings_are_checked(tmp_path: Path, lines, problem):
    (tmp_path / "hotline.toml").write_text(lines, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_settings(tmp_path / "hotline.toml", root=tmp_path)
