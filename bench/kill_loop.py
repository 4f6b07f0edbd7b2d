"""kill -9 during ticket writes, many times, on SQLite and PostgreSQL (fsync on; the server
itself killed every tenth time): acknowledged writes found afterwards, integrity checks.

    python3 bench/kill_loop.py --iterations 1000
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg
from kill_loop_support import Acks, check, run, seed_units
from pg_support import PgCluster

from callcenter.storage.engine import make_engine, migrate


def _migrated(url: str) -> str:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    seed_units(url)
    return url


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
        url = _migrated(f"sqlite:///{tmp}/calls.db")
        started = time.monotonic()
        _report("sqlite", url, started, run(url, args.iterations, seed=1))
    cluster = PgCluster(fsync=True)
    cluster.start()
    try:
        with psycopg.connect(cluster.url + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE hotline")
        url = _migrated(cluster.url + "/hotline")

        def kill_server() -> None:
            pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
            cluster.stop("immediate")
            cluster.start()

        started = time.monotonic()
        _report("postgresql", url, started,
                run(url, args.iterations, seed=2, kill_server=kill_server, server_every=10))
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
