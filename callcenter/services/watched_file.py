"""A configuration file a running process reads again when it changes (the calendar, the duty
roster): one stat() at most every `check_every` seconds, the text read only when the file's
size, time or inode moved."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class WatchedFile:
    def __init__(self, path: Path | None, check_every: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.check_every = check_every
        self.monotonic = monotonic
        self._checked = monotonic()
        self.seen = self.signature()

    def due(self) -> bool:
        """Time to look again (and the look counted)."""
        if self.monotonic() - self._checked < self.check_every:
            return False
        self._checked = self.monotonic()
        return True

    def moved(self) -> bool:
        """The file changed since the last time this said so (a bad file is reported once)."""
        self._checked = self.monotonic()
        sig = self.signature()
        if sig == self.seen:
            return False
        self.seen = sig
        return True

    def signature(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def text(self) -> str | None:
        """The file's text; None if there is none. OSError for a file that cannot be read."""
        if self.path is None or not self.path.exists():
            return None
        return self.path.read_text(encoding="utf-8")


class FollowedFile(Generic[T]):
    """What a file says (`parse` of its text, None when there is no file), read again when
    the file changes. A file that no longer parses is logged and what was in force kept: a
    typo must not stop the line. The first read raises, so a bad file stops the start."""

    def __init__(self, path: Path | None, parse: Callable[[str | None], T], what: str,
                 errors: tuple[type[Exception], ...], check_every: float = 1.0) -> None:
        self.path = path
        self._file = WatchedFile(path, check_every)
        self._parse, self._what = parse, what
        self._errors: tuple[type[Exception], ...] = (*errors, OSError)
        self._lock = Lock()
        self._value = parse(self._file.text())

    def __call__(self) -> T:
        if self._file.due():
            with self._lock:
                if self._file.moved():
                    try:
                        self._value = self._parse(self._file.text())
                        log.info("%s reloaded from %s", self._what, self.path)
                    except self._errors as exc:
                        log.error("%s not reloaded, the one in force is kept: %s",
                                  self._what, exc)
        return self._value
