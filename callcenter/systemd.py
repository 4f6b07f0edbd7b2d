"""systemd units for the hotline's processes, rendered from dialplan/systemd/ like the
Asterisk files: the controller (after Asterisk, time to store what it holds on stop), the
console and API, a transcriber that yields the CPU to the line, the live recogniser (live
assist; started only when `[live] port` is set), the reports worker and the sweeper; each
restarted when it dies, run as an unprivileged user, writing only where the hotline keeps its
files."""

from __future__ import annotations

import sys
from pathlib import Path

from callcenter.config import Settings
from callcenter.telephony.render import TEMPLATE_DIR, RenderError, fill

UNITS = ("callcenter-controller.service", "callcenter-api.service",
         "callcenter-transcriber.service", "callcenter-live.service",
         "callcenter-reports.service", "callcenter-sweeper.service")


def _path(p: Path) -> str:
    # Absolute, links kept: a virtualenv's python is a link, and resolving it would leave the
    # virtualenv behind.
    text = str(p.absolute())
    if any(c.isspace() or c in "%$\\\"'" for c in text):  # systemd splits and expands these
        raise RenderError(f"{text}: a path for a systemd unit cannot hold spaces, %, $ or quotes")
    return text


def unit_values(settings: Settings, config: Path, user: str) -> dict[str, str]:
    if not user.replace("-", "").replace("_", "").isalnum():
        raise RenderError(f"systemd user {user!r}: letters, digits, - and _ only")
    home = settings.project_root
    writable = {home / "var", settings.recording_root, settings.api_tokens_file.parent}
    if settings.store_url.startswith("sqlite:///"):
        writable.add(Path(settings.store_url.removeprefix("sqlite:///")).parent)
    return {"user": user, "home": _path(home), "config": _path(config),
            "python": _path(Path(sys.executable)),
            "writable": " ".join(sorted(_path(p) for p in writable))}


def render_units(settings: Settings, out_dir: Path, config: Path,
                 user: str = "callcenter") -> list[Path]:
    vals = unit_values(settings, config, user)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in UNITS:
        target = out_dir / name
        target.write_text(fill((TEMPLATE_DIR / "systemd" / name).read_text(encoding="utf-8"),
                               vals), encoding="utf-8")
        written.append(target)
    return written


def scheduling(unit: str) -> list[str]:
    """The command prefix that starts a process with the niceness its unit gives it (`Nice=`),
    for the line's processes started outside systemd: the load bench and the scale-out script
    measure the line as it runs in production. (The controller makes its own loop real-time:
    callcenter/realtime.py.)"""
    if unit not in UNITS:
        raise RenderError(f"{unit}: not one of the hotline's units ({', '.join(UNITS)})")
    for line in (TEMPLATE_DIR / "systemd" / unit).read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "Nice":
            return ["nice", "-n", value.strip()]
    return []
