"""Bearer tokens of the JSON API, one per person (or system), each bound to a role.

The file (mode 0600, secret_files) keeps only SHA-256 digests of the tokens: a copy of it
lets nobody in. A token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
import tomllib
from pathlib import Path

from callcenter import secret_files
from callcenter.domain.privacy import Role, UnitRole, Viewer


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load(path: Path) -> dict[str, Viewer]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(secret_files.read_private(path))
    except tomllib.TOMLDecodeError as exc:
        raise secret_files.SecretError(f"{path}: {exc}") from exc
    out = {}
    for digest, t in data.get("tokens", {}).items():
        try:
            out[digest] = Viewer(Role(t["role"]), str(t["id"]), t.get("unit"),
                                 UnitRole(t.get("unit_role", UnitRole.STAFF.value)))
        except (KeyError, ValueError) as exc:
            raise secret_files.SecretError(f"{path}: token {digest[:8]}…: {exc}") from exc
    return out


def add(path: Path, viewer: Viewer) -> str:
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
    if not value or any(c in value for c in '"\\\n\r') or len(value) > 64:
        raise ValueError(f"{value!r}: ids are 1-64 characters without quotes or line breaks")
    return value


def viewer_for(tokens: dict[str, Viewer], header: str | None) -> Viewer | None:
    """The person behind an `Authorization: Bearer …` header, or None."""
    if not header or not header.startswith("Bearer "):
        return None
    return tokens.get(_digest(header.removeprefix("Bearer ").strip()))
