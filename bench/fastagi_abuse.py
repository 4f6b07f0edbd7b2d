"""FastAGI under abuse: while many clients send half headers, garbage, nothing or oversized
headers, real routing requests keep being answered. Prints the event loop's lag (a 10 ms
ticker's lateness) and the real requests' latency, p50 / p99, beside the same without abuse.

    python3 bench/fastagi_abuse.py --abusers 200 --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from callcenter.telephony.agi.server import AgiRequest, AgiSession, FastAgiServer

HEADER = (b"agi_network: yes\nagi_network_script: route\nagi_request: agi://127.0.0.1/route\n"
          b"agi_channel: PJSIP/citizens-1\nagi_uniqueid: 1.1\nagi_callerid: 13800138000\n\n")
ABUSE = [b"agi_network: yes\nagi_requ",            # half a header, then nothing
         b"",                                       # connects and says nothing
         b"\x00\xff garbage \r\n\r\n\x1b[31m",      # not a header at all
         b"agi_x: " + b"a" * 40_000 + b"\n"]        # past the header limit


async def handler(req: AgiRequest, session: AgiSession) -> None:
    await session.set_variable("CC_ROUTE", "queue")


async def request(port: int) -> float:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(HEADER)
    await writer.drain()
    await reader.readline()
    writer.write(b"200 result=1\n")
    await writer.drain()
    await reader.read()
    writer.close()
    return time.perf_counter() - start


async def abuser(port: int, payload: bytes, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(payload)
            await writer.drain()
            await asyncio.wait_for(reader.read(), 10)  # until the server drops us
            writer.close()
        except (OSError, TimeoutError):
            await asyncio.sleep(0.05)


async def ticker(lags: list[float], stop: asyncio.Event) -> None:
    step = 0.010
    while not stop.is_set():
        due = time.perf_counter() + step
        await asyncio.sleep(step)
        lags.append(max(0.0, time.perf_counter() - due))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(abusers: int, requests: int) -> None:
    server = FastAgiServer(handler, port=0, header_timeout=2.0)
    await server.start()
    port = server.bound_port
    for label, n in (("quiet", 0), (f"{abusers} abusers", abusers)):
        stop = asyncio.Event()
        lags: list[float] = []
        tasks = [asyncio.create_task(abuser(port, ABUSE[i % len(ABUSE)], stop))
                 for i in range(n)]
        tick = asyncio.create_task(ticker(lags, stop))
        await asyncio.sleep(0.5)
        took = [await request(port) for _ in range(requests)]
        stop.set()
        await asyncio.gather(tick, *tasks, return_exceptions=True)
        print(f"{label:>12}: loop lag p50 {statistics.median(lags) * 1000:.2f} ms, "
              f"p99 {pct(lags, 0.99) * 1000:.2f} ms; request p50 "
              f"{statistics.median(took) * 1000:.2f} ms, p99 {pct(took, 0.99) * 1000:.2f} ms; "
              f"rejected so far {server.rejected}, served {server.served}")
    await server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--abusers", type=int, default=200)
    ap.add_argument("--requests", type=int, default=500)
    args = ap.parse_args()
    print(f"pid {os.getpid()}, one process, one event loop")
    asyncio.run(run(args.abusers, args.requests))


if __name__ == "__main__":
    main()
