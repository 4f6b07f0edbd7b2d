"""kill -9 during ticket writes, many times, on SQLite and PostgreSQL (fsync on; the server
itself killed every tenth time): acknowledged writes found afterwards, integrity checks.

    python3 bench/kill_loop.py --iterations 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from kill_loop_support import Acks, check, migrated, run
from pg_support import PgCluster


def _report(name: str, url: str, started: float, acks: Acks) -> None:
    took = time.monotonic() - started
    problems = check(url, acks)
    print(f"{name}: {acks.kills} writers killed, {acks.server_kills} server kills, "
          f"{len(acks.registered)} registrations and {len(acks.dispatched)} dispatches "
          f"acknowledged, {len(problems)} problems, {took:.0f} s")
    for p in problems[:10]:
        print("  ", p)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = migrated(f"sqlite:///{tmp}/calls.db")
        started = time.monotonic()
        _report("sqlite", url, started, run(url, args.iterations, seed=1))
    cluster = PgCluster(fsync=True)
    cluster.start()
    try:
        url = migrated(cluster.database("hotline"))
        started = time.monotonic()
        _report("postgresql", url, started,
                run(url, args.iterations, seed=2, kill_server=cluster.crash, server_every=10))
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
