"""Live assist from stream to desk, on both stores: streams opened by the controller and
connected once; words replaced as they grow and purged after the call; the desk's events
carrying each call's words and offers only to the agent on it and the supervisors; and the
live recogniser itself, fed by an AudioSocket client of ours with spoken Korean."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from dataclasses import replace
from datetime import date
from typing import Any, cast

import pytest
from speech_support import add_call
from sqlalchemy import update
from tickets_support import Clock, engine_of, hotline_over

from callcenter.domain.kb import Article
from callcenter.domain.live_assist import LiveLine
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.topics import Topic
from callcenter.services.desk_events import DeskEvents, Seen
from callcenter.services.errors import Forbidden, ValidationFailed
from callcenter.services.live_assist import LiveAssist
from callcenter.services.live_words import CONNECT_WITHIN, KEEP, LiveStreams
from callcenter.speech.decode import load_model
from callcenter.speech.live import LiveDecoder
from callcenter.speech.model import find_model
from callcenter.storage.engine import make_engine
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork
from callcenter.telephony.audiosocket import AUDIO, HANGUP, ID, frame
from callcenter.telephony.live_listener import LiveListener

AGENT = Viewer(Role.AGENT, "agent-7")
OFFICE = Viewer(Role.SUPERVISOR, "office-1")
UNIT = Viewer(Role.UNIT, "li", "u-wuye")
SEATS = ("8001", "8002")


@pytest.fixture
def hotline(store_url):
    engine = make_engine(store_url)
    clock = Clock()
    yield hotline_over(engine, clock=clock, seats=SEATS), clock
    engine.dispose()


def test_a_stream_is_connected_once_and_only_soon_after_it_was_opened(hotline):
    h, clock = hotline
    streams = LiveStreams(h.store, clock)
    sid = streams.open("1700000000.1", "citizen", "8001")
    assert uuid.UUID(sid).version == 4  # nobody can guess the next one
    assert streams.connect(str(uuid.uuid4())) is None
    assert streams.connect(sid) == ("1700000000.1", "citizen")
    assert streams.connect(sid) is None  # a second connection with the same id
    late = streams.open("1700000000.1", "agent", "8001")
    clock.advance(seconds=CONNECT_WITHIN.total_seconds() + 1)
    assert streams.connect(late) is None
    with pytest.raises(ValidationFailed):
        streams.open("1700000000.1", "unit", "8001")


def test_words_grow_in_place_and_are_purged_a_while_after_the_stream_closes(hotline):
    h, clock = hotline
    streams = LiveStreams(h.store, clock)
    sid = streams.open("1700000000.1", "citizen", "8001")
    other = streams.open("1700000000.2", "citizen", "8002")
    line = LiveLine("1700000000.1", "citizen", 0, "暖气", False, 0.5, 1.0)
    streams.put([(sid, line)])
    streams.put([(sid, LiveLine("1700000000.1", "citizen", 0, "暖气 不热", False, 0.5, 1.5)),
                 (sid, LiveLine("1700000000.1", "citizen", 0, "暖气不热", True, 0.6, 1.4)),
                 (sid, LiveLine("1700000000.1", "citizen", 1, "幸福路", False, 2.0, 2.5)),
                 (other, LiveLine("1700000000.2", "citizen", 0, "停水", True, 0.1, 0.9))])
    assert streams.heard(["1700000000.1"]) == [
        LiveLine("1700000000.1", "citizen", 0, "暖气不热", True, 0.6, 1.4),
        LiveLine("1700000000.1", "citizen", 1, "幸福路", False, 2.0, 2.5)]
    streams.close(sid)
    clock.advance(seconds=KEEP.total_seconds() - 1)
    assert streams.purge() == 0
    clock.advance(seconds=2)
    assert streams.purge() == 1  # the closed one; the other call is still on
    assert streams.heard(["1700000000.1"]) == []
    assert len(streams.heard(["1700000000.2"])) == 1
    clock.advance(hours=12)  # a stream never closed: its recogniser died mid-call
    assert streams.purge() == 1


def _on_the_line(h, clock):
    with UnitOfWork(engine_of(h.store)) as uow:
        for lid, seat in (("1700000000.1", "8001"), ("1700000000.2", "8002")):
            add_call(uow.session, lid, clock(), seat=seat)
        uow.session.execute(update(CallRow).values(disposition="in_progress"))
    h.desk().act("8001", "login", AGENT)


def test_the_desk_hears_its_own_calls_and_the_offers_once_per_change(hotline):
    h, clock = hotline
    _on_the_line(h, clock)
    kb = h.kb
    article = kb.save(Article("暖气不热怎么办？", "联系供热公司报修。", "《供热条例》", "u-wuye",
                              date(2026, 1, 1), date(2027, 1, 1)), OFFICE)
    searches: list[str] = []
    search = kb.search

    def counted(query: str, *args: Any, **kw: Any) -> Any:
        searches.append(query)
        return search(query, *args, **kw)

    kb.search = counted
    topics = [Topic("供暖", ("暖气",)), Topic("燃气泄漏", ("煤气",), emergency=True)]
    events = DeskEvents(h.store, h.desk(), h.screen_pop(), SEATS, clock, fresh=0,
                        assist=LiveAssist(kb, lambda: topics))
    streams = LiveStreams(h.store, clock)
    mine = streams.open("1700000000.1", "citizen", "8001")
    theirs = streams.open("1700000000.2", "citizen", "8002")
    streams.put([(mine, LiveLine("1700000000.1", "citizen", 0, "暖气不热", True, 0.1, 1.0)),
                 (theirs, LiveLine("1700000000.2", "citizen", 0, "有煤气", False, 0.1, 1.0))])

    agent, office = Seen(), Seen()
    words = [d for name, d in events.changes(agent, AGENT) if name == "live_words"]
    assert [(w["call"], w["text"], w["final"]) for w in words] == [
        ("1700000000.1", "暖气不热", True)]  # not the other seat's call
    offers = [d for name, d in events.changes(office, OFFICE) if name == "live_assist"]
    assert {o["call"]: (o["categories"], o["emergencies"],
                        [a["id"] for a in cast(list[dict[str, Any]], o["articles"])])
            for o in offers} == {"1700000000.1": (["供暖"], [], [article]),
                                 "1700000000.2": ([], ["燃气泄漏"], [])}
    assert len(searches) == 1  # the second call has no final words to search with yet
    assert events.changes(agent, AGENT) == []  # nothing new: nothing sent, nothing searched
    streams.put([(theirs, LiveLine("1700000000.2", "citizen", 0, "有煤气味", True, 0.1, 1.2))])
    again = events.changes(office, OFFICE)
    assert [n for n, _ in again] == ["live_words", "live_assist"]
    with pytest.raises(Forbidden):
        events.changes(Seen(), UNIT)


def test_an_article_edited_during_a_call_is_offered_as_it_now_stands(hotline):
    """Live assist remembers a search for the desks, for FRESH seconds: an office that corrects
    an article while a citizen is on the line sees the correction offered, not the old text."""
    h, _ = hotline
    heating = Article("暖气不热怎么办？", "联系供热公司报修。", "《供热条例》", "u-wuye",
                      date(2026, 1, 1), date(2027, 1, 1))
    article = h.kb.save(heating, OFFICE)
    now = [0.0]
    assist = LiveAssist(h.kb, lambda: [], fresh=10.0, clock=lambda: now[0])
    lines = [LiveLine("1700000000.1", "citizen", 0, "暖气不热", True, 0.1, 1.0)]

    def answers() -> list[str]:
        return [a["answer"] for a in assist.offers("1700000000.1", lines)["articles"]]
    assert answers() == ["联系供热公司报修。"]
    h.kb.save(replace(heating, answer="拨打供热服务热线报修。"), OFFICE, article)
    now[0] = 9.9
    assert answers() == ["联系供热公司报修。"]  # one search serves every desk meanwhile
    now[0] = 10.0
    assert answers() == ["拨打供热服务热线报修。"]
    h.kb.save(replace(heating, valid_to=date(2026, 1, 2)), OFFICE, article)  # withdrawn
    now[0] = 20.0
    assert answers() == []


def _client_frames(pcm: bytes, sid: uuid.UUID) -> list[bytes]:
    return [frame(ID, sid.bytes)] + [frame(AUDIO, pcm[i:i + 320])
                                    for i in range(0, len(pcm), 320)] + [frame(HANGUP)]


@pytest.fixture
def spoken(tmp_path):
    """Korean speech as an AudioSocket stream carries it: 8 kHz 16-bit samples."""
    wav = tmp_path / "said.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), "물이 새고 있어요. 빨리 와 주세요."],
                   check=True)
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-ar", "8000", "-ac", "1",
                          "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return bytes(8000) + pcm + bytes(16000)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_live_recogniser_writes_what_a_stream_says_and_its_last_words_on_stop(
        hotline, spoken):
    h, clock = hotline
    pcm = spoken
    model = load_model(find_model())
    offline = LiveDecoder(model, 8000)
    expected = [x for i in range(0, len(pcm), 800) for x in offline.feed(pcm[i:i + 800])]
    expected += offline.finish()
    streams = LiveStreams(h.store, clock)
    listener = LiveListener(streams, lambda: LiveDecoder(model, 8000), flush_every=0.05)
    await listener.start()
    running = asyncio.create_task(listener.run())
    heard_all = streams.open("1700000000.1", "citizen", "8001")
    cut_short = streams.open("1700000000.2", "citizen", "8002")

    _, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    for f in _client_frames(pcm, uuid.UUID(heard_all)):
        writer.write(f)
        await writer.drain()
    # The second stream is still talking when the process is told to stop.
    _, second = await asyncio.open_connection("127.0.0.1", listener.port)
    for f in _client_frames(pcm, uuid.UUID(cut_short))[:-1]:
        second.write(f)
    await second.drain()
    for _ in range(100):
        if len(listener.live) == 1 and not listener.live.get(heard_all):
            break
        await asyncio.sleep(0.05)
    await listener.stop()
    await running
    final = [ln for ln in streams.heard(["1700000000.1"]) if ln.final]
    assert [ln.text for ln in final] == [x.text for x in expected if x.final and x.text]
    cut = streams.heard(["1700000000.2"])
    assert cut and all(ln.final for ln in cut)  # its last words decoded, not left partial
    assert listener.live == {} and listener.server.dropped == 0
    for w in (writer, second):
        w.close()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_streams_beyond_what_the_recogniser_can_hear_are_turned_away(hotline):
    h, clock = hotline
    streams = LiveStreams(h.store, clock)
    model = load_model(find_model())
    listener = LiveListener(streams, lambda: LiveDecoder(model, 8000), max_streams=1)
    await listener.start()
    first = streams.open("1700000000.1", "citizen", "8001")
    second = streams.open("1700000000.2", "citizen", "8002")
    _, w1 = await asyncio.open_connection("127.0.0.1", listener.port)
    w1.write(frame(ID, uuid.UUID(first).bytes) + frame(AUDIO, bytes(320)))
    for _ in range(50):
        if listener.live:
            break
        await asyncio.sleep(0.02)
    r2, w2 = await asyncio.open_connection("127.0.0.1", listener.port)
    w2.write(frame(ID, uuid.UUID(second).bytes))
    assert await asyncio.wait_for(r2.read(), 3) == b""  # closed: that call goes without
    assert listener.refused == 1 and list(listener.live) == [first]
    await listener.stop()
    for w in (w1, w2):
        w.close()
