"""systemd units for the hotline's processes (issue 21, operations): rendered from
dialplan/systemd/, every mark filled, and clean to systemd's own checker."""

from __future__ import annotations

import os
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


def test_processes_started_outside_systemd_are_niced_as_their_units_say():
    """The load bench and the scale-out script start the line's processes as the units do."""
    assert scheduling("callcenter-transcriber.service") == ["nice", "-n", "10"]
    assert scheduling("callcenter-controller.service") == []  # it schedules its loop itself
    niced = subprocess.run([*scheduling("callcenter-transcriber.service"), sys.executable, "-c",
                            "import os; print(os.nice(0))"], check=True, capture_output=True,
                           text=True, timeout=60).stdout
    assert niced.strip() == str(min(19, os.nice(0) + 10))
    with pytest.raises(RenderError, match="not one of"):
        scheduling("sshd.service")
