"""The AMI client against a scripted peer on loopback: drops during the resync fail at once,
and a peer that never ends a message is cut off and logged into again."""

import asyncio
import time

from callcenter.telephony.ami.client import AmiClient

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


async def _read_action(reader: asyncio.StreamReader) -> dict[str, str]:
    raw = await reader.readuntil(b"\r\n\r\n")
    return dict(line.split(": ", 1) for line in raw.decode().strip().split("\r\n"))


class Peer:
    """Accepts logins; `script(n, reader, writer)` plays connection n after the login."""

    def __init__(self, script):
        self.script = script
        self.logins: list[float] = []

    async def handle(self, reader, writer):
        n = len(self.logins)
        writer.write(BANNER)
        login = await _read_action(reader)
        self.logins.append(time.monotonic())
        writer.write(f"Response: Success\r\nActionID: {login['ActionID']}\r\n"
                     "Message: Authentication accepted\r\n\r\n".encode())
        await writer.drain()
        try:
            await self.script(n, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def _serve_well(reader, writer):
    while True:
        action = await _read_action(reader)
        aid = action["ActionID"]
        if action["Action"] == "CoreShowChannels":
            writer.write(f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
                         f"Event: CoreShowChannelsComplete\r\nActionID: {aid}\r\n"
                         "EventList: Complete\r\n\r\n".encode())
        else:
            writer.write(f"Response: Success\r\nActionID: {aid}\r\n\r\n".encode())
        await writer.drain()


async def _run(peer: Peer, logins: int, timeout: float) -> AmiClient:
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = AmiClient("127.0.0.1", port, "u", "s", min_backoff=0.1, max_backoff=0.2)
    task = asyncio.create_task(client.run())
    try:
        deadline = time.monotonic() + timeout
        while len(peer.logins) < logins and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await client.stop()
        task.cancel()
        server.close()
    return client


async def test_a_drop_during_the_resync_fails_at_once_and_logs_in_again():
    async def script(n, reader, writer):
        if n == 0:
            await _read_action(reader)  # CoreShowChannels, then the line drops
            return
        await _serve_well(reader, writer)

    peer = Peer(script)
    await _run(peer, 2, 20)
    assert len(peer.logins) >= 2
    # The resync's 30 s time-out is not waited for: back in well under it.
    assert peer.logins[1] - peer.logins[0] < 5


async def test_a_peer_that_never_ends_a_message_is_cut_off():
    async def script(n, reader, writer):
        if n == 0:
            await _read_action(reader)
            for _ in range(40):  # 1.3 MiB of one message, never terminated
                writer.write(b"Output: " + b"x" * 32 * 1024 + b"\r\n")
                await writer.drain()
            await reader.read()  # until the client hangs up
            return
        await _serve_well(reader, writer)

    peer = Peer(script)
    await _run(peer, 2, 20)
    assert len(peer.logins) >= 2


async def test_a_burst_of_events_lets_the_rest_of_the_loop_run_in_between():
    import time

    from callcenter.telephony.ami.client import YIELD_EVERY, consume

    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    handled: list[int] = []
    for n in range(50 * YIELD_EVERY):
        queue.put_nowait({"Event": "Newchannel", "N": str(n)})

    def slow(msg):
        time.sleep(0.0002)  # a handler's real work, ~0.2 ms
        handled.append(int(msg["N"]))

    async def fastagi_answer() -> int:
        await asyncio.sleep(0)
        return len(handled)  # how many events ran before this got its turn

    consumer = asyncio.create_task(consume(queue, slow))
    waited = await fastagi_answer()
    await asyncio.wait_for(queue.join(), 10)
    consumer.cancel()
    assert handled == list(range(50 * YIELD_EVERY))  # in order, every one
    assert waited <= YIELD_EVERY
