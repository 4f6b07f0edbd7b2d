"""An access to what a citizen said or who they are, as the audit keeps it, and how an
auditor narrows the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Access:
    at: datetime
    role: str
    person: str
    action: str   # played | downloaded | opened | searched | listened
    subject: str
    detail: str   # JSON


@dataclass(frozen=True)
class AccessFilter:
    person: str | None = None
    action: str | None = None
    subject: str | None = None  # a prefix: "call:1700000000.12" finds every leg of the call
    since: datetime | None = None
    until: datetime | None = None
