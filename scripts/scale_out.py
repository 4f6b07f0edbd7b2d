"""The hotline past one machine, on this one (docs/operations.md, "Past one machine"):
PostgreSQL, two named sandbox Asterisks sharing one recordings folder, Kamailio in front of
them, one controller following both, two transcribers sharing the job table. It places a few
SIPp calls through the proxy, prints where each went and whether Asterisk's CEL accounts agree
with the store, and keeps everything running until Ctrl-C (or stops at once with --once).

    python3 scripts/scale_out.py [--calls 6] [--once]

Run scripts/setup-host.sh first (Kamailio, PostgreSQL, SIPp, the sandbox root).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

import bench_home  # noqa: E402
from pg_support import PgCluster  # noqa: E402

from callcenter import sandbox, simulate  # noqa: E402
from callcenter.config import load_settings  # noqa: E402
from callcenter.systemd import scheduling  # noqa: E402
from callcenter.telephony.render import render_proxy  # noqa: E402

# A block of its own (tests 12000-27999, benchmarks 28000-29999): pbx1 at +0 and pbx2 at +250
# (SIP +60, AMI +38, RTP +100..+199, seats +71/+72), citizens +500.., phones' media +700..,
# citizens' media +800.., FastAGI +973, Kamailio +990.
BASE = 30000
PROXY = BASE + 990
AGI = BASE + 973


def _config(name: str, base: int, url: str, recordings: Path, peers: str = "") -> str:
    return bench_home.config(base, [base + 71, base + 72], (base + 100, base + 199), f"""
[queue]
name = "hotline"
ring_timeout = 5
wrapup = 0
[controller]
metrics_port = {BASE + 961}
[speech]
metrics_port = 0
""", url).replace('root = "recordings"', f'root = "{recordings}"').replace(
        f"agi_port = {base + 73}", f'agi_port = {AGI}\nsystemname = "{name}"\npeers = "{peers}"')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--once", action="store_true", help="stop everything after the calls")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scale-out-"))
    # One AMI user for every Asterisk (the controller logs in to each with it).
    os.environ.setdefault("CALLCENTER_AMI_SECRET", secrets.token_hex(16))
    recordings = work / "recordings"
    cluster = PgCluster(fsync=True)
    cluster.start()
    procs: list[subprocess.Popen[bytes]] = []
    phones: list[simulate.Sipp] = []
    instances: list[sandbox.Instance] = []
    try:
        url = cluster.database("hotline")
        homes = []
        for name, base, peers in (("pbx1", BASE, f"pbx2=127.0.0.1:{BASE + 250 + 38}"),
                                  ("pbx2", BASE + 250, "")):
            home, settings, instance = bench_home.started(
                f"scale-out-{name}-", _config(name, base, url, recordings, peers))
            homes.append((home, settings))
            instances.append(instance)
            media = BASE + 700 + (base - BASE) // 5
            phones += [simulate.seat_phone(s.sandbox_port, media + 10 * i)
                       for i, s in enumerate(settings.seats)]
        cfg = render_proxy(("127.0.0.1", PROXY), [("127.0.0.1", s.sip_port) for _, s in homes],
                           work / "kamailio")
        with (work / "kamailio.log").open("w") as log:
            procs.append(subprocess.Popen(["kamailio", "-DD", "-E", "-f", str(cfg), "-Y",
                                           str(cfg.parent)], stderr=log))
        home, settings = homes[0]
        cli = [sys.executable, "-m", "callcenter", "--config",
               str(home / "config" / "hotline.toml")]
        env = {**os.environ, "CALLCENTER_HOME": str(home)}
        with (work / "controller.log").open("w") as log:
            procs.append(subprocess.Popen([*scheduling("callcenter-controller.service"), *cli,
                                           "run"], env=env, stderr=log))
        for n in (1, 2):
            with (work / f"transcriber{n}.log").open("w") as log:
                procs.append(subprocess.Popen([*scheduling("callcenter-transcriber.service"),
                                               *cli, "transcriber"], env=env, stderr=log))
        for _ in range(100):
            if "AMI logged in" in (work / "controller.log").read_text():
                break
            time.sleep(0.2)
        time.sleep(2)
        since = dt.datetime.now(dt.UTC)
        print(f"proxy sip:12345@127.0.0.1:{PROXY}; store {url}; logs in {work}")
        calls = [simulate.call(settings.number, PROXY, BASE + 500 + 3 * i, BASE + 800 + 10 * i,
                               f"1390013900{i}", 9000, routed=True)
                 for i in range(args.calls)]
        failed = sum(c.wait(90) != 0 for c in calls)
        time.sleep(3)
        stored = json.loads(subprocess.run([*cli, "calls", "--since", since.isoformat(),
                                            "--json"], env=env, capture_output=True,
                                           text=True).stdout)
        where = collections.Counter(c["linkedid"].split("-")[0] for c in stored)
        print(f"{args.calls} calls, {failed} failed; stored {len(stored)}: "
              + ", ".join(f"{name} {n}" for name, n in sorted(where.items())))
        from callcenter.bootstrap import build

        cel = "".join((i.merged / "var/log/asterisk/hotline-cel.csv").read_text()
                      for i in instances)
        hotline = build(load_settings(home / "config" / "hotline.toml", root=home))
        try:
            found = hotline.call_log.reconcile(cel, since)
        finally:
            hotline.close()
        print(f"Asterisk's CEL of both against the store: {'ok' if found.ok else found}")
        if not args.once:
            print("running; Ctrl-C stops everything")
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
        return 0 if found.ok and not failed and len(stored) == args.calls else 1
    finally:
        for p in reversed(procs):
            p.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(60)
        for phone in phones:
            phone.stop()
        for instance in instances:
            sandbox.stop(instance)
        cluster.remove()


if __name__ == "__main__":
    sys.exit(main())
