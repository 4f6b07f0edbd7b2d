"""The controller's event loop, scheduled real-time.

Every caller waits on the controller's FastAGI answer. Under load that answer waited for a core
in the kernel's run queue, behind Asterisk's media threads, for milliseconds at p99; its own
work is a few hundred microseconds (docs/benchmarks.md). Round-robin real-time at a low
priority puts the loop ahead of every normal process and behind an Asterisk started with -p
(priority 10). The threads the loop starts later (the store's writes) are reset to normal
scheduling: only the loop jumps the queue, and it takes about 0.1 core.

The process sets this itself rather than systemd's CPUSchedulingPolicy=, which fails the start
where the system refuses a real-time policy: here the line runs on, at normal priority, and the
log says why.
"""

from __future__ import annotations

import os


def loop_first(priority: int) -> str | None:
    """Make the calling thread round-robin real-time at `priority` (1-99), the threads it
    starts later normal. None when done; otherwise why not, in one line."""
    if priority <= 0:
        return "off ([controller] realtime = 0)"
    try:
        os.sched_setscheduler(0, os.SCHED_RR | os.SCHED_RESET_ON_FORK,
                              os.sched_param(priority))
    except PermissionError:
        return (f"not permitted to take real-time priority {priority}: give the process "
                f"LimitRTPRIO={priority} (its systemd unit does) or CAP_SYS_NICE")
    except OSError as exc:
        return f"the system refused real-time priority {priority}: {exc.strerror}"
    return None
