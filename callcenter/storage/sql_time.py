"""Times as numbers in SQL, the same on SQLite and PostgreSQL: whole seconds since the epoch
(for hour buckets and 24-hour windows) and whole seconds of a duration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, cast, func
from sqlalchemy.types import Integer


def epoch_seconds(col: Any, dialect: str) -> ColumnElement[int]:
    """A stored UtcDateTime as whole seconds since the epoch (truncated)."""
    if dialect == "postgresql":
        return cast(func.floor(func.date_part("epoch", col)), Integer)
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC): whole seconds first, since strftime
    # would round 07:59:59.999999 up to the next second.
    return cast(func.strftime("%s", func.substr(col, 1, 19)), Integer)


def hour_of(col: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC hour a stored time falls in, as a cheap grouping key (`hour_start` reads it):
    on SQLite the text's first 13 characters, far cheaper than parsing every row. A report's
    hours are whole UTC hours, which are whole local hours in every zone of whole-hour
    offsets (China's among them)."""
    if dialect == "postgresql":
        return func.date_trunc("hour", col)
    return func.substr(col, 1, 13)


def hour_key(at: datetime) -> str:
    """The text key of the UTC hour `at` falls in, as the calls' hourly roll-up stores it
    (the same text as `hour_of` on SQLite)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H")


def hour_start(key: Any) -> datetime:
    """The aware UTC start of an `hour_of` key."""
    if isinstance(key, datetime):
        return key.astimezone(UTC)
    return datetime.strptime(str(key), "%Y-%m-%d %H").replace(tzinfo=UTC)


def whole(col: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds of a duration, truncated (PostgreSQL's cast would round)."""
    return cast(func.trunc(col) if dialect == "postgresql" else col, Integer)
