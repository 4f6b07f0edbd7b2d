"""What storing a call costs the controller under load, where each batch holds one call.

    python3 bench/call_saves.py [--calls 500] [--url postgresql://...]

At 10 new calls a second the controller's batches hold one or two calls, and each call is
stored twice: the checkpoint when a seat answers (a new call) and its end (a known one). This
replays the captured answered call (tests/data, renumbered as in bench/ami_replay.py) that way,
one call per transaction, and prints the controller's CPU and wall time per call. The URL
names an empty database; without it a fresh SQLite file is used.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ami_replay import CHUNK, build_stream

from callcenter.domain.calls import Trail
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.ami.parse import AmiParser
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.tracker import CallTracker

WARM = 50  # calls stored before the clock starts: caches, prepared statements


def trails(calls: int) -> dict[str, Trail]:
    stream, _ = build_stream(calls)
    parser, tracker = AmiParser(CallTracker.WANTS), CallTracker()
    out: dict[str, Trail] = {}
    for i in range(0, len(stream), CHUNK):
        for msg in parser.feed(stream[i:i + CHUNK]):
            for lid in tracker.feed(msg):
                out[lid] = tracker.pop(lid)
    return out


def per_call(url: str, calls: dict[str, Trail]) -> tuple[float, float]:
    """Milliseconds of CPU and of wall time per call, each stored twice."""
    engine = make_engine(url)
    migrate(engine)
    log = CallLog(UnitsOfWork(engine), Path("/nonexistent"), "/var/spool/asterisk/hotline-rec",
                  record_of, measure_files=False)
    items = list(calls.items())
    # The checkpoint holds the events up to the answer: here, the first half of the trail.
    halves = {lid: dict(list(t.items())[:len(t) // 2]) for lid, t in items}
    cpu = wall = 0.0
    for n, (lid, trail) in enumerate(items):
        c, w = time.process_time(), time.perf_counter()
        log.save({lid: halves[lid]})
        log.save({lid: trail})
        if n >= WARM:
            cpu += time.process_time() - c
            wall += time.perf_counter() - w
    engine.dispose()
    measured = len(items) - WARM
    return 1000 * cpu / measured, 1000 * wall / measured


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--url", help="an empty database to use instead of a fresh SQLite file")
    args = ap.parse_args()
    calls = trails(args.calls + WARM)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/calls.db"
        cpu, wall = per_call(url, calls)
    print(f"{url.split(':')[0]}: {args.calls} calls, one per batch, each stored twice: "
          f"{cpu:.2f} ms CPU, {wall:.2f} ms wall per call")


if __name__ == "__main__":
    main()
