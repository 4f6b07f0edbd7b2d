"""The sandbox Asterisk: Asterisk 22 from Debian's unstable suite in a cached chroot.

The cached root is keyed on what goes into it (suite, packages, provisioning revision), so a
second `install` is a no-op and a change of any of those builds a fresh root beside the old one.
A root whose stamp is missing or whose asterisk binary does not run is rebuilt.

Each running instance gets its own copy-on-write view of the cached root (overlayfs), so the
sandbox a developer runs and the one the tests run never share configuration or state.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from callcenter.config import Settings

SUITE = "sid"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm")
# Bump when the steps below change: it is part of the cache key.
PROVISION_REVISION = "1"
HOST_TOOLS = ("debootstrap", "sipp", "espeak-ng", "sox", "ffmpeg")


class SandboxError(RuntimeError):
    pass


def cache_key() -> str:
    text = json.dumps([SUITE, MIRROR, PACKAGES, PROVISION_REVISION])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def base_root(settings: Settings) -> Path:
    return settings.sandbox_cache_dir / f"asterisk-root-{cache_key()}"


def _run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)  # type: ignore[call-overload, no-any-return]


def _stamp(root: Path) -> Path:
    return root / ".callcenter-stamp.json"


def root_is_sound(root: Path) -> bool:
    """A root is usable if its stamp matches and its asterisk binary runs."""
    try:
        stamp = json.loads(_stamp(root).read_text())
    except (OSError, ValueError):
        return False
    if stamp.get("key") != cache_key():
        return False
    try:
        out = _run(["chroot", str(root), "/usr/sbin/asterisk", "-V"], timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.stdout.startswith("Asterisk ")


def _unmount_below(path: Path) -> None:
    mounts = Path("/proc/mounts").read_text().splitlines()
    targets = [m.split()[1] for m in mounts if len(m.split()) > 1]
    for target in sorted(targets, key=len, reverse=True):
        if target == str(path) or target.startswith(str(path) + "/"):
            subprocess.run(["umount", "-l", target], check=False, capture_output=True)


@contextlib.contextmanager
def _provisioning(settings: Settings) -> Iterator[None]:
    """One provisioning at a time per cache: two sandboxes started together (two test
    workers) would otherwise both build the root into the same folder."""
    settings.sandbox_cache_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.sandbox_cache_dir / ".provisioning.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def install(settings: Settings, log: bool = True) -> Path:
    """Provision the cached root; idempotent. Returns the root."""
    root = base_root(settings)
    # The usual case, a sound root, is checked once and waits for no lock.
    if not root_is_sound(root):
        with _provisioning(settings):
            if not root_is_sound(root):  # not built by another process while this one waited
                _build(settings, root, log)
                return root
    if log:
        print(f"sandbox: cached root is ready: {root} ({version_of(root)})")
    return root


def _build(settings: Settings, root: Path, log: bool) -> None:
    missing = [t for t in ("debootstrap", "chroot") if shutil.which(t) is None]
    if missing:
        raise SandboxError(f"missing host tools {missing}: run scripts/setup-host.sh as root")
    if os.geteuid() != 0:
        raise SandboxError("provisioning the sandbox needs root (debootstrap, chroot, mount)")
    if root.exists():
        if log:
            print(f"sandbox: cached root {root} is incomplete or broken; rebuilding")
        _unmount_below(root)
        shutil.rmtree(root)
    tmp = root.with_name(root.name + ".partial")
    _unmount_below(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    if log:
        print(f"sandbox: debootstrap {SUITE} into {tmp} (about a minute)")
    _run(["debootstrap", "--variant=minbase", SUITE, str(tmp), MIRROR], timeout=1800)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # The archive snapshot reachable here serves a Release file past its validity date.
    _run(["chroot", str(tmp), "apt-get", "-o", "Acquire::Check-Valid-Until=false", "update"],
         timeout=600, env=env)
    _run(["chroot", str(tmp), "apt-get", "install", "-y", "--no-install-recommends", *PACKAGES],
         timeout=1800, env=env)
    _run(["chroot", str(tmp), "apt-get", "clean"], timeout=120, env=env)
    version = _run(["chroot", str(tmp), "/usr/sbin/asterisk", "-V"]).stdout.strip()
    _stamp(tmp).write_text(json.dumps({"key": cache_key(), "version": version,
                                       "packages": PACKAGES}))
    tmp.rename(root)
    if log:
        print(f"sandbox: installed {version} in {root}")


def version_of(root: Path) -> str:
    try:
        return str(json.loads(_stamp(root).read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


@dataclass(frozen=True)
class Instance:
    """One running sandbox: an overlay of the cached root plus this instance's state."""

    state_dir: Path

    @property
    def merged(self) -> Path:
        return self.state_dir / "root"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "asterisk.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "asterisk.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def rx(self, command: str, timeout: float = 15) -> str:
        """Run one Asterisk CLI command through the instance's control socket."""
        if any(c in command for c in "\r\n"):
            raise SandboxError("CLI command may not contain CR/LF")
        out = _run(["chroot", str(self.merged), "/usr/sbin/asterisk", "-rx", command],
                   timeout=timeout)
        return out.stdout

    def asterisk_uid_gid(self) -> tuple[int, int]:
        for line in (self.merged / "etc/passwd").read_text().splitlines():
            parts = line.split(":")
            if parts[0] == "asterisk":
                return int(parts[2]), int(parts[3])
        raise SandboxError("no asterisk user in the sandbox root")


def _is_mounted(path: Path) -> bool:
    want = str(path)
    return any(line.split()[1] == want for line in Path("/proc/mounts").read_text().splitlines()
               if len(line.split()) > 1)


# Asterisk in the sandbox runs as this host account: its recordings are owned by nobody else
# (the Debian root's own `asterisk` uid is, on the host, whoever happens to have it).
HOST_USER = "callcenter-asterisk"
# Where the Asterisk packages leave files owned by their user.
_ASTERISK_DIRS = ("etc/asterisk", "var/lib/asterisk", "var/spool/asterisk", "var/log/asterisk",
                  "var/cache/asterisk", "run/asterisk", "usr/share/asterisk")


def host_account() -> tuple[int, int]:
    """The sandbox's own host user and group (uid, gid), created on first use."""
    try:
        entry = pwd.getpwnam(HOST_USER)
    except KeyError:
        # Another sandbox starting at the same moment (a second test worker) may make it
        # first; if it still is not there, the lookup below says so.
        with contextlib.suppress(subprocess.CalledProcessError):
            _run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                  "/nonexistent", "--shell", "/usr/sbin/nologin", HOST_USER])
        entry = pwd.getpwnam(HOST_USER)
    return entry.pw_uid, entry.pw_gid


def _chown_from(top: Path, old: tuple[int, int], new: tuple[int, int]) -> None:
    """Give what `old` owns under `top` (user and group apart) to `new`."""
    if not top.exists():
        return
    for path in [top, *top.rglob("*")]:
        st = path.lstat()
        uid = new[0] if st.st_uid == old[0] else -1
        gid = new[1] if st.st_gid == old[1] else -1
        if uid != -1 or gid != -1:
            os.lchown(path, uid, gid)


def _entries_with(path: Path, field: int, value: int, but: str) -> list[str]:
    return [line.split(":")[0] for line in path.read_text().splitlines()
            if line.count(":") >= 3 and line.split(":")[field] == str(value)
            and line.split(":")[0] != but]


def adopt_host_account(settings: Settings, instance: Instance) -> None:
    """Make the root's `asterisk` user the host's HOST_USER (same uid and gid), and hand it
    what the old ids owned in the instance and in the recordings folder."""
    new = host_account()
    old = instance.asterisk_uid_gid()
    if old == new:
        return
    passwd, group = instance.merged / "etc/passwd", instance.merged / "etc/group"
    clash = _entries_with(passwd, 2, new[0], "asterisk") + \
        _entries_with(group, 2, new[1], "asterisk")
    if clash:
        raise SandboxError(f"host user {HOST_USER} has uid/gid {new}, taken inside the sandbox "
                           f"root by {', '.join(clash)}")
    lines = []
    for line in passwd.read_text().splitlines():
        f = line.split(":")
        if f[0] == "asterisk":
            f[2], f[3] = str(new[0]), str(new[1])
        lines.append(":".join(f))
    passwd.write_text("\n".join(lines) + "\n")
    lines = []
    for line in group.read_text().splitlines():
        f = line.split(":")
        if f[0] == "asterisk":
            f[2] = str(new[1])
        lines.append(":".join(f))
    group.write_text("\n".join(lines) + "\n")
    for d in _ASTERISK_DIRS:
        _chown_from(instance.merged / d, old, new)
    _chown_from(settings.recording_root, old, new)


def mount(settings: Settings, instance: Instance) -> None:
    """Overlay the cached root, mount /proc and bind the recordings folder inside it."""
    root = base_root(settings)
    upper, work = instance.state_dir / "upper", instance.state_dir / "work"
    for d in (upper, work, instance.merged):
        d.mkdir(parents=True, exist_ok=True)
    # The instance's state (its log names callers) is the owner's and the group's only.
    os.chmod(instance.state_dir, 0o750)  # noqa: S103 -- owner root, group only
    if not _is_mounted(instance.merged):
        _run(["mount", "-t", "overlay", "overlay", "-o",
              f"lowerdir={root},upperdir={upper},workdir={work}", str(instance.merged)])
    proc = instance.merged / "proc"
    if not _is_mounted(proc):
        _run(["mount", "-t", "proc", "proc", str(proc)])
    rec_inside = instance.merged / settings.asterisk_recording_root.lstrip("/")
    rec_inside.mkdir(parents=True, exist_ok=True)
    settings.recording_root.mkdir(parents=True, exist_ok=True)
    adopt_host_account(settings, instance)
    uid, gid = instance.asterisk_uid_gid()
    # Asterisk drops to its own user inside the chroot; the folder must be its to write.
    os.chown(settings.recording_root, uid, gid)
    os.chmod(settings.recording_root, 0o750)  # noqa: S103 -- owner asterisk, group only
    if not _is_mounted(rec_inside):
        _run(["mount", "--bind", str(settings.recording_root), str(rec_inside)])


def start(settings: Settings, instance: Instance, wait: float = 60) -> int:
    """Start Asterisk in the instance (already rendered); returns its pid."""
    if instance.pid() is not None:
        raise SandboxError(f"sandbox already running (pid {instance.pid()})")
    fd = os.open(instance.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.fchmod(fd, 0o640)  # also a log an older version created world-readable
    with os.fdopen(fd, "ab") as log:  # Asterisk keeps its own copy of the handle
        proc = subprocess.Popen(
            ["chroot", str(instance.merged), "/usr/sbin/asterisk", "-f", "-n",
             "-U", "asterisk", "-G", "asterisk"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    # Asterisk outlives this call (and, from the CLI, this process): the handle is kept so
    # that `stop` reaps it here, not the garbage collector while it still runs.
    _STARTED[proc.pid] = proc
    instance.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SandboxError(f"asterisk exited with {proc.returncode}; see {instance.log_file}")
        try:
            instance.rx("core waitfullybooted", timeout=10)
            return proc.pid
        except (subprocess.SubprocessError, OSError):
            time.sleep(0.3)
    stop(instance)
    raise SandboxError(f"asterisk did not boot within {wait}s; see {instance.log_file}")


def stop(instance: Instance, wait: float = 20) -> bool:
    """Stop Asterisk and unmount the instance. Returns whether it was running."""
    pid = instance.pid()
    if pid is not None:
        try:
            instance.rx("core stop now", timeout=10)
        except (subprocess.SubprocessError, OSError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and instance.pid() is not None:
            _reap(pid)
            time.sleep(0.1)
        if instance.pid() is not None:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
    instance.pid_file.unlink(missing_ok=True)
    if instance.merged.exists():
        _unmount_below(instance.merged)
    return pid is not None


_STARTED: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
    proc = _STARTED.get(pid)
    if proc is not None:
        if proc.poll() is not None:
            del _STARTED[pid]
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(instance: Instance) -> dict[str, object]:
    pid = instance.pid()
    info: dict[str, object] = {"running": pid is not None, "pid": pid}
    if pid is not None:
        try:
            info["version"] = instance.rx("core show version").strip()
            info["uptime"] = instance.rx("core show uptime seconds").strip()
        except (subprocess.SubprocessError, OSError) as exc:
            info["error"] = str(exc)
    return info


# Stock files kept from Debian's /etc/asterisk; all others are removed so that only what we
# render is configured (no sample contexts, no listeners we did not ask for).
KEEP_STOCK = ("asterisk.conf", "indications.conf", "musiconhold.conf", "ccss.conf")
# Files Asterisk reads at start whatever modules load; absent, each logs an error. CDR is
# off: the controller follows calls over AMI, and CEL (rendered from dialplan/) is Asterisk's
# own account the reconciliation checks it against.
QUIET_DEFAULTS = {
    "cdr.conf": "[general]\nenable = no\n",
    "features.conf": "",
    "acl.conf": "",
    "udptl.conf": "",
    "pjproject.conf": "",
}


def prepare(settings: Settings, instance: Instance) -> None:
    """Mount the instance, render our configuration into it and place the prompts."""
    from callcenter.speech import prompts
    from callcenter.telephony import render

    mount(settings, instance)
    # debootstrap leaves no /etc/hosts: without one Asterisk's resolver refuses to load and
    # the machine's own name is looked up in DNS (which these machines do not have).
    hosts = instance.merged / "etc/hosts"
    if not hosts.exists():
        hosts.write_text(f"127.0.0.1 localhost {socket.gethostname()}\n::1 localhost\n")
    etc = instance.merged / "etc/asterisk"
    for f in etc.iterdir():
        if f.name not in KEEP_STOCK:
            if f.is_dir():
                shutil.rmtree(f)
            else:
                f.unlink()
    written = render.render(settings, etc, settings.ami_secret())
    # This Asterisk's name (validated by config: a name, nothing else), or none: the stock
    # file otherwise, whatever an earlier run of this instance wrote.
    conf = etc / "asterisk.conf"
    stock = re.sub(r"(?m)^systemname = .*\n", "", conf.read_text())
    if settings.asterisk_systemname:
        stock = stock.replace("[options]\n",
                              f"[options]\nsystemname = {settings.asterisk_systemname}\n", 1)
    conf.write_text(stock)
    for name, body in QUIET_DEFAULTS.items():
        (etc / name).write_text("; callcenter sandbox: Asterisk's defaults\n" + body)
        written.append(etc / name)
    (instance.merged / "usr/share/asterisk/moh").mkdir(parents=True, exist_ok=True)
    uid, gid = instance.asterisk_uid_gid()
    for path in written:
        os.chown(path, 0, gid)
        os.chmod(path, 0o640)
    sounds = instance.merged / "usr/share/asterisk/sounds" / settings.language / "hotline"
    prompts.build(settings.prompts, settings.sandbox_cache_dir / "prompts", sounds,
                  settings.prompt_rate)
    if settings.language == "zh":
        prompts.build_numbers(settings.sandbox_cache_dir / "prompts", sounds.parent / "digits",
                              settings.prompt_rate)
    for path in sounds.iterdir():
        os.chown(path, uid, gid)


def default_instance(settings: Settings) -> Instance:
    return Instance(settings.sandbox_state_dir)
