"""The controller's event loop, real-time (callcenter/realtime.py): the loop thread goes first,
the threads it starts do not, and where the system refuses, the line runs on and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from callcenter.realtime import loop_first

_REPORT = """
import os, threading
from callcenter.realtime import loop_first
why = loop_first(1)
seen = {}
def look(who):
    seen[who] = (os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK,
                 os.sched_getparam(0).sched_priority)
worker = threading.Thread(target=look, args=("worker",))
worker.start(); worker.join(); look("main")
print(why); print(seen["main"]); print(seen["worker"])
"""


def _run(prefix: list[str]) -> list[str]:
    return subprocess.run([*prefix, sys.executable, "-c", _REPORT], check=True,
                          capture_output=True, text=True, timeout=60).stdout.splitlines()


def _may_set_realtime() -> bool:
    import resource

    return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_RTPRIO)[0] >= 1


def test_the_loop_thread_goes_first_and_the_threads_it_starts_do_not():
    if not _may_set_realtime():
        pytest.skip("this user may not take a real-time priority (RLIMIT_RTPRIO)")
    why, main, worker = _run([])
    assert why == "None"
    assert main == f"({os.SCHED_RR}, 1)"
    assert worker == f"({os.SCHED_OTHER}, 0)", "the store's worker threads must stay normal"


def test_where_the_system_refuses_the_line_runs_on_and_says_why():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to take CAP_SYS_NICE away")
    # Root without CAP_SYS_NICE and with RLIMIT_RTPRIO 0: what an unprivileged service gets
    # without LimitRTPRIO=.
    why, main, worker = _run(["setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice"])
    assert why.startswith("not permitted to take real-time priority 1: give the process "
                          "LimitRTPRIO=1")
    assert main == worker == f"({os.SCHED_OTHER}, 0)"


def test_off_is_off():
    before = os.sched_getscheduler(0)
    assert loop_first(0) == "off ([controller] realtime = 0)"
    assert os.sched_getscheduler(0) == before
