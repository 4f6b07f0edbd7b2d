"""Backups the hotline can be put back from: the store's snapshot, every recording the store
vouches for, and a manifest of their SHA-256s (docs/operations.md, "Backup and restore").

Taken while the line runs: the store first (a consistent snapshot), then the recordings it
names, each hashed again after copying; a file that changed since it was stored is reported,
never copied as if good. A restore puts the store back into an empty one and each recording
back, and checks every hash against the restored store.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from callcenter.services.ports import UnitsOfWork
from callcenter.services.recording_files import sha256_file

MANIFEST = "manifest.json"
RECORDINGS = "recordings"


@dataclass
class Outcome:
    store: str = ""
    copied: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# The store's own snapshot and restore (storage/backup.py), handed over by the root.
Snapshot = Callable[[Path], str]


class Backups:
    def __init__(self, uow: UnitsOfWork, recording_root: Path, snapshot: Snapshot,
                 store_kind: str, clock: Callable[[], datetime]) -> None:
        self.uow = uow
        self.recording_root = recording_root
        self.snapshot = snapshot
        self.store_kind = store_kind
        self.clock = clock

    def files(self) -> list[tuple[str, str, int]]:
        with self.uow(read_only=True) as uow:
            return uow.calls.recording_files()

    def take(self, folder: Path) -> Outcome:
        """Back up into `folder`, which must not exist yet."""
        folder.mkdir(mode=0o750, parents=True)
        out = Outcome(store=self.snapshot(folder))
        listed = []
        for rel, digest, size in self.files():  # what the snapshot names, or more
            problem = _copy(self.recording_root / rel, folder / RECORDINGS / rel, digest)
            if problem:
                out.problems.append(f"{rel}: {problem}")
                continue
            listed.append({"path": rel, "sha256": digest, "size": size})
            out.copied += 1
            out.bytes += size
        manifest = {"taken_at": self.clock().isoformat(), "store": out.store,
                    "store_kind": self.store_kind, "recordings": listed,
                    "problems": out.problems}
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        return out

    def put_back(self, folder: Path) -> Outcome:
        """The recordings of a backup into this hotline's recording root (the store was
        restored first): each checked against the restored store's hash."""
        manifest = read_manifest(folder)
        out = Outcome(store=str(manifest["store"]))
        for rel, digest, size in self.files():
            target = self.recording_root / rel
            if target.exists() and sha256_file(target) == digest:
                continue  # already there, the same
            problem = _copy(folder / RECORDINGS / rel, target, digest)
            if problem:
                out.problems.append(f"{rel}: {problem}")
                continue
            out.copied += 1
            out.bytes += size
        return out

    def verify(self) -> Outcome:
        """Every recording the store vouches for, hashed again where it lies."""
        out = Outcome()
        for rel, digest, _size in self.files():
            path = self.recording_root / rel
            try:
                found = sha256_file(path)
            except OSError as exc:
                out.problems.append(f"{rel}: {exc.strerror or type(exc).__name__}")
                continue
            if found != digest:
                out.problems.append(f"{rel}: changed since it was stored")
            else:
                out.copied += 1
        return out


def read_manifest(folder: Path) -> dict[str, object]:
    try:
        manifest: dict[str, object] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"{folder}: no readable {MANIFEST}") from exc
    return manifest


def _copy(source: Path, target: Path, digest: str) -> str:
    """Copy a recording and check the copy; the problem, or ''."""
    try:
        target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(source, tmp)
        if sha256_file(tmp) != digest:
            tmp.unlink()
            return "changed since it was stored: not copied"
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return ""
