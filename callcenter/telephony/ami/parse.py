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

# The parse of one message is the inverse of domain.calls.wire_text and lives beside it:
# the stored trail reads its events back with it, without depending on telephony.
from callcenter.domain.calls import parse_message

Message = dict[str, str]
__all__ = ["MAX_MESSAGE", "AmiParser", "AmiProtocolError", "Message", "parse_message"]
_SEP = b"\r\n\r\n"
_BANNER = b"Asterisk Call Manager/"


_EVENT = b"Event: "
_ACTION_ID = b"\r\nActionID: "
MAX_MESSAGE = 1 << 20  # one AMI message; the largest real ones (CoreShowChannels) are KBs


class AmiProtocolError(ValueError):
    """The peer broke the framing (a message past MAX_MESSAGE): disconnect and resync."""


class AmiParser:
    __slots__ = ("_buf", "_scanned", "_wanted", "banner", "max_message", "skipped")

    def __init__(self, wanted: Iterable[str] | None = None,
                 max_message: int = MAX_MESSAGE) -> None:
        """wanted: event names to parse; None parses everything."""
        self._buf = bytearray()
        self._scanned = 0  # bytes of the buffer already searched for the end of a message
        self.max_message = max_message
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
                    if len(buf) > self.max_message:
                        del buf[:]
                        raise AmiProtocolError("an AMI banner without its line end")
                    return []
                self.banner = buf[len(_BANNER):end].decode("ascii", "replace")
                del buf[: end + 2]
            else:
                self.banner = ""
        out: list[Message] = []
        start = 0
        find = buf.find
        wanted = self._wanted
        # Only new bytes (and the 3 before them, a separator may straddle reads) are searched:
        # an unterminated message is not rescanned from its start on every read.
        frm = max(0, self._scanned - 3)
        while True:
            end = find(_SEP, frm)
            if end < 0:
                break
            if end > start:
                if wanted is not None and buf.startswith(_EVENT, start):
                    eol = find(b"\r\n", start, end)
                    name = bytes(buf[start + 7:eol if eol >= 0 else end])
                    if name not in wanted and find(_ACTION_ID, start, end) < 0:
                        self.skipped += 1
                        start = frm = end + 4
                        continue
                out.append(parse_message(bytes(buf[start:end])))
            start = frm = end + 4
        if start:
            del buf[:start]
        self._scanned = len(buf)
        if len(buf) > self.max_message:
            del buf[:]
            self._scanned = 0
            raise AmiProtocolError(f"an AMI message longer than {self.max_message} bytes")
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)
