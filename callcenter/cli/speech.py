"""Speech on the command line: `callcenter transcriber` (the long-running worker) and
`callcenter transcribe` (backlog and re-indexing with progress), over the shared job queue in
the store; `search`, `transcript` and `topics` over what was said.

Several transcribers on one or many machines may share a PostgreSQL store. On SQLite run one:
its writers take turns, so more workers add waiting, not speed.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from callcenter.cli.common import Verb, hotline_of, person, print_json, refusals, utc_arg
from callcenter.config import Settings
from callcenter.services.transcript_search import TEXT_FILTERS

if TYPE_CHECKING:
    from callcenter.bootstrap import Hotline
    from callcenter.services.topics import Topics

log = logging.getLogger(__name__)


def add_parsers(sub: Any) -> dict[str, Verb]:
    w = sub.add_parser("transcriber", help="transcribe recordings as jobs arrive (own process)")
    w.add_argument("--threads", type=int, default=2, help="decoding threads sharing one model")
    w.add_argument("--once", action="store_true", help="exit when the queue is empty")
    w.add_argument("--lease", type=float, default=600, metavar="SECONDS",
                   help="how long a job stays with a worker that stops renewing it (died)")
    t = sub.add_parser("transcribe", help="queue recordings and transcribe them now, with "
                                          "progress; safe to interrupt and run again")
    g = t.add_mutually_exclusive_group(required=True)
    g.add_argument("--pending", action="store_true", help="every recording not yet queued")
    g.add_argument("--since", type=lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC),
                   help="every call since this date (YYYY-MM-DD, UTC), again if it was "
                        "transcribed already: re-indexing, e.g. after a model change")
    g.add_argument("--call", metavar="LINKEDID", help="this call again, e.g. after a model "
                                                      "change")
    g.add_argument("--problems", action="store_true",
                   help="list recordings flagged (damaged, changed, missing) or failed, with "
                        "the reason, and exit")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--lease", type=float, default=600, metavar="SECONDS")

    se = sub.add_parser("search", help="search what was said in recorded calls (audited)")
    se.add_argument("query")
    for name, why in TEXT_FILTERS.items():
        se.add_argument(f"--{name}", help=why)
    se.add_argument("--since", type=utc_arg)
    se.add_argument("--until", type=utc_arg)
    se.add_argument("--limit", type=int, default=20)
    se.add_argument("--json", action="store_true")
    person(se)
    tr = sub.add_parser("transcript", help="everything said in one call, in time order "
                                           "(audited)")
    tr.add_argument("linkedid")
    person(tr)
    tp = sub.add_parser("topics", help="hot topics spotted in calls: counts, a call's tags, "
                                       "re-spotting after the keyword lists change")
    tps = tp.add_subparsers(dest="action", required=True)
    tc = tps.add_parser("counts", help="calls and mentions per topic per period")
    tc.add_argument("--since", type=utc_arg, required=True)
    tc.add_argument("--until", type=utc_arg, required=True)
    tc.add_argument("--period", choices=["day", "week", "month"], default="day")
    person(tc)
    tcall = tps.add_parser("call", help="one call's topic tags with times")
    tcall.add_argument("linkedid")
    person(tcall)
    rs = tps.add_parser("respot", help="apply the topics file to calls already transcribed")
    rs.add_argument("--since", type=utc_arg)
    tps.add_parser("check", help="read and show the topics file")
    return {"transcriber": _transcribe, "transcribe": _transcribe,
            "search": refusals(_search), "transcript": refusals(_transcript),
            "topics": refusals(_topics)}


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.services.transcript_search import Filters

    filters = Filters(args.since, args.until, **{k: getattr(args, k) for k in TEXT_FILTERS})
    with hotline_of(settings) as hotline:
        hits = hotline.search().search(args.query, args.who, filters, args.limit)
    if args.json:
        print_json(hits)
        return 0
    for h in hits:
        print(f"{h['call']}  {h['offset_s']:7.1f}s  {h['speaker']:8} {h['snippet']}")
    return 0


def _transcript(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        print_json(hotline.search().transcript(args.linkedid, args.who))
    return 0


def _topic_lists(settings: Settings) -> dict[str, list[str]]:
    from callcenter.services.rules import load_topics

    return {t.name: list(t.words) for t in load_topics(settings.topics_file)}


def _respot(topics: Topics, args: argparse.Namespace, settings: Settings) -> None:
    from callcenter.services.rules import load_topics

    lists = load_topics(settings.topics_file)
    print(f"{topics.respot(lists, args.since)} recordings re-spotted for {len(lists)} "
          f"topics from {settings.topics_file}")


_TOPIC_ACTIONS: dict[str, Callable[[Topics, argparse.Namespace, Settings], None]] = {
    "counts": lambda t, a, s: print_json(t.counts(a.who, a.since, a.until, a.period)),
    "call": lambda t, a, s: print_json(t.of_call(a.linkedid, a.who)),
    "respot": _respot,
    "check": lambda t, a, s: print_json(_topic_lists(s)),
}


def _topics(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        _TOPIC_ACTIONS[args.action](hotline.topics(), args, settings)
    return 0


def _transcribe(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.threads <= 16:
        print("--threads must be 1-16", file=sys.stderr)
        return 2
    if not 1 <= args.lease <= 86400:
        print("--lease must be 1-86400 seconds", file=sys.stderr)
        return 2
    with hotline_of(settings) as hotline:
        return _dispatch(args, settings, hotline)


def _dispatch(args: argparse.Namespace, settings: Settings, hotline: Hotline) -> int:
    from callcenter.services.rules import load_topics
    from callcenter.services.transcriber import Transcriber
    from callcenter.speech.decode import load_model
    from callcenter.speech.model import find_model

    worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    queue = hotline.transcription_queue(worker, timedelta(seconds=args.lease))
    if args.cmd == "transcribe" and args.problems:
        problems = queue.problems()
        for p in problems:
            print(f"{p['at']}  {p['state']:7} call {p['call']} {p['kind']:7} {p['path']}: "
                  f"{p['error']}")
        print(f"{len(problems)} recording(s) need a look; queue now {queue.counts()}")
        return 1 if problems else 0
    topics = load_topics(settings.topics_file)  # a bad file stops here, before any work
    if args.cmd == "transcribe":
        if args.call:
            call_id = hotline.call_log.id_of(args.call)
            if call_id is None:
                print(f"no call {args.call}", file=sys.stderr)
                return 1
            queued = queue.requeue(call_id) or queue.enqueue_pending(call_id=call_id)
        elif args.since:
            queued = queue.enqueue_pending(args.since) + queue.requeue(since=args.since)
        else:
            queued = queue.enqueue_pending()
        print(f"queued {queued}; queue now {queue.counts()}")
    model = load_model(find_model(settings.speech_model))  # one per process, shared
    transcriber = Transcriber(queue, model, settings.recording_root, topics,
                              settings.speech_skip_silence)
    if not (args.cmd == "transcribe" or args.once):  # the long-running worker
        from callcenter.worker_metrics import TranscriberMetrics, serve

        serve(TranscriberMetrics(transcriber).registry, settings.transcriber_metrics_port,
              "transcriber")
    if settings.store_url.startswith("sqlite") and args.threads > 1:
        print("note: SQLite store; one worker thread would do as well", file=sys.stderr)
    work = (_drain(transcriber, queue) if args.cmd == "transcribe" or args.once
            else _forever(transcriber, queue))
    return _run(work, queue, args.threads)


def _run(work: Callable[[int], None], queue: Any, threads: int) -> int:
    """Worker threads until they finish; on Ctrl-C or SIGTERM the jobs this process holds go
    back to the queue at once, so a rerun (or another worker) need not wait out the lease."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, stop)
    pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    try:
        while any(t.is_alive() for t in pool):
            for t in pool:
                t.join(0.5)
    except KeyboardInterrupt:
        given = queue.release()
        print(f"interrupted; {given} job(s) given back to the queue; run again to go on",
              flush=True)
        return 130
    finally:
        signal.signal(signal.SIGTERM, before)
    print(f"finished; queue now {queue.counts()}")
    return 0


def _drain(transcriber: Any, queue: Any) -> Callable[[int], None]:
    """Work until no job is left, including jobs other workers hold or held (taken over when
    a dead worker's lease runs out); a progress line per job with the rate so far."""
    total = sum(n for s, n in queue.counts().items() if s in ("queued", "running"))
    done = [0]
    waiting = [False]
    started = time.monotonic()
    lock = threading.Lock()

    def work(index: int) -> None:
        while True:
            outcome = transcriber.run_one()
            if outcome is None:
                held = queue.counts().get("running", 0)
                if not held:
                    return
                with lock:
                    if not waiting[0]:
                        print(f"waiting for {held} job(s) held by other workers (taken over "
                              "if their lease runs out)", flush=True)
                    waiting[0] = True
                time.sleep(1)
                continue
            with lock:
                waiting[0] = False
                done[0] += 1
                hours = transcriber.audio_s / 3600
                elapsed = (time.monotonic() - started) / 3600
                rate = hours / elapsed if elapsed else 0.0
                filled = round(20 * done[0] / max(total, done[0]))
                print(f"[{'#' * filled}{'.' * (20 - filled)}] {done[0]}/{total} {outcome}; "
                      f"{rate:.1f} audio-h per hour", flush=True)

    return work


RECENT = timedelta(days=2)  # how far back the running worker looks for new recordings


def _forever(transcriber: Any, queue: Any) -> Callable[[int], None]:
    def work(index: int) -> None:
        since: datetime | None = None  # everything once, at start; then recent calls only,
        while True:                    # so a year of recordings is not joined every 5 s
            try:
                if index == 0:
                    queue.enqueue_pending(since)
                    since = datetime.now(UTC) - RECENT
                if transcriber.run_one() is None:
                    time.sleep(5)
            except Exception:  # the store went away, a file system hiccup: keep serving
                log.exception("transcriber thread %d: retrying in 30 s", index)
                time.sleep(30)

    return work
