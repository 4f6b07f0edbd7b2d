"""`callcenter live`: the live recogniser of live assist, its own process (one Vosk model,
decoding threads), listening for Asterisk's AudioSocket streams on `[live] host:port`. Run one
per Asterisk host; the controller spies answered calls into it when `[live] port` is set."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from callcenter.cli.common import Verb, hotline_of
from callcenter.config import Settings

if TYPE_CHECKING:
    from callcenter.speech.decode import Recognisers

log = logging.getLogger(__name__)


def add_parsers(sub: Any) -> dict[str, Verb]:
    sub.add_parser("live", help="the live recogniser: words of calls under way, for the desk "
                                "(own process; [live] port)")
    return {"live": _live}


def _live(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.speech.decode import Recognisers, load_model
    from callcenter.speech.live import LiveDecoder
    from callcenter.speech.model import find_model
    from callcenter.telephony.live_listener import LiveListener
    from callcenter.worker_metrics import LiveMetrics, serve

    if not settings.live_port:
        print("live assist is off: set [live] port in the configuration", file=sys.stderr)
        return 2
    model = load_model(find_model(settings.speech_model),  # one per process, shared
                       frames_per_chunk=settings.live_frames_per_chunk,
                       beam=settings.live_beam, max_active=settings.live_max_active)
    # Live words always skip silence: an utterance ends at the pause, not at Vosk's endpoint.
    method = settings.speech_skip_silence if settings.speech_skip_silence != "off" else "webrtc"
    kept = Recognisers(model, 8000)  # warm between utterances and calls: half the decoding
    stop_warming = threading.Event()

    async def main() -> None:
        with hotline_of(settings, store_may_be_away=True) as hotline:
            listener = LiveListener(hotline.live_streams(),
                                    lambda: LiveDecoder(model, 8000, method, kept=kept),
                                    settings.live_host, settings.live_port,
                                    workers=settings.live_workers,
                                    max_streams=settings.live_max_streams)
            serve(LiveMetrics(listener).registry, settings.live_metrics_port, "live")
            await listener.start()
            warming = threading.Thread(target=_warm, args=(settings, kept, stop_warming),
                                       name="live-warm", daemon=True)
            warming.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            log.info("live recogniser listening on %s:%d", settings.live_host, listener.port)
            running = asyncio.create_task(listener.run())
            await stop.wait()
            log.info("live recogniser stopping: the streams' last words are written first")
            stop_warming.set()
            await listener.stop()
            await running
            await asyncio.to_thread(warming.join, 30)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


WARM_S = 5.0  # of speech per recogniser: its first 3 s cost most (docs/benchmarks.md)


def _warm(settings: Settings, kept: Recognisers, stop: threading.Event) -> None:
    """`[live] warm` recognisers, warmed on the line's own prompts (speech, and no caller's
    words), one after another beside the streams already heard."""
    from callcenter.speech import prompts

    if not settings.live_warm:
        return
    began = time.monotonic()
    try:
        speech = prompts.speech_of(settings.prompts.values(), WARM_S, 8000)
    except (prompts.PromptError, OSError, subprocess.SubprocessError) as exc:
        log.warning("live recogniser: not warmed, the first calls' words come slower (%s)", exc)
        return
    if not speech:
        log.warning("live recogniser: not warmed, no prompt text in prompts.toml")
        return
    made = kept.warm(speech, settings.live_warm, stop)
    log.info("live recogniser: %d recognisers warmed in %.1f s", made, time.monotonic() - began)
