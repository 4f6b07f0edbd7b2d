"""Our AMI and FastAGI readers under arbitrary input (hypothesis), seeded with the real call
captured from the sandbox: whatever the bytes and however TCP cuts them, the AMI parser gives
the same messages as from one read, never raises but its own framing error, and the FastAGI
header reader either returns a request or refuses the client with its own error."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.telephony.agi.server import AgiError, FastAgiServer
from callcenter.telephony.ami.parse import AmiParser, AmiProtocolError

DATA = Path(__file__).parent / "data"
TRACE = json.loads((DATA / "answered_call.json").read_text())
WIRE = b"Asterisk Call Manager/9.0.0\r\n" + b"".join(
    ("".join(f"{k}: {v}\r\n" for k, v in m.items()) + "\r\n").encode() for m in TRACE)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _fed(data: bytes, cuts: list[int], wanted: set[str] | None = None,
         limit: int = 1 << 20) -> tuple[list[dict[str, str]], bool]:
    """The messages of `data` fed in pieces cut at `cuts`; and whether the framing broke."""
    p = AmiParser(wanted, max_message=limit)
    out: list[dict[str, str]] = []
    at = 0
    try:
        for cut in [*sorted(set(cuts)), len(data)]:
            out += p.feed(data[at:cut])
            at = cut
    except AmiProtocolError:
        return out, True
    return out, False


@FUZZ
@given(st.lists(st.integers(0, len(WIRE)), max_size=60),
       st.sampled_from([None, {"Newchannel", "Hangup", "AgentConnect"}]))
def test_the_captured_call_reads_the_same_however_it_is_cut(cuts, wanted):
    whole, broke = _fed(WIRE, [], wanted)
    assert not broke and whole
    assert _fed(WIRE, cuts, wanted) == (whole, False)


@FUZZ
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=30),
       st.integers(0, 4))
def test_any_bytes_read_alike_in_any_pieces_or_break_the_framing(noise, cuts, splice):
    # Garbage spliced between real messages: the parser resynchronises on the next CRLF CRLF.
    parts = WIRE.split(b"\r\n\r\n")
    data = b"\r\n\r\n".join([*parts[:splice], noise, *parts[splice:]])
    whole, broke = _fed(data, [], limit=1500)
    pieces, broke_cut = _fed(data, [c for c in cuts if c <= len(data)], limit=1500)
    if not broke and not broke_cut:
        assert pieces == whole
    for m in pieces:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())


def _header(data: bytes, max_header: int = 512) -> dict[str, str] | None:
    server = FastAgiServer(lambda request, session: asyncio.sleep(0), max_header=max_header)

    async def read() -> dict[str, str] | None:
        reader = asyncio.StreamReader(limit=max_header)
        reader.feed_data(data)
        reader.feed_eof()
        try:
            return await server._read_header(reader)
        except (AgiError, ValueError, asyncio.LimitOverrunError):
            return None

    return asyncio.run(read())


@FUZZ
@given(st.binary(max_size=1200))
def test_a_fastagi_header_of_any_bytes_is_a_request_or_refused(data):
    env = _header(data)
    if env is not None:
        assert "agi_request" in env and all(k.startswith("agi_") for k in env)


def test_a_real_header_reads_and_a_half_one_is_refused():
    real = (b"agi_network: yes\nagi_request: agi://127.0.0.1/route\n"
            b"agi_uniqueid: 1700000000.1\nagi_callerid: 13800138000\n\n")
    assert _header(real) == {"agi_network": "yes", "agi_request": "agi://127.0.0.1/route",
                             "agi_uniqueid": "1700000000.1", "agi_callerid": "13800138000"}
    assert _header(real[:40]) is None
    assert _header(b"agi_request: x\n" + b"agi_x: " + b"y" * 600 + b"\n\n") is None
