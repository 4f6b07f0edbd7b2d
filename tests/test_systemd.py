"""systemd units for the hotline's processes (issue 21, operations): rendered from
dialplan/systemd/, every mark filled, and clean to systemd's own checker."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.config import PROJECT_ROOT, load_settings
from callcenter.systemd import UNITS, render_units, scheduling
from callcenter.telephony.render import RenderError

CONFIG = PROJECT_ROOT / "config" / "hotline.toml"


def _verify(paths: list[Path]) -> str:
    done = subprocess.run(["systemd-analyze", "verify", *map(str, paths)],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.stderr.strip()


def test_the_units_render_whole_and_pass_systemds_checker(tmp_path):
    settings = load_settings(CONFIG, root=PROJECT_ROOT)
    written = render_units(settings, tmp_path, CONFIG, "hotline")
    assert [p.name for p in written] == list(UNITS)
    for unit in written:
        text = unit.read_text(encoding="utf-8")
        assert "{{" not in text and "User=hotline\n" in text
        assert f"ExecStart={sys.executable} -m callcenter --config {CONFIG}" in text
        assert f"ReadWritePaths={PROJECT_ROOT / 'recordings'}" in text
        assert "Restart=always" in text and "NoNewPrivileges=yes" in text
    assert _verify(written) == ""
    # The checker does complain when a unit is wrong: the check above can fail.
    bad = tmp_path / "bad.service"
    bad.write_text(written[0].read_text().replace("Restart=always", "Restrt=always"))
    assert "Unknown key" in _verify([bad])


@pytest.mark.parametrize(("user", "home"), [("bad user", None), ("ok", "/srv/hot line")])
def test_what_systemd_would_split_or_expand_is_refused(tmp_path, user, home):
    settings = load_settings(CONFIG, root=PROJECT_ROOT)
    if home is not None:
        settings = settings.with_overrides(project_root=Path(home))
    with pytest.raises(RenderError):
        render_units(settings, tmp_path, CONFIG, user)


_REPORT = """
import os, threading
seen = {}
def look(who):
    seen[who] = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority, os.nice(0))
worker = threading.Thread(target=look, args=("worker",))
worker.start(); worker.join(); look("main")
print(seen["main"], seen["worker"])
"""


def _started(unit: str) -> str:
    return subprocess.run([*scheduling(unit), sys.executable, "-c", _REPORT], check=True,
                          capture_output=True, text=True, timeout=60).stdout.strip()


def test_processes_started_outside_systemd_are_scheduled_as_their_units_say():
    """The load bench and the scale-out script start the line's processes as the units do:
    the controller's loop real-time round-robin with its worker threads back to normal, the
    transcriber niced."""
    if os.geteuid() != 0 and resource.getrlimit(resource.RLIMIT_RTPRIO)[0] < 1:
        pytest.skip("this user may not set a real-time policy (RLIMIT_RTPRIO)")
    main, worker = _started("callcenter-controller.service").split(") (")
    assert main == f"({os.SCHED_RR | os.SCHED_RESET_ON_FORK}, 1, 0"
    assert worker == f"{os.SCHED_OTHER}, 0, 0)", "worker threads must not be real-time"
    assert _started("callcenter-transcriber.service") == (
        f"({os.SCHED_OTHER}, 0, 10) ({os.SCHED_OTHER}, 0, 10)")
    assert _started("callcenter-api.service") == (
        f"({os.SCHED_OTHER}, 0, 0) ({os.SCHED_OTHER}, 0, 0)")
    with pytest.raises(RenderError, match="not one of"):
        scheduling("sshd.service")


def test_a_real_time_policy_this_user_may_not_set_is_left_out(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(resource, "getrlimit", lambda which: (0, 0))
    assert scheduling("callcenter-controller.service") == []
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1, 1))
    assert scheduling("callcenter-controller.service") == ["chrt", "--rr", "--reset-on-fork", "1"]
