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
