"""Supervisors' PINs for forcing day or night from a phone (*88 at a seat).

Stored hashed (PBKDF2-SHA256, a salt each) in a private file (mode 0600), read again at every
check: a PIN replaced or removed stops working at once. A PIN is 6 digits, made by the line
(`callcenter duty pin SUPERVISOR`) and shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tomllib
from pathlib import Path

from callcenter import secret_files

_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
ROUNDS = 200_000


def _hash(pin: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, ROUNDS).hex()


def _entries(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(secret_files.read_private(path))
    except tomllib.TOMLDecodeError as exc:
        raise secret_files.SecretError(f"{path}: {exc}") from exc
    table = data.get("pins", {})
    if not isinstance(table, dict):
        raise secret_files.SecretError(f"{path}: expected a [pins] table")
    return {str(k): str(v) for k, v in table.items()}


def set_pin(path: Path, supervisor: str) -> str:
    """A new PIN for the supervisor (replacing theirs); returned once, stored hashed."""
    if not _ID.fullmatch(supervisor):
        raise secret_files.SecretError("a supervisor's id is letters, digits, _ . -")
    pin = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_bytes(16)
    entries = {**_entries(path), supervisor: f"{salt.hex()}${_hash(pin, salt)}"}
    secret_files.write_private(path, "[pins]\n" + "".join(
        f'"{k}" = "{v}"\n' for k, v in sorted(entries.items())))
    return pin


def supervisor_of(path: Path, pin: str) -> str | None:
    """Whose PIN this is; None for none (every entry compared, in constant time each)."""
    found = None
    for supervisor, stored in _entries(path).items():
        salt, _, digest = stored.partition("$")
        try:
            candidate = _hash(pin, bytes.fromhex(salt))
        except ValueError:
            continue
        if hmac.compare_digest(candidate, digest):
            found = supervisor
    return found
