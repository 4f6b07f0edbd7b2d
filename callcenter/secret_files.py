"""Secrets kept in private files beside the configuration, never in the repository.

The AMI secret is one line; seat SIP secrets are a TOML table `seat id -> secret`. Both files
are created mode 0600 and refused when group or others may read them (as ssh refuses a
readable key). Values are restricted to [A-Za-z0-9_.-], so a secret can never carry a line
break or a section header into a rendered pjsip.conf or an AMI Login.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path


class SecretError(ValueError):
    pass


_SAFE = re.compile(r"[A-Za-z0-9_.-]{8,128}")


def check(value: str, where: str) -> str:
    if not _SAFE.fullmatch(value):
        raise SecretError(f"{where}: a secret must be 8-128 characters of [A-Za-z0-9_.-]")
    return value


def new_secret() -> str:
    return secrets.token_hex(16)


def read_private(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"{path}: readable by others (mode {stat.S_IMODE(mode):o}); "
                          f"run: chmod 600 {path}")
    return path.read_text()


def write_private(path: Path, text: str) -> None:
    """Replace the file atomically; the new file is 0600 from its first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def ami_secret(path: Path) -> str:
    """The one-line secret in path, created on first use."""
    if not path.exists():
        write_private(path, new_secret() + "\n")
    return check(read_private(path).strip(), str(path))


def load_seat_secrets(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(read_private(path))
    except tomllib.TOMLDecodeError as exc:
        raise SecretError(f"{path}: {exc}") from exc
    table = data.get("seats", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise SecretError(f"{path}: expected a [seats] table of \"seat id\" = \"secret\"")
    return {str(k): check(v, f"{path}: seat {k}") for k, v in table.items()}


def ensure_seat_secrets(path: Path, seat_ids: Iterable[str]) -> list[str]:
    """Give every seat a secret, keeping those it has; returns the seats that got a new one."""
    current = load_seat_secrets(path)
    added = [s for s in seat_ids if s not in current]
    if added:
        current.update({s: new_secret() for s in added})
        lines = ["# SIP secrets of the seats' phones. Mode 0600; never commit this file.",
                 "[seats]", *(f'"{k}" = "{v}"' for k, v in sorted(current.items()))]
        write_private(path, "\n".join(lines) + "\n")
    return added
