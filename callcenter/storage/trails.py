"""A call's AMI event trail as one compressed document.

The trail is kept for audit, whole, in the order the events arrived: AMI wire text (each
event's headers, a blank line after each), zlib-compressed. One row per call instead of one
per event: writing ~20 event rows per call was most of the cost of storing it, and a call's
trail is always read and written whole. It compresses about 8:1 (uniqueids, channel and
caller fields repeat in every event).
"""

from __future__ import annotations

import zlib

from callcenter.domain.calls import Event, Trail, parse_message

_SEP = "\r\n\r\n"


def encode(trail: Trail) -> bytes:
    text = _SEP.join(trail) + _SEP if trail else ""
    return zlib.compress(text.encode(), 1)


def decode(blob: bytes) -> dict[str, Event]:
    """The trail; raises ValueError on a damaged trail rather than return part of it."""
    try:
        text = zlib.decompress(blob).decode()
    except (zlib.error, UnicodeDecodeError) as exc:
        raise ValueError(f"damaged event trail: {exc}") from exc
    out: dict[str, Event] = {}
    for part in text.split(_SEP):
        if part:
            out[part] = parse_message(part.encode())
    return out
