"""Live assist under load, on the real sandbox Asterisk: N SIPp citizens at once speak Korean
(espeak-ng: the model these machines can install) to N seats; the controller spies each
answered call into `callcenter live`, running as its own process; a supervisor's event
stream (the API's /events, as every desk gets it) receives the words.

    python3 bench/live_assist.py [--calls 20] [--speakers citizen] [--warm 1]

The same calls are made `--warm` times before the measured round, as on a line that has been
up: the recogniser keeps its recognisers warm between utterances and calls
(speech/decode.Recognisers), and a cold start composes the decoding graph from scratch.

Latency of a line = when the event arrived on the stream - when the audio it covers had
arrived at the live recogniser (the stream's connection time + the line's end in the stream;
Asterisk hands ChanSpy's audio over within a frame of hearing it). Partial lines show words
while the citizen speaks; a final line waits for the pause that ends the utterance (0.4 s).
CPU, in the measured round: the live recogniser's per second of speaker audio streamed, and
Asterisk's in the same calls three times: no tap; the citizen's audio tapped our way (ChanSpy
into AudioSocket); and tapped the other way the issue names, a second MixMonitor on the
citizen's channel writing raw slin into a named pipe that a reader drains. Each run looks up
the calls' channels the same way (the CLI, once a second), so that cost is in all three.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import bench_home
from aiohttp import web
from sqlalchemy import select

from callcenter import sandbox, simulate
from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.bootstrap import build
from callcenter.domain.privacy import Role, Viewer
from callcenter.speech import rtp_pcap
from callcenter.storage.live_tables import LiveHeardRow, LiveStreamRow
from callcenter.storage.uow import UnitOfWork

BASE = 28000  # console_live's block: the two benches never run at once
SAID = ["난방이 안 됩니다. 수리를 요청합니다.", "물이 새고 있어요. 빨리 와 주세요.",
        "주소는 행복로 십이 번지입니다."]
SILENCE = b"\xd5"


def config(seats: int, live: bool, speakers: str, chunk: int, most: int) -> str:
    return bench_home.seated(BASE, seats, f"""
[live]
port = {BASE + 90 if live else 0}
speakers = "{speakers}"
frames_per_chunk = {chunk}
max_streams = {most}
warm = {min(most, 20)}
metrics_port = 0
[controller]
metrics_port = 0""")


def citizen_audio(work: Path) -> tuple[Path, float]:
    """4 s of silence (greeting, queue, answer), the sentences with pauses, 2 s after."""
    audio = SILENCE * 4 * 8000
    for i, text in enumerate(SAID):
        wav = work / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), text], check=True)
        audio += rtp_pcap.alaw_samples(wav) + SILENCE * int(1.5 * 8000)
    audio += SILENCE * 2 * 8000
    pcap = work / "citizen.pcap"
    rtp_pcap.write_pcap(audio, pcap, len(audio) / 8000 + 5)
    return pcap, len(audio) / 8000


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


async def listen(url: str, token: str, out: list[tuple[float, dict[str, object]]],
                 stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as s, s.get(
            url, headers={"Authorization": f"Bearer {token}"},
            timeout=aiohttp.ClientTimeout(total=None)) as r:
        if r.status != 200:
            raise SystemExit(f"the event stream answered {r.status}: {await r.text()}")
        name = ""
        while not stop.is_set():
            raw = await r.content.readline()
            if not raw:
                return
            text = raw.decode().rstrip("\n")
            if text.startswith("event: "):
                name = text[7:]
            elif text.startswith("data: ") and name == "live_words":
                out.append((time.time(), json.loads(text[6:])))


TAPS = ("off", "audiosocket", "mixmonitor")


class Taps:
    """The answered citizens' channels, found through the CLI; for "mixmonitor", each gets a
    MixMonitor into a named pipe inside the sandbox, drained by a thread of ours."""

    def __init__(self, instance: sandbox.Instance, mode: str) -> None:
        self.instance, self.mode = instance, mode
        self.found: set[str] = set()
        self.drained = 0  # bytes of slin read from the pipes
        self.readers: list[threading.Thread] = []
        self.pipes = instance.merged / "var/spool/asterisk/tap"

    def _drain(self, fifo: Path) -> None:
        with fifo.open("rb") as f:  # blocks until MixMonitor opens its end
            while chunk := f.read(3200):
                self.drained += len(chunk)

    def look(self) -> None:
        for line in self.instance.rx("core show channels concise").splitlines():
            fields = line.split("!")
            if len(fields) < 14 or fields[5] != "Queue" or not fields[12] \
                    or fields[0] in self.found:
                continue  # not a citizen in the queue who is talking to a seat
            self.found.add(fields[0])
            if self.mode == "mixmonitor":
                self.pipes.mkdir(mode=0o777, exist_ok=True)
                self.pipes.chmod(0o777)
                fifo = self.pipes / f"{len(self.found)}.sln"
                os.mkfifo(fifo, 0o666)
                fifo.chmod(0o666)
                reader = threading.Thread(target=self._drain, args=(fifo,), daemon=True)
                reader.start()
                self.readers.append(reader)
                self.instance.rx(f"mixmonitor start {fields[0]} "
                                 f"/var/spool/asterisk/tap/{fifo.name}")

    async def follow(self, calls: int, stop: asyncio.Event) -> None:
        while len(self.found) < calls and not stop.is_set():
            await asyncio.to_thread(self.look)
            await asyncio.sleep(1.0)


@dataclass
class Run:
    asterisk_cpu: float
    live_cpu: float
    streams: int  # opened by the controller
    heard: int  # taken by the recogniser (max_streams)
    lag: dict[bool, list[float]]  # final? -> seconds to the event stream
    stored: list[float]  # final words: seconds to the store
    tapped: int  # citizens' channels found talking to a seat
    piped_s: float  # seconds of audio read from MixMonitor's pipes


async def run(args: argparse.Namespace, mode: str, pcap: Path, seconds: float) -> Run:
    live = mode == "audiosocket"
    home, settings, instance = bench_home.started("bench-live-",
                                                  config(args.calls, live, args.speakers,
                                                         args.frames_per_chunk,
                                                         args.max_streams))
    env = {**os.environ, "CALLCENTER_HOME": str(home)}
    phones = [simulate.seat_phone(s.sandbox_port, BASE + 2000 + 10 * i)
              for i, s in enumerate(settings.seats)]
    recogniser = None
    hotline = build(settings)
    controller = hotline.controller(grace=1.0, on_stopped=hotline.close)
    runner = None
    calls: list[simulate.Sipp] = []
    events: list[tuple[float, dict[str, object]]] = []
    stop = asyncio.Event()
    try:
        if live:
            log = (home / "live.log").open("w")
            recogniser = subprocess.Popen(  # noqa: ASYNC220 (started once, before the calls)
                [sys.executable, "-m", "callcenter", "--config",
                 str(home / "config" / "hotline.toml"), "live"], env=env, stderr=log)
            for _ in range(600):  # listening, and its recognisers warmed on the prompts
                if "warmed" in (home / "live.log").read_text():
                    break
                await asyncio.sleep(0.2)
        await controller.start()
        await asyncio.wait_for(controller.ami.connected.wait(), 20)
        token = tokens.add(home / "tokens.toml", Viewer(Role.SUPERVISOR, "boss"))
        api = hotline.api(tokens=tokens.load(home / "tokens.toml"))
        runner = web.AppRunner(make_app(api))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", BASE + 81).start()
        stream = asyncio.create_task(listen(f"http://127.0.0.1:{BASE + 81}/api/v1/events",
                                            token, events, stop))
        await asyncio.sleep(2.0)  # the queue takes every seat
        pid = instance.pid()
        assert pid is not None

        async def place() -> list[simulate.Sipp]:
            placed = []
            for i in range(args.calls):
                placed.append(simulate.call(settings.number, settings.sip_port,
                                            BASE + 400 + 3 * i, BASE + 3000 + 10 * i,
                                            f"1380000{i:04d}", int(seconds * 1000), audio=pcap,
                                            timeout_s=120))
                await asyncio.sleep(args.stagger)
            return placed

        for _ in range(args.warm):  # a line that has been up: recognisers kept warm
            warm = await place()
            for c in warm:
                await asyncio.to_thread(c.wait, 120)
                c.stop()
            await asyncio.sleep(5)
        measured_from = datetime.now(UTC)
        cpu0 = (bench_home.cpu_s(pid), bench_home.cpu_s(recogniser.pid) if recogniser else 0.0)
        calls += await place()
        taps = Taps(instance, mode)
        follow = asyncio.create_task(taps.follow(args.calls, stop))
        for c in calls:
            await asyncio.to_thread(c.wait, 120)
        await asyncio.sleep(3)  # the last words decoded and written
        asterisk_cpu = bench_home.cpu_s(pid) - cpu0[0]
        stop.set()
        stream.cancel()
        await follow
        for reader in taps.readers:
            reader.join(10)
        live_cpu = 0.0
        if recogniser is not None:  # what it still held is decoded and written as it exits
            recogniser.terminate()
            _, _, usage = await asyncio.to_thread(os.wait4, recogniser.pid, 0)
            live_cpu = usage.ru_utime + usage.ru_stime - cpu0[1]
        with UnitOfWork(hotline.store.engine, read_only=True) as uow:
            measured = list(uow.session.scalars(
                select(LiveStreamRow).where(LiveStreamRow.opened_at >= measured_from)))
            streams = {(r.linkedid, r.speaker): r.connected_at for r in measured}
            heard = len({r.stream for r in uow.session.scalars(select(LiveHeardRow))}
                        & {r.id for r in measured})
            written = [(r.linkedid, r.speaker, r.end_s, r.at) for r in uow.session.scalars(
                select(LiveHeardRow).where(LiveHeardRow.final.is_(True)))]
    finally:
        for c in calls:
            c.stop()
        if runner is not None:
            await runner.cleanup()
        await controller.stop()
        if recogniser is not None and recogniser.poll() is None:
            recogniser.terminate()
            recogniser.wait(30)
        for ph in phones:
            ph.stop()
        sandbox.stop(instance)
    lag: dict[bool, list[float]] = {False: [], True: []}
    for at, w in events:
        began: datetime | None = streams.get((str(w["call"]), str(w["speaker"])))
        if began is not None:
            lag[bool(w["final"])].append(at - began.timestamp() - float(str(w["end_s"])))
    # Where the time goes: the final words' write to the store, against their arrival.
    stored = [at.timestamp() - began.timestamp() - end for call, speaker, end, at in written
              if (began := streams.get((call, speaker))) is not None]
    return Run(asterisk_cpu, live_cpu, len(streams), heard, lag, stored,
               len(taps.found), taps.drained / 16000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--speakers", default="citizen", help='"citizen" or "citizen,agent"')
    ap.add_argument("--stagger", type=float, default=0.3, help="seconds between calls")
    ap.add_argument("--frames-per-chunk", type=int, default=10, help="[live] frames_per_chunk")
    ap.add_argument("--max-streams", type=int, default=1000, help="[live] max_streams")
    ap.add_argument("--warm", type=int, default=1,
                    help="rounds of the same calls before the measured one (0: a cold start)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcap, seconds = citizen_audio(Path(tmp))
        off = asyncio.run(run(args, "off", pcap, seconds))
        on = asyncio.run(run(args, "audiosocket", pcap, seconds))
        piped = asyncio.run(run(args, "mixmonitor", pcap, seconds))
    per_stream_s = seconds * on.heard
    print(f"machine: {os.cpu_count()} cores; {args.calls} calls at once, each {seconds:.0f} s; "
          f"speakers: {args.speakers}; {on.streams} streams, {on.heard} heard "
          f"(max_streams {args.max_streams}); frames per chunk {args.frames_per_chunk}")
    for final, name in ((False, "partial"), (True, "final")):
        if values := on.lag[final]:
            print(f"{name} words on the stream: n={len(values)} p50 {pct(values, 50):.2f} s, "
                  f"p95 {pct(values, 95):.2f} s, max {max(values):.2f} s")
    if on.stored:
        print(f"final words in the store (the recogniser's part): p50 {pct(on.stored, 50):.2f}"
              f" s, p95 {pct(on.stored, 95):.2f} s")
    print(f"live recogniser CPU: {on.live_cpu:.1f} s for {per_stream_s:.0f} s of streams "
          f"({on.live_cpu / per_stream_s:.3f} core per stream)")
    spy = on.asterisk_cpu - off.asterisk_cpu
    print(f"Asterisk CPU, same calls: live off {off.asterisk_cpu:.1f} s, on "
          f"{on.asterisk_cpu:.1f} s (+{spy:.1f} s, {spy / per_stream_s:.4f} core per stream)")
    mix = piped.asterisk_cpu - off.asterisk_cpu
    if piped.piped_s:
        print(f"Asterisk CPU, MixMonitor into a pipe instead: {piped.asterisk_cpu:.1f} s "
              f"(+{mix:.1f} s for {piped.piped_s:.0f} s of audio from {piped.tapped} calls, "
              f"{mix / piped.piped_s:.4f} core per stream)")
    else:
        print(f"MixMonitor into a pipe: no audio came through ({piped.tapped} calls found)")

if __name__ == "__main__":
    main()
