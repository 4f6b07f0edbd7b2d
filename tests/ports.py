"""The loopback ports of one test process: each pytest-xdist worker has its own block, so the
workers' sandbox Asterisks and SIPp phones never meet. Every block lies below Linux's
ephemeral range (32768 up), where the operating system hands out ports of its own."""

import os

BLOCK = 4000
FIRST = 12000  # above the developer's sandbox (5038, 5060, RTP 10000-10999)


def worker() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


BASE = FIRST + BLOCK * worker()
if BASE + BLOCK > 32768:
    raise RuntimeError("too many pytest-xdist workers for the test port blocks (at most 5)")

AMI, SIP, AGI = BASE + 38, BASE + 60, BASE + 73
TRUNK, PSTN = BASE + 70, BASE + 79          # SIPp citizens come from TRUNK; PSTN answers
SEATS = (BASE + 71, BASE + 72)
RTP = (BASE + 1000, BASE + 1999)            # the sandbox Asterisk's media
LIVE = BASE + 90                            # the live recogniser (AudioSocket)
CITIZENS = range(BASE + 100, BASE + 400, 3)  # SIPp citizens' signalling, one port each call


def media(n: int) -> int:
    """The media port of SIPp phone number n (0-99: phones kept by a test; 100-199: the
    citizens' calls in turn), each with room for its RTP and RTCP."""
    return BASE + 2000 + 10 * n
