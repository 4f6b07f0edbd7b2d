"""AMI wire format as pure functions over bytes.

Messages end with CRLF CRLF. Bytes are buffered until a message is complete and only then
decoded, so a multi-byte UTF-8 character (a Chinese caller name) split across two TCP reads
is never lost — panoramisk decodes every chunk on its own with errors='ignore' and drops it.
Consumed bytes are cut once per feed, so a large feed stays linear.

Consumers declare the events they want; any other event that does not answer one of our
actions (no ActionID) is dropped before it is decoded. A busy hotline's AMI stream is half
DeviceStateChange, NewConnectedLine and the like, and parsing them was half the cost of
reading the stream.
"""

from __future__ import annotations

from collections.abc import Iterable

Message = dict[str, str]
_SEP = b"\r\n\r\n"
_BANNER = b"Asterisk Call Manager/"


_EVENT = b"Event: "
_ACTION_ID = b"\r\nActionID: "


class AmiParser:
    __slots__ = ("_buf", "_wanted", "banner", "skipped")

    def __init__(self, wanted: Iterable[str] | None = None) -> None:
        """wanted: event names to parse; None parses everything."""
        self._buf = bytearray()
        self._wanted = None if wanted is None else frozenset(n.encode() for n in wanted)
        self.banner: str | None = None
        self.skipped = 0

    def feed(self, data: bytes) -> list[Message]:
        buf = self._buf
        buf += data
        if self.banner is None:
            if len(buf) < len(_BANNER) and _BANNER.startswith(bytes(buf)):
                return []
            if buf.startswith(_BANNER):
                end = buf.find(b"\r\n")
                if end < 0:
                    return []
                self.banner = buf[len(_BANNER):end].decode("ascii", "replace")
                del buf[: end + 2]
            else:
                self.banner = ""
        out: list[Message] = []
        start = 0
        find = buf.find
        wanted = self._wanted
        while True:
            end = find(_SEP, start)
            if end < 0:
                break
            if end > start:
                if wanted is not None and buf.startswith(_EVENT, start):
                    eol = find(b"\r\n", start, end)
                    name = bytes(buf[start + 7:eol if eol >= 0 else end])
                    if name not in wanted and find(_ACTION_ID, start, end) < 0:
                        self.skipped += 1
                        start = end + 4
                        continue
                out.append(parse_message(bytes(buf[start:end])))
            start = end + 4
        if start:
            del buf[:start]
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)


def parse_message(raw: bytes) -> Message:
    """One message, without its terminating blank line, into a dict.

    A header that repeats (ChanVariable, Output) keeps every value, joined by newlines.
    """
    msg: Message = {}
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                continue
        if key in msg:
            msg[key] = msg[key] + "\n" + value
        else:
            msg[key] = value
    return msg
