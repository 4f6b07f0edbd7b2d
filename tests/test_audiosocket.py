"""The AudioSocket server (telephony/audiosocket.py) against clients that send half a header,
garbage, too much or nothing: each is dropped without holding up a stream that behaves."""

import asyncio
import struct
import uuid

import pytest

from callcenter.telephony.audiosocket import (
    AUDIO,
    HANGUP,
    ID,
    MAX_PAYLOAD,
    AudioSocketServer,
    Listener,
    frame,
)


class Heard(Listener):
    def __init__(self) -> None:
        self.samples = b""
        self.closed = asyncio.Event()

    def audio(self, samples: bytes) -> None:
        self.samples += samples

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
async def server():
    expected: dict[uuid.UUID, Heard] = {}

    async def opener(sid: uuid.UUID) -> Listener | None:
        return expected.pop(sid, None)  # each id once

    srv = AudioSocketServer(opener, first_timeout=0.5, message_timeout=0.5, idle_timeout=2)
    await srv.start()
    yield srv, expected
    await srv.stop()


async def connect(srv):
    return await asyncio.open_connection("127.0.0.1", srv.port)


async def closed_by_server(reader, within=3.0):
    return await asyncio.wait_for(reader.read(), within) == b""


async def test_a_stream_delivers_its_audio_and_ends_with_the_hang_up(server):
    srv, expected = server
    sid = uuid.uuid4()
    expected[sid] = heard = Heard()
    _reader, writer = await connect(srv)
    writer.write(frame(ID, sid.bytes) + frame(AUDIO, b"\x01\x00" * 160)
                 + frame(0x03, b"5") + frame(AUDIO, b"\x02\x00" * 160) + frame(HANGUP))
    await asyncio.wait_for(heard.closed.wait(), 3)
    assert heard.samples == b"\x01\x00" * 160 + b"\x02\x00" * 160
    assert srv.dropped == 0
    writer.close()


async def test_an_id_nobody_opened_is_refused_before_any_audio(server):
    srv, _ = server
    reader, writer = await connect(srv)
    writer.write(frame(ID, uuid.uuid4().bytes) + frame(AUDIO, b"\0\0" * 160))
    assert await closed_by_server(reader)
    assert srv.dropped == 1
    writer.close()


@pytest.mark.parametrize("sent", ids=["nothing", "half a header", "half an id",
                                      "audio first", "short id", "garbage", "too long"],
                         argvalues=[
    b"",                                   # nothing at all
    b"\x01",                               # half a header, then nothing
    frame(ID, bytes(range(16)))[:10],      # half an id
    frame(AUDIO, b"\0\0" * 10),            # audio before any id
    frame(ID, b"short"),                   # an id of the wrong size
    b"GET / HTTP/1.1\r\n\r\n",             # garbage
    struct.pack(">BH", ID, MAX_PAYLOAD + 1),  # a length beyond what is ever sent
])
async def test_a_client_breaking_the_protocol_is_dropped_and_others_go_on(server, sent):
    srv, expected = server
    bad_reader, bad_writer = await connect(srv)
    bad_writer.write(sent)
    sid = uuid.uuid4()
    expected[sid] = heard = Heard()
    _reader, writer = await connect(srv)
    writer.write(frame(ID, sid.bytes))
    for _ in range(10):  # the good stream flows while the bad one stalls
        writer.write(frame(AUDIO, b"\x07\x00" * 160))
        await asyncio.sleep(0.02)
    assert await closed_by_server(bad_reader)
    writer.write(frame(HANGUP))
    await asyncio.wait_for(heard.closed.wait(), 3)
    assert len(heard.samples) == 3200
    assert srv.dropped == 1
    for w in (bad_writer, writer):
        w.close()


async def test_odd_audio_and_a_stream_cut_mid_message_end_the_stream(server):
    srv, expected = server
    for broken in (frame(AUDIO, b"\0\0\0"), frame(AUDIO, b"\0\0" * 160)[:50]):
        sid = uuid.uuid4()
        expected[sid] = heard = Heard()
        _reader, writer = await connect(srv)
        writer.write(frame(ID, sid.bytes) + broken)
        if len(broken) < 100:
            await asyncio.sleep(0.05)
            writer.close()
        await asyncio.wait_for(heard.closed.wait(), 3)  # the listener always hears the end
    assert srv.dropped == 2
