"""Busy-hour load on the real line: SIPp citizens at a rising rate against the sandbox
Asterisk, recording on, the controller and a transcriber running as their own processes.

    python3 bench/load_ramp.py [--steps 2x20,5x20,10x12,10x20] [--seconds 30] [--url …]
                               [--asterisk-realtime]

Each step is RATExHOLD: new calls a second, and how long each citizen stays on (prompts
included). Calls arrive for `--seconds`, then the step waits until every call ended and was
stored. Per step it prints:
- SIPp's successful and failed calls, and the most calls up at once;
- the calls stored (once each: `callcenter reconcile` against Asterisk's CEL);
- recordings equal to answered calls (the mix within 1 s of the talk time);
- the controller's CPU against Asterisk's, AMI event lag and FastAGI latency p99 (from the
  controller's own /metrics; the histogram's bucket bound): the whole request, Asterisk's
  replies included, and ours (the header read to our first command).
The seats are 160 SIP endpoints answered by one SIPp (echoing the audio), so the queue is
never what limits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import bench_home

from callcenter import sandbox, simulate
from callcenter.speech import rtp_pcap
from callcenter.systemd import scheduling

BASE = 29000  # a port block of its own (tests use 12000-27999, console_live 28000-28999)
SEATS = 160


def config(url: str) -> str:
    return bench_home.config(BASE, [BASE + 200] * SEATS, (BASE + 2000, BASE + 3999), f"""
[queue]
name = "hotline"
strategy = "rrmemory"
ring_timeout = 5
wrapup = 0
max_wait = 120
[controller]
metrics_port = {BASE + 61}
[speech]
metrics_port = {BASE + 62}""", url)


def scrape() -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{BASE + 61}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("callcenter_") and " " in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def p99(before: dict[str, float], after: dict[str, float], family: str, label: str = "") -> str:
    """The bucket bound under which 99 % of this step's observations fall."""
    pat = re.compile(rf'^{family}_bucket{{le="([^"]+)"(?:,{label})?}}$')
    buckets = sorted((float(m.group(1)), after[k] - before.get(k, 0.0))
                     for k in after if (m := pat.match(k)) and (label in k or not label))
    total = buckets[-1][1] if buckets else 0.0
    if not total:
        return "no samples"
    for bound, count in buckets:
        if count >= 0.99 * total:
            return f"≤ {bound * 1000:g} ms (n={total:.0f})"
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="2x20,5x20,10x12,10x20")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--url", default="", help="a PostgreSQL database (default: SQLite)")
    ap.add_argument("--asterisk-realtime", action="store_true",
                    help="Asterisk real-time, as Debian's unit runs it (asterisk -p)")
    args = ap.parse_args()
    url = args.url or "sqlite:///calls.db"
    home, settings, instance = bench_home.started("bench-load-", config(url))
    env = {**os.environ, "CALLCENTER_HOME": str(home)}
    cli = [sys.executable, "-m", "callcenter", "--config", str(home / "config" / "hotline.toml")]
    procs: list[subprocess.Popen[bytes]] = []
    seats = simulate.seat_phone(BASE + 200, BASE + 4000)
    try:
        with (home / "run.log").open("w") as log, (home / "transcriber.log").open("w") as tlog:
            # Scheduled as their systemd units schedule them in production.
            controller = subprocess.Popen([*scheduling("callcenter-controller.service"), *cli,
                                           "run"], env=env, stderr=log)
            transcriber = subprocess.Popen([*scheduling("callcenter-transcriber.service"), *cli,
                                            "transcriber"], env=env, stderr=tlog)
        procs += [controller, transcriber]
        for _ in range(100):
            if "AMI logged in" in (home / "run.log").read_text():
                break
            time.sleep(0.2)
        time.sleep(3)  # the queue takes every seat
        asterisk_pid = instance.pid()
        assert asterisk_pid is not None
        if args.asterisk_realtime:
            # What Debian's asterisk.service does with -p: every thread round-robin at 10, above
            # the controller's loop (1). Threads made later inherit it from their makers.
            subprocess.run(["chrt", "--all-tasks", "--rr", "--pid", "10", str(asterisk_pid)],
                           check=True)
        print(f"machine: {os.cpu_count()} cores; store {url.split(':')[0]}; {SEATS} seats")
        for step in args.steps.split(","):
            rate, hold = (float(x) for x in step.split("x"))
            run_step(settings, home, cli, env, instance, asterisk_pid, controller.pid, rate,
                     hold, args.seconds)
    finally:
        for p in procs:
            p.terminate()
            p.wait(60)
        seats.stop()
        sandbox.stop(instance)
        print(f"logs in {home}")


def run_step(settings, home, cli, env, instance, asterisk_pid, controller_pid, rate,
             hold, seconds) -> None:
    total = int(rate * seconds)
    work = Path(tempfile.mkdtemp(prefix="sipp-load-"))
    pcap = work / "citizen.pcap"
    # Audio until the BYE, however late a busy SIPp sends it: a phone that stops sending
    # leaves MixMonitor nothing to write, and the recording would end before the call.
    rtp_pcap.write_pcap(rtp_pcap.alaw_samples(simulate.DEFAULT_AUDIO), pcap, hold + 15)
    (work / "citizen.xml").write_text(simulate.citizen_scenario("13800138000", int(hold * 1000),
                                                                pcap))
    since = dt.datetime.now(dt.UTC)
    before, cpu0 = scrape(), (bench_home.cpu_s(asterisk_pid), bench_home.cpu_s(controller_pid))
    started = time.monotonic()
    sipp = subprocess.Popen(
        [shutil.which("sipp") or "sipp", f"127.0.0.1:{settings.sip_port}", "-sf",
         str(work / "citizen.xml"), "-s", settings.number, "-i", "127.0.0.1", "-p",
         str(BASE + 300), "-mp", str(BASE + 6000), "-r", f"{rate:g}", "-m", str(total),
         "-l", str(total), "-nostdin", "-timeout", f"{seconds + hold + 180:.0f}s",
         "-trace_stat", "-stf", str(work / "stat.csv"), "-fd", "1", "-trace_err",
         "-recv_timeout", "120000"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while sipp.poll() is None:
        up = instance.rx("core show channels count")
        m = re.search(r"(\d+) active calls?", up)
        peak = max(peak, int(m.group(1)) if m else 0)
        time.sleep(0.5)
    took = time.monotonic() - started
    cpu1 = (bench_home.cpu_s(asterisk_pid), bench_home.cpu_s(controller_pid))
    rows = [r for r in (work / "stat.csv").read_text().splitlines() if r.strip()]
    head, last = rows[0].split(";"), rows[-1].split(";")
    stat = dict(zip(head, last, strict=False))
    ok, failed = int(stat.get("SuccessfulCall(C)", 0)), int(stat.get("FailedCall(C)", 0))
    time.sleep(4)  # the last calls stored
    after = scrape()
    found = json.loads(subprocess.run([*cli, "reconcile", "--since", since.isoformat(),
                                       "--json"], env=env, capture_output=True,
                                      text=True).stdout)
    calls = json.loads(subprocess.run([*cli, "calls", "--since", since.isoformat(),
                                       "--limit", "100000", "--json"], env=env,
                                      capture_output=True, text=True).stdout)
    answered = [c for c in calls if c["disposition"] == "answered"]
    good = [c for c in answered
            if any(r["kind"] == "mix" and not r["error"] and r["duration_s"] is not None
                   and abs(r["duration_s"] - (c["talk_s"] or 0)) <= 1.0
                   for r in c["recordings"])]
    a_cpu, c_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    route = 'script="route"'
    print(f"step {rate:g}/s x {hold:g} s, {total} calls in {took:.0f} s: SIPp ok {ok}, "
          f"failed {failed}; peak {peak} calls up; stored {len(calls)} "
          f"(answered {len(answered)}, recordings within 1 s {len(good)}); reconcile "
          f"{'ok' if found.get('ok') else found}; CPU Asterisk {a_cpu:.1f} s, controller "
          f"{c_cpu:.1f} s (ratio {c_cpu / a_cpu if a_cpu else 0:.2f}); AMI lag p99 "
          f"{p99(before, after, 'callcenter_ami_event_lag_seconds')}; FastAGI p99 "
          f"{p99(before, after, 'callcenter_fastagi_seconds', route)} (ours: "
          f"{p99(before, after, 'callcenter_fastagi_decide_seconds', route)})",
          flush=True)


if __name__ == "__main__":
    main()
