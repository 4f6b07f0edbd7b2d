"""FastAGI server on asyncio streams, replacing panoramisk's (which stalls the loop on a
half-sent header) and pyst2's (Python 2 only, forks per call, does not escape arguments).

Each connection is its own task. The header must arrive within `header_timeout` and fit in
`max_header` bytes; a client that sends half a header, stalls or floods is dropped without
touching any other call. The handler's answer must come within `answer_timeout`, else the
connection is closed and the dialplan takes its fallback path.

Time limits are `asyncio.timeout` blocks, not `asyncio.wait_for`: in Python 3.11 wait_for runs
its coroutine as a task of its own, which starts one pass of the loop later. Under load a pass
is AMI bursts and stored calls, and it counted in every answer (tests/test_fastagi.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
REJECT_LOG_EVERY = 10.0  # seconds between reports of dropped clients


MAX_COMMAND = 2047  # bytes with the newline: res_agi's buffer is 2,048 with its NUL


class AgiError(RuntimeError):
    pass


class UnsafeAgiArgument(AgiError, ValueError):
    """An argument would break the AGI line protocol; nothing was sent."""


def quote_arg(value: str) -> str:
    """Quote one AGI command argument.

    CR, LF and NUL would end the command early and let text become a second command: refused.
    Quotes and backslashes are escaped the way res_agi's parser undoes them.
    """
    for bad in ("\r", "\n", "\x00"):
        if bad in value:
            raise UnsafeAgiArgument(f"AGI argument contains {bad!r}; refused before sending")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class AgiRequest:
    env: dict[str, str]

    @property
    def script(self) -> str:
        """The path of agi://host:port/<script>, without the leading slash."""
        return self.env.get("agi_network_script") or urlsplit(
            self.env.get("agi_request", "")).path.lstrip("/")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def caller(self) -> str:
        return self.env.get("agi_callerid", "")


class AgiSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 timeout: float) -> None:
        self._reader, self._writer, self._timeout = reader, writer, timeout
        self.first_sent: float | None = None  # perf_counter() when the first command left

    async def command(self, *words: str, timeout: float | None = None) -> str:
        """Send one command (first word bare, the rest quoted); return Asterisk's reply line.
        `timeout`: for a command that waits on the caller (GET DATA, STREAM FILE)."""
        verb = words[0]
        if not verb.replace(" ", "").isalpha():
            raise UnsafeAgiArgument(f"AGI verb {verb!r} is not a plain word")
        line = (" ".join([verb, *(quote_arg(w) for w in words[1:])]) + "\n").encode("utf-8")
        if len(line) > MAX_COMMAND:
            # res_agi reads a command 2,048 bytes at a time: a longer one would arrive as two.
            raise UnsafeAgiArgument(f"{verb}: {len(line)} bytes, more than the {MAX_COMMAND} "
                                    "an AGI command may have; nothing was sent")
        self._writer.write(line)
        if self.first_sent is None:
            self.first_sent = time.perf_counter()
        await self._writer.drain()
        async with asyncio.timeout(timeout or self._timeout):
            reply = await self._reader.readline()
        text = reply.decode("utf-8", "replace").strip()
        if not text.startswith("200"):
            raise AgiError(f"{verb}: {text or 'connection closed'}")
        return text

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)


Handler = Callable[[AgiRequest, AgiSession], Awaitable[None]]


class FastAgiServer:
    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 4573, *,
                 header_timeout: float = 5.0, answer_timeout: float = 3.0,
                 max_header: int = 16384, time_limits: Mapping[str, float] | None = None,
                 observe: Callable[[str, float], None] | None = None) -> None:
        self.handler, self.host, self.port = handler, host, port
        self.header_timeout, self.answer_timeout = header_timeout, answer_timeout
        # A script that talks with the caller (the status lookup) runs longer than the
        # routing answer the dialplan waits for.
        self.time_limits = dict(time_limits or {})
        self.max_header = max_header
        self.observe = observe  # (script, seconds from the header to the answer): metrics
        # (script, seconds from the whole header to our first command): our own part, without
        # Asterisk's replies, which a busy Asterisk makes slow.
        self.observe_decide: Callable[[str, float], None] | None = None
        self._server: asyncio.Server | None = None
        self.served = 0
        self.rejected = 0
        # Why clients were dropped since the last log line: a flood of bad clients is a few
        # lines a minute, not a line each (the log would be the attack's second target).
        self._dropped: dict[str, int] = {}
        self._dropped_logged = -REJECT_LOG_EVERY

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  limit=self.max_header)

    @property
    def bound_port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._report_dropped()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        began = time.perf_counter()
        try:
            async with asyncio.timeout(self.header_timeout):
                env = await self._read_header(reader)
            header_read = time.perf_counter()
        except (TimeoutError, AgiError, ValueError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, ConnectionError) as exc:
            self._reject(str(exc) or type(exc).__name__)
            await self._close(writer)
            return
        try:
            session = AgiSession(reader, writer, self.answer_timeout)
            request = AgiRequest(env)
            async with asyncio.timeout(self.time_limits.get(request.script,
                                                            self.answer_timeout)):
                await self.handler(request, session)
            self.served += 1
            if self.observe is not None:
                self.observe(request.script, time.perf_counter() - began)
            if self.observe_decide is not None and session.first_sent is not None:
                self.observe_decide(request.script, session.first_sent - header_read)
        except Exception:
            log.exception("FastAGI handler failed for %s", env.get("agi_uniqueid"))
        finally:
            await self._close(writer)

    def _reject(self, why: str) -> None:
        self.rejected += 1
        self._dropped[why] = self._dropped.get(why, 0) + 1
        if time.monotonic() - self._dropped_logged >= REJECT_LOG_EVERY:
            self._report_dropped()

    def _report_dropped(self) -> None:
        if self._dropped:
            log.warning("FastAGI: dropped %d client(s) since the last report: %s",
                        sum(self._dropped.values()),
                        "; ".join(f"{why} ({n})" for why, n in sorted(self._dropped.items())))
            self._dropped.clear()
        self._dropped_logged = time.monotonic()

    async def _read_header(self, reader: asyncio.StreamReader) -> dict[str, str]:
        env: dict[str, str] = {}
        size = 0
        while True:
            line = await reader.readline()
            if not line:
                raise AgiError("connection closed inside the header")
            size += len(line)
            if size > self.max_header:
                raise AgiError("header too large")
            text = line.decode("utf-8", "replace").strip()
            if not text:
                if "agi_request" not in env:
                    raise AgiError("header without agi_request")
                return env
            key, sep, value = text.partition(":")
            if sep and key.startswith("agi_"):
                env[key] = value.strip()

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1)
