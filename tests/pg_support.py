"""Throwaway PostgreSQL clusters from Debian's packages, run as the postgres user: the suite's
shared one (conftest.pg_server), and private ones a test may stop and start again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

RUN_AS = ["runuser", "-u", "postgres", "--"]


def _bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup-host.sh")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    def __init__(self, fsync: bool = False) -> None:
        self.bindir = _bin()
        # pytest's temporary root is private to root; the postgres user needs its own folder.
        self.base = Path(tempfile.mkdtemp(prefix="callcenter-pg-"))
        os.chmod(self.base, 0o755)
        self.data = self.base / "data"
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self.port = free_port()
        self.fsync = fsync
        subprocess.run([*RUN_AS, str(self.bindir / "initdb"), "-D", str(self.data), "-A",
                        "trust", "-U", "postgres"], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run([*RUN_AS, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                       check=check, capture_output=True)

    def start(self) -> None:
        fsync = "on" if self.fsync else "off"
        self._ctl("-w", "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
                  f"-c fsync={fsync}", "-l", str(self.data / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "stop", check=False)

    def database(self, name: str) -> str:
        """A new, empty database on this cluster; its URL."""
        import psycopg

        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def crash(self) -> None:
        """kill -9 of the server itself, then a start: PostgreSQL's crash recovery."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        self.stop("immediate")  # reaps what the postmaster left
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)
