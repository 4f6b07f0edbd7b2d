"""The loop of the background workers (`callcenter sweeper`, `callcenter reports`): one step
every few seconds until SIGTERM or Ctrl-C; a step under way finishes its transaction first, and
a store that is away for a moment is logged and tried again at the next turn."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError


def run_until_stopped(name: str, step: Callable[[], None], every: float) -> int:
    log = logging.getLogger(f"callcenter.{name}")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("%s: looking every %.0f s", name, every)
    while not stop.is_set():
        try:
            step()
        except SQLAlchemyError as exc:
            log.error("%s: the store did not answer (%s)", name, type(exc).__name__)
        stop.wait(every)
    log.info("%s stopped", name)
    return 0
