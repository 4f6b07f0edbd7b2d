"""Bearer tokens of the JSON API, one per person (or system), each bound to a role.

The file (mode 0600, secret_files) keeps only SHA-256 digests of the tokens: a copy of it
lets nobody in. A token is shown once, when it is made. The running API reads the file again
whenever it changes (`TokenFile`), so a revoked token stops working and a new one starts at
once, without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from threading import Lock
from typing import Protocol

from callcenter import secret_files
from callcenter.domain.privacy import Role, UnitRole, Viewer

log = logging.getLogger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _entries(path: Path) -> dict[str, Viewer]:
    """Every well-formed entry; a bad one is skipped and logged, not fatal to the others."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(secret_files.read_private(path))
    except tomllib.TOMLDecodeError as exc:
        raise secret_files.SecretError(f"{path}: {exc}") from exc
    out = {}
    for digest, t in data.get("tokens", {}).items():
        try:
            viewer = Viewer(Role(t["role"]), _safe(str(t["id"])),
                            _safe(t["unit"]) if t.get("unit") is not None else None,
                            UnitRole(t.get("unit_role", UnitRole.STAFF.value)))
            out[digest] = viewer
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            log.error("%s: token %s… skipped: %s", path, str(digest)[:8], exc)
    return out


def load(path: Path) -> dict[str, Viewer]:
    return _entries(path)


def add(path: Path, viewer: Viewer) -> str:
    _safe(viewer.id)
    if viewer.unit is not None:
        _safe(viewer.unit)
    tokens = load(path)
    token = secrets.token_urlsafe(32)
    tokens[_digest(token)] = viewer
    _write(path, tokens)
    return token


def revoke(path: Path, person: str) -> int:
    tokens = load(path)
    keep = {d: v for d, v in tokens.items() if v.id != person}
    _write(path, keep)
    return len(tokens) - len(keep)


def _write(path: Path, tokens: dict[str, Viewer]) -> None:
    lines = ["# API tokens (SHA-256 digests only). Mode 0600; never commit this file."]
    for digest, v in sorted(tokens.items(), key=lambda kv: kv[1].id):
        lines += [f'[tokens."{digest}"]', f'role = "{v.role.value}"', f'id = "{_safe(v.id)}"']
        if v.unit is not None:
            lines.append(f'unit = "{_safe(v.unit)}"')
            lines.append(f'unit_role = "{v.unit_role.value}"')
    secret_files.write_private(path, "\n".join(lines) + "\n")


def _safe(value: str) -> str:
    # Control characters are not allowed in a TOML string either: one would make the whole
    # file unreadable, every other token with it.
    if not value or len(value) > 64 or any(c in value for c in '"\\') or any(
            ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"{value!r}: ids are 1-64 characters without quotes, backslashes or "
                         "control characters")
    return value


class Tokens(Protocol):
    def get(self, digest: str) -> Viewer | None: ...


class TokenFile:
    """The tokens file as the running API sees it: read again when it changes (a stat per
    request, a read only after a change). A file that no longer parses keeps the tokens in
    force and is logged; one that is removed lets nobody in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = Lock()
        self._seen: tuple[int, int, int] | None = None
        self._tokens: Mapping[str, Viewer] = {}
        self._refresh()

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            sig: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            sig = None
        if sig == self._seen:
            return
        with self._lock:
            try:
                self._tokens = _entries(self.path) if sig is not None else {}
            except secret_files.SecretError as exc:
                log.error("API tokens not reloaded, the ones in force are kept: %s", exc)
            self._seen = sig

    def get(self, digest: str) -> Viewer | None:
        self._refresh()
        return self._tokens.get(digest)


def viewer_for(tokens: Tokens | Mapping[str, Viewer], header: str | None) -> Viewer | None:
    """The person behind an `Authorization: Bearer …` header, or None."""
    if not header or not header.startswith("Bearer "):
        return None
    return tokens.get(_digest(header.removeprefix("Bearer ").strip()))
