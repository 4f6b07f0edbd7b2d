"""A configuration file a running process reads again when it changes (the calendar, the duty
roster): one stat() at most every `check_every` seconds, the text read only when the file's
size, time or inode moved."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


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
