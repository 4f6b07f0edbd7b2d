"""A hotline home of a benchmark's own: the shipped rules, a duty plan with seats answering at
any hour, and a sandbox configuration on the benchmark's own block of ports."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from callcenter import sandbox
from callcenter.config import PROJECT_ROOT, Settings, load_settings

# Seats answer at any hour (the duty phone is never rung here, but the plan must name one).
ALWAYS_DAY = "[schedule]\n" + "".join(f'{d} = "00:00-24:00"\n' for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "holiday",
    "adjusted_workday")) + '[[roster.duty]]\nname = "值班员"\nphone = "13900000011"\n'


def config(base: int, seat_ports: list[int], rtp: tuple[int, int], more: str = "",
           url: str = "sqlite:///calls.db") -> str:
    """The sandbox's hotline.toml: AMI base+38, SIP base+60, FastAGI base+73, the trunk's
    base+70 and base+79; `more`: sections of the benchmark's own."""
    seats = "".join(f'[[seats]]\nid = "{8001 + i}"\nname = "{i + 1}号席"\n'
                    f"sandbox_port = {port}\n" for i, port in enumerate(seat_ports))
    return f"""
[hotline]
number = "12345"
timezone = "Asia/Shanghai"
[asterisk]
profile = "sandbox"
ami_port = {base + 38}
sip_port = {base + 60}
agi_port = {base + 73}
ami_secret_file = "ami.secret"
rtp_start = {rtp[0]}
rtp_end = {rtp[1]}
[trunk]
sandbox_port = {base + 70}
sandbox_out_port = {base + 79}
[ivr]
menu_enabled = false
[recordings]
root = "recordings"
[store]
url = "{url}"
[sandbox]
state_dir = "sandbox"
{more}
{seats}"""


def seated(base: int, seats: int, more: str = "") -> str:
    """`config` for `seats` SIPp seats on base+200.., media on base+1000-1999, and a queue
    that rings each seat in turn for 5 s with no wrap-up: every call is answered at once."""
    return config(base, [base + 200 + i for i in range(seats)], (base + 1000, base + 1999),
                  f"""
[queue]
name = "hotline"
strategy = "rrmemory"
ring_timeout = 5
wrapup = 0
{more}""")


def started(prefix: str, text: str) -> tuple[Path, Settings, sandbox.Instance]:
    """A new home with this hotline.toml, and its sandbox Asterisk running."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    (home / "config").mkdir()
    for name in ("policies.toml", "replies.toml", "workdays.toml", "hotline_words.txt",
                 "prompts.toml", "units.toml", "topics.toml"):
        shutil.copy(PROJECT_ROOT / "config" / name, home / "config" / name)
    (home / "config" / "duty.toml").write_text(ALWAYS_DAY, encoding="utf-8")
    (home / "config" / "hotline.toml").write_text(text, encoding="utf-8")
    settings = load_settings(home / "config" / "hotline.toml", root=home)
    sandbox.install(settings)
    instance = sandbox.Instance(settings.sandbox_state_dir)
    sandbox.prepare(settings, instance)
    sandbox.start(settings, instance)
    return home, settings, instance


def cpu_s(pid: int) -> float:
    """CPU seconds (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
