"""FastAGI server: a half-sent header never stalls the loop; arguments are escaped."""

import asyncio
import time

import pytest

from callcenter.telephony.agi.server import (
    AgiRequest,
    AgiSession,
    FastAgiServer,
    UnsafeAgiArgument,
    quote_arg,
)

HEADER = (b"agi_network: yes\nagi_network_script: route\nagi_request: agi://127.0.0.1/route\n"
          b"agi_channel: PJSIP/citizens-1\nagi_uniqueid: 1.1\nagi_callerid: 13800138000\n\n")


async def _handler(req: AgiRequest, session: AgiSession) -> None:
    assert req.script == "route"
    await session.set_variable("CC_ROUTE", "queue")


async def _full_request(port: int) -> tuple[str, float]:
    start = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HEADER)
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 5)
    writer.write(b"200 result=1\n")
    await writer.drain()
    await reader.read()  # server closes when done
    writer.close()
    return line.decode(), time.monotonic() - start


async def test_half_sent_header_does_not_stall_other_calls():
    server = FastAgiServer(_handler, port=0, header_timeout=2.0)
    await server.start()
    try:
        stalled_r, stalled_w = await asyncio.open_connection("127.0.0.1", server.bound_port)
        stalled_w.write(b"agi_network: yes\nagi_requ")  # and then nothing
        await stalled_w.drain()
        line, took = await _full_request(server.bound_port)
        assert line == 'SET VARIABLE "CC_ROUTE" "queue"\n'
        assert took < 1.0, "a stalled client delayed another call"
        # The stalled client is dropped once its header time is up.
        assert await asyncio.wait_for(stalled_r.read(), 5) == b""
        assert server.rejected == 1 and server.served == 1
        stalled_w.close()
    finally:
        await server.stop()


async def test_oversized_header_is_dropped():
    server = FastAgiServer(_handler, port=0, max_header=1024)
    await server.start()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", server.bound_port)
        w.write(b"agi_x: " + b"a" * 4000 + b"\n")
        await w.drain()
        assert await asyncio.wait_for(r.read(), 5) == b""
        assert server.rejected == 1
        w.close()
    finally:
        await server.stop()


def test_quote_arg_escapes_and_refuses():
    assert quote_arg('a "b" \\c') == '"a \\"b\\" \\\\c"'
    for bad in ("x\ny", "x\ry", "x\x00"):
        with pytest.raises(UnsafeAgiArgument):
            quote_arg(bad)


async def test_a_command_longer_than_res_agi_reads_is_refused_unsent():
    sent: list[bytes] = []

    async def handler(req: AgiRequest, session: AgiSession) -> None:
        with pytest.raises(UnsafeAgiArgument, match="2047"):
            await session.set_variable("CC_NOTE", "话" * 700)  # 2,100 bytes of UTF-8
        await session.set_variable("CC_NOTE", "话" * 600)

    server = FastAgiServer(handler, port=0)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.bound_port)
        writer.write(HEADER)
        await writer.drain()
        sent.append(await asyncio.wait_for(reader.readline(), 5))
        writer.write(b"200 result=1\n")
        await writer.drain()
        await reader.read()
        writer.close()
    finally:
        await server.stop()
    (line,) = sent
    assert line.startswith(b'SET VARIABLE "CC_NOTE" "') and len(line) <= 2047
    assert line.decode().count("话") == 600  # the refused one never reached the socket


async def test_a_flood_of_bad_clients_is_dropped_and_logged_in_a_few_lines(caplog):
    import logging

    server = FastAgiServer(_handler, port=0, header_timeout=2.0, max_header=1024)
    await server.start()
    caplog.set_level(logging.WARNING, "callcenter.telephony.agi.server")
    try:
        bad = [b"\x00\xff garbage\r\n\r\n", b"agi_x: " + b"a" * 4000 + b"\n",
               b"agi_network: yes\n\n"]
        for i in range(60):
            r, w = await asyncio.open_connection("127.0.0.1", server.bound_port)
            w.write(bad[i % len(bad)])
            await w.drain()
            assert await asyncio.wait_for(r.read(), 5) == b""
            w.close()
        line, _ = await _full_request(server.bound_port)
        assert line == 'SET VARIABLE "CC_ROUTE" "queue"\n'
        assert server.rejected == 60 and server.served == 1
    finally:
        await server.stop()
    reports = [r.getMessage() for r in caplog.records]
    # The first drop at once, the rest summed when the server stops: two lines, not sixty.
    assert len(reports) == 2, reports
    assert reports[0].startswith("FastAGI: dropped 1 client(s)")
    assert reports[1].startswith("FastAGI: dropped 59 client(s)")


async def test_the_answer_starts_without_waiting_for_the_loops_other_work():
    """From the header's last line to our first command no other ready work runs: under load
    the loop is busy with AMI bursts and stored calls, and each pass waited for would count
    in FastAGI's p99 (asyncio.wait_for in Python 3.11 starts the handler as a task of its
    own, one pass later)."""
    hog_s = 0.1
    decided: list[float] = []
    server = FastAgiServer(_handler, port=0)
    server.observe_decide = lambda script, seconds: decided.append(seconds)
    await server.start()
    loop = asyncio.get_running_loop()
    hogging = True

    def hog() -> None:  # other work, always ready: each pass of the loop runs it once
        time.sleep(hog_s)
        if hogging:
            loop.call_soon(hog)
    try:
        loop.call_soon(hog)
        loop.call_soon(hog)
        line, _ = await _full_request(server.bound_port)
        assert line == 'SET VARIABLE "CC_ROUTE" "queue"\n'
        assert len(decided) == 1 and decided[0] < hog_s, decided
    finally:
        hogging = False
        await asyncio.sleep(2 * hog_s)
        await server.stop()
