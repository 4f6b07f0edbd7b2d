"""AudioSocket (Asterisk's chan_audiosocket) on asyncio streams: the live audio of a call.

A message is a type byte, a big-endian 16-bit payload length and the payload. Asterisk opens
with the stream's UUID, then sends 16-bit 8 kHz mono samples, and ends with a hang-up (or just
closes). Each connection is its own task. The UUID must arrive within `first_timeout`, a
message that begins must be whole within `message_timeout`, and nothing may be longer than
`MAX_PAYLOAD`: a client that sends half a header, garbage or nothing is dropped without
touching any other stream (the lesson of panoramisk's FastAGI, which stalled on half a header).

Nothing is sent back: ChanSpy writes the spied audio to the AudioSocket channel at the pace of
Asterisk's own timer (tried on Asterisk 22.10: the same 50 frames a second either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

HANGUP, ID, DTMF, AUDIO, ERROR = 0x00, 0x01, 0x03, 0x10, 0xFF
RATE = 8000  # AUDIO: signed 16-bit little-endian, mono
MAX_PAYLOAD = 8000  # half a second of audio; Asterisk sends 20 ms frames (320 bytes)
_HEAD = struct.Struct(">BH")


class AudioSocketError(ValueError):
    """The peer broke the protocol; the connection is dropped."""


@dataclass(frozen=True)
class Message:
    kind: int
    payload: bytes


def frame(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > 0xFFFF:
        raise AudioSocketError(f"payload of {len(payload)} bytes does not fit a message")
    return _HEAD.pack(kind, len(payload)) + payload


def stream_id(message: Message) -> uuid.UUID:
    if message.kind != ID or len(message.payload) != 16:
        raise AudioSocketError("the first message must be the stream's 16-byte id")
    return uuid.UUID(bytes=message.payload)


async def read_message(reader: asyncio.StreamReader, first_byte_timeout: float | None,
                       message_timeout: float) -> Message | None:
    """The next message; None when the peer closed between messages. Waiting for a message
    to begin is bounded by `first_byte_timeout` (None: unbounded, the audio of a call may
    pause); once begun it must be whole within `message_timeout`."""
    try:
        first = await asyncio.wait_for(reader.readexactly(1), first_byte_timeout)
    except asyncio.IncompleteReadError:
        return None
    except TimeoutError as exc:
        raise AudioSocketError("no message in time") from exc
    try:
        rest = await asyncio.wait_for(reader.readexactly(2), message_timeout)
        kind, length = _HEAD.unpack(first + rest)
        if length > MAX_PAYLOAD:
            raise AudioSocketError(f"a message of {length} bytes (at most {MAX_PAYLOAD})")
        payload = await asyncio.wait_for(reader.readexactly(length), message_timeout) \
            if length else b""
    except asyncio.IncompleteReadError as exc:
        raise AudioSocketError("closed inside a message") from exc
    except TimeoutError as exc:
        raise AudioSocketError("half a message, then nothing") from exc
    return Message(kind, payload)


class Listener:
    """What a stream feeds: `audio` for each frame of samples, `close` once at the end."""

    def audio(self, samples: bytes) -> None: ...
    def close(self) -> None: ...


Opener = Callable[[uuid.UUID], Awaitable[Listener | None]]  # None: not a stream we expect


class AudioSocketServer:
    def __init__(self, open_stream: Opener, host: str = "127.0.0.1", port: int = 0,
                 first_timeout: float = 2.0, message_timeout: float = 2.0,
                 idle_timeout: float = 30.0) -> None:
        self.open_stream = open_stream
        self.host, self.port = host, port
        self.first_timeout = first_timeout
        self.message_timeout = message_timeout
        self.idle_timeout = idle_timeout  # a spied call sends 50 frames a second, even silent
        self.dropped = 0  # connections that broke the protocol or were not expected
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader)
        except (AudioSocketError, ConnectionError) as exc:
            self.dropped += 1
            log.warning("audiosocket: connection dropped: %s", exc)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader) -> None:
        first = await read_message(reader, self.first_timeout, self.message_timeout)
        if first is None:
            raise AudioSocketError("closed before its id")
        sid = stream_id(first)
        listener = await self.open_stream(sid)
        if listener is None:
            raise AudioSocketError(f"stream {sid} was not expected")
        try:
            while (m := await read_message(reader, self.idle_timeout,
                                           self.message_timeout)) is not None:
                if m.kind == AUDIO:
                    if len(m.payload) % 2:
                        raise AudioSocketError("audio of an odd number of bytes")
                    listener.audio(m.payload)
                elif m.kind == HANGUP:
                    break
                elif m.kind == ERROR:
                    log.info("audiosocket: stream %s: Asterisk reported error %s", sid,
                             m.payload.hex() or "(none)")
                    break
                # DTMF and kinds we do not use are read and passed over.
        except ConnectionError:
            pass  # Asterisk hung the channel up by closing: the stream is over, not broken
        finally:
            listener.close()
