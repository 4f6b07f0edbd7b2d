"""The live recogniser (`callcenter live`): AudioSocket streams in, words of calls under way
out to the store, where the desk's event stream reads them.

Each stream's audio is decoded in a pool of threads (Vosk releases the GIL), one batch at a
time per stream so a recogniser is never used by two threads. What the streams heard is
written every `flush_every` seconds in one transaction for all of them. A stream nobody opened
(a guessed or reused id) is refused before any audio is read, and so is one beyond
`max_streams`: a recogniser short of CPU would make every desk's words late, so the calls past
what it can hear go without. On stop, every stream's last words are decoded and written
before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from callcenter.domain.live_assist import LiveLine
from callcenter.logs import Recurring
from callcenter.services.live_words import LiveStreams
from callcenter.speech.live import Heard, LiveDecoder
from callcenter.telephony.audiosocket import AudioSocketServer, Listener

log = logging.getLogger(__name__)
FEED_S = 0.05  # audio handed to a decoder at a time: latency against per-call overhead
PURGE_EVERY = 60.0


class _Stream(Listener):
    def __init__(self, owner: LiveListener, stream: str, call: str, speaker: str,
                 decoder: LiveDecoder) -> None:
        self.owner, self.stream, self.call, self.speaker = owner, stream, call, speaker
        self.decoder = decoder
        self.buffered: list[bytes] = []
        self.size = 0
        self.busy = False
        self.closed = False
        self.done = asyncio.get_running_loop().create_future()  # last words decoded

    def audio(self, samples: bytes) -> None:
        self.buffered.append(samples)
        self.size += len(samples)
        if self.size >= self.owner.feed_bytes:
            self._next()

    def close(self) -> None:
        self.closed = True
        self._next()

    def _next(self) -> None:
        if self.busy or self.done.done():
            return
        if self.buffered:
            chunk, self.buffered, self.size = b"".join(self.buffered), [], 0
            work: Callable[[], list[Heard]] = lambda: self.decoder.feed(chunk)  # noqa: E731
        elif self.closed:
            work = self.decoder.finish
        else:
            return
        self.busy = True
        fut = asyncio.get_running_loop().run_in_executor(self.owner.pool, work)
        fut.add_done_callback(self._decoded)

    def _decoded(self, fut: asyncio.Future[list[Heard]]) -> None:
        self.busy = False
        last = self.closed and not self.buffered
        try:
            heard = fut.result()
        except Exception:
            log.exception("live: decoding stream %s failed; it is closed", self.stream)
            heard, last = [], True
        self.owner.heard(self.stream, [LiveLine(self.call, self.speaker, h.n, h.text,
                                                h.final, h.start_s, h.end_s) for h in heard])
        if last:
            self.done.set_result(None)
            self.owner.closing(self)
        else:
            self._next()


class LiveListener:
    def __init__(self, streams: LiveStreams, decoder: Callable[[], LiveDecoder],
                 host: str = "127.0.0.1", port: int = 0, workers: int = 2,
                 flush_every: float = 0.05, rate: int = 8000, max_streams: int = 4) -> None:
        self.streams = streams
        self.decoder = decoder
        self.server = AudioSocketServer(self._open, host, port)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="live")
        self.flush_every = flush_every
        self.feed_bytes = int(rate * FEED_S) * 2
        self.live: dict[str, _Stream] = {}
        self.max_streams = max_streams
        self.refused = 0  # streams turned away at max_streams
        self._full = Recurring(log, f"hearing more than {max_streams} streams at once (calls "
                                    "beyond go without live words)")
        self._pending: list[tuple[str, LiveLine]] = []
        self._closed: list[str] = []
        self._stopping = asyncio.Event()
        self._writing = Recurring(log, "writing what the live streams heard")
        self.observe_heard: Callable[[LiveLine], None] | None = None  # metrics

    @property
    def port(self) -> int:
        return self.server.port

    async def _open(self, sid: uuid.UUID) -> Listener | None:
        if len(self.live) >= self.max_streams:
            self.refused += 1
            self._full.failed()
            return None
        self._full.worked()
        try:
            found = await asyncio.to_thread(self.streams.connect, str(sid))
        except Exception:
            self._writing.failed()
            return None
        if found is None:
            return None
        call, speaker = found
        stream = _Stream(self, str(sid), call, speaker, await asyncio.to_thread(self.decoder))
        self.live[stream.stream] = stream
        return stream

    def heard(self, stream: str, lines: list[LiveLine]) -> None:
        self._pending += [(stream, ln) for ln in lines]
        if self.observe_heard is not None:
            for ln in lines:
                self.observe_heard(ln)

    def closing(self, stream: _Stream) -> None:
        self.live.pop(stream.stream, None)
        self._closed.append(stream.stream)

    async def start(self) -> None:
        await self.server.start()

    async def run(self) -> None:
        """Writes what was heard until stopped, purging old words once a minute."""
        purged = 0.0
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.flush_every)
            await self.flush()
            if time.monotonic() - purged >= PURGE_EVERY:
                purged = time.monotonic()
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.streams.purge)

    async def flush(self) -> None:
        if not self._pending and not self._closed:
            return  # nothing heard: no hop to a thread twenty times a second
        batch, self._pending = self._pending, []
        closed, self._closed = self._closed, []
        try:
            await asyncio.to_thread(self._write, batch, closed)
        except Exception:
            self._writing.failed()
            self._pending[:0], self._closed[:0] = batch, closed  # kept for the next turn
            return
        self._writing.worked()

    def _write(self, batch: list[tuple[str, LiveLine]], closed: list[str]) -> None:
        self.streams.put(batch)
        for stream in closed:
            self.streams.close(stream)

    async def stop(self, timeout: float = 10.0) -> None:
        """Streams ended, their last words decoded and written."""
        await self.server.stop()  # closes every stream: each decodes what it holds
        waiting = [s.done for s in list(self.live.values())]
        if waiting:
            await asyncio.wait(waiting, timeout=timeout)
        self._stopping.set()
        await self.flush()
        self.pool.shutdown(wait=False, cancel_futures=True)
