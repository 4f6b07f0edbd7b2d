"""Turn any audio file into a pcap of G.711 A-law RTP that SIPp can play into a call.

A real phone sends RTP for the whole call; SIPp only sends what its pcap holds. So the
simulated citizen's audio is looped to the length of the call: MixMonitor then has frames to
record for every second the citizen is bridged to a seat.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

FRAME = 160  # 20 ms of 8 kHz A-law
PT_PCMA = 8


def alaw_samples(audio: Path) -> bytes:
    """Decode any audio ffmpeg reads into raw 8 kHz mono A-law."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(audio), "-ar", "8000", "-ac", "1", "-f", "alaw", "-"],
        check=True, capture_output=True, timeout=120,
    )
    samples = bytes(out.stdout)
    if not samples:
        raise ValueError(f"{audio}: no audio decoded")
    return samples


def _checksum(header: bytes) -> int:
    total: int = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def write_pcap(samples: bytes, out: Path, seconds: float, ssrc: int = 0x1234ABCD) -> int:
    """Write `seconds` of RTP (looping `samples`) to `out`; returns the packet count."""
    frames = max(int(seconds * 50), 1)
    needed = frames * FRAME
    loops = needed // len(samples) + 1
    audio = (samples * loops)[:needed]
    chunks = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(frames):
        payload = audio[i * FRAME:(i + 1) * FRAME]
        rtp = struct.pack("!BBHII", 0x80, PT_PCMA, i & 0xFFFF, (i * FRAME) & 0xFFFFFFFF,
                          ssrc) + payload
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip_head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17,
                              0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        ip_head = ip_head[:10] + struct.pack("!H", _checksum(ip_head)) + ip_head[12:]
        frame = b"\x00" * 12 + b"\x08\x00" + ip_head + udp
        usec = i * 20000
        chunks.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000,
                                  len(frame), len(frame)) + frame)
    out.write_bytes(b"".join(chunks))
    return frames


def renumbered(src: Path, out: Path, seq_start: int, timestamp: int) -> None:
    """A copy of an RTP capture (one RFC 2833 key press from SIPp's share) whose packets carry
    sequence numbers from `seq_start` and the event timestamp `timestamp`. Played one after
    another as captured, key presses repeat or go back in both, and Asterisk drops a press
    that seems older than the one before (a '1' after a '5' was never heard)."""
    data = src.read_bytes()
    out_chunks = [data[:24]]
    off, i = 24, 0
    while off + 16 <= len(data):
        size = struct.unpack("<I", data[off + 8:off + 12])[0]
        record = bytearray(data[off:off + 16 + size])
        ihl = (record[16 + 14] & 0x0F) * 4
        rtp = 16 + 14 + ihl + 8
        struct.pack_into("!HI", record, rtp + 2, (seq_start + i) & 0xFFFF,
                         timestamp & 0xFFFFFFFF)
        struct.pack_into("!H", record, rtp - 2, 0)  # UDP checksum: none (IPv4 allows it)
        out_chunks.append(bytes(record))
        off += 16 + size
        i += 1
    out.write_bytes(b"".join(out_chunks))
