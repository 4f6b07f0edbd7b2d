"""Calls the store would not take, kept on disk until it does.

A batch the store refused (down, restarting, full) is written here before the controller lets
go of it, so neither a long outage nor a kill -9 during one loses a call. Each batch is one
file written whole (temporary name, fsync, rename, fsync of the folder): a file either is a
complete batch or does not exist. Draining saves the oldest first and deletes a file only
after its batch is committed; saving twice is harmless, because the call log merges a trail
with what is stored by the events' wire text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path

from callcenter.domain.calls import Event, Trail, wire_text

log = logging.getLogger(__name__)
SUFFIX = ".calls.json"


class SpoolError(Exception):
    """The spool cannot take a batch (disk full, no rights): the caller keeps it in memory."""


class CallSpool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seq = 0

    def put(self, calls: Mapping[str, Trail]) -> Path:
        """Keep a batch durably; returns its file."""
        self._seq += 1
        name = f"{time.time_ns():020d}-{os.getpid()}-{self._seq:06d}{SUFFIX}"
        body = json.dumps({lid: [list(e.items()) for e in trail.values()]
                           for lid, trail in calls.items()}, ensure_ascii=False)
        tmp = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(mode=0o750, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                os.write(fd, body.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            final = self.folder / name
            os.replace(tmp, final)
            _sync_folder(self.folder)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise SpoolError(f"spool {self.folder}: {exc.strerror}") from exc
        return final

    def batches(self) -> list[Path]:
        """Files waiting, oldest first."""
        try:
            return sorted(self.folder.glob(f"*{SUFFIX}"))
        except OSError:
            return []

    def read(self, path: Path) -> dict[str, dict[str, Event]]:
        """A batch as the call log takes it. A file that is not one (edited by hand, or from
        another version) is moved aside with `.bad` and reads as empty, so it never blocks
        the batches behind it."""
        try:
            raw = json.loads(path.read_text())
            out: dict[str, dict[str, Event]] = {}
            for lid, events in raw.items():
                trail: dict[str, Event] = {}
                for pairs in events:
                    event = {str(k): str(v) for k, v in pairs}
                    trail[wire_text(event)] = event
                out[str(lid)] = trail
            return out
        except (ValueError, TypeError, AttributeError):
            bad = path.with_name(path.name + ".bad")
            os.replace(path, bad)
            log.error("spooled batch %s is not readable; moved aside to %s", path.name, bad.name)
            return {}

    def done(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        _sync_folder(self.folder)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
