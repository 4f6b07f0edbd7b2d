"""AMI capture replay: raw panoramisk parsing vs our parse -> track -> store, same bytes, same run.

    python3 bench/ami_replay.py [--calls 2000] [--url postgresql://...]

Prints events per second for each stage and the ratio of the whole pipeline to panoramisk's
raw parse. The trace is the real call captured from the sandbox (tests/data), renumbered so
every copy is a distinct call.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from panoramisk.ami_protocol import AMIProtocol

from callcenter.domain.calls import Trail
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.ami.parse import AmiParser
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.tracker import CallTracker

TRACE = json.loads((Path(__file__).parent.parent / "tests/data/answered_call.json").read_text())
CHUNK = 4096


def build_stream(calls: int) -> tuple[bytes, int]:
    parts, count = [], 0
    for n in range(calls):
        for m in TRACE:
            m2 = {k: (v.replace("1795461", f"{n:07d}") if k in ("Uniqueid", "Linkedid") else v)
                  for k, v in m.items()}
            parts.append("".join(f"{k}: {v}\r\n" for k, v in m2.items()) + "\r\n")
            count += 1
    return ("Asterisk Call Manager/9.0.0\r\n" + "".join(parts)).encode(), count


class _Factory:
    def dispatch(self, message: object) -> None:
        pass


class _Transport:
    def write(self, data: bytes) -> None:
        pass


def panoramisk_parse(stream: bytes) -> float:
    proto = AMIProtocol()
    proto.connection_made(_Transport())
    proto.factory = _Factory()
    proto.encoding = "utf8"
    t = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        proto.data_received(stream[i:i + CHUNK])
    return time.perf_counter() - t


def our_parse(stream: bytes) -> tuple[float, list[dict[str, str]]]:
    parser = AmiParser()
    out: list[dict[str, str]] = []
    t = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        out += parser.feed(stream[i:i + CHUNK])
    return time.perf_counter() - t, out


def pipeline(stream: bytes, url: str, batch: int = 200) -> float:
    engine = make_engine(url)
    migrate(engine)
    log = CallLog(UnitsOfWork(engine), Path("/nonexistent"), "/var/spool/asterisk/hotline-rec",
                  record_of, measure_files=False)
    parser, tracker = AmiParser(CallTracker.WANTS), CallTracker()
    pending: dict[str, Trail] = {}
    t = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        for msg in parser.feed(stream[i:i + CHUNK]):
            for lid in tracker.feed(msg):
                pending[lid] = tracker.pop(lid)
        if len(pending) >= batch:
            log.save(pending)
            pending = {}
    if pending:
        log.save(pending)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--url", help="store to use instead of a fresh SQLite file (empty database)")
    args = ap.parse_args()
    stream, n = build_stream(args.calls)
    print(f"{args.calls} calls, {n} events, {len(stream) / 1e6:.1f} MB")
    raw = panoramisk_parse(stream)
    ours, _ = our_parse(stream)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        full = pipeline(stream, url)
    store = url.split(":", 1)[0]
    print(f"panoramisk data_received (no handlers): {n / raw:10,.0f} events/s")
    print(f"callcenter AmiParser (all events):      {n / ours:10,.0f} events/s")
    print(f"parse -> track -> store ({store:10}):  {n / full:10,.0f} events/s")
    print(f"pipeline / panoramisk raw parse:        {raw / full:10.2f}x")


if __name__ == "__main__":
    main()
