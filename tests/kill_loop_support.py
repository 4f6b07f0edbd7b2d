"""kill -9 during ticket writes, again and again: every write the service acknowledged must be
in the store afterwards, and the store must pass its own integrity checks.

A forked writer registers and dispatches tickets and tells the parent through a pipe after
each commit returns; the parent kills it at a random moment (and, where asked, kills the
PostgreSQL server itself) and starts the next. Used by tests/test_durability.py and
bench/kill_loop.py (more iterations)."""

from __future__ import annotations

import os
import random
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import text
from tickets_support import AGENT, FORM, UNITS, hotline_over

from callcenter.domain.tickets import Dispatch
from callcenter.storage.engine import make_engine, migrate

MARK = "耐久测试 #"


@dataclass
class Acks:
    registered: dict[int, int] = field(default_factory=dict)  # seq -> ticket id
    dispatched: set[int] = field(default_factory=set)          # ticket ids
    kills: int = 0
    server_kills: int = 0


def migrated(url: str) -> str:
    """The store migrated, with the units the writer dispatches to."""
    engine = make_engine(url)
    try:
        migrate(engine)
        hotline_over(engine).units.replace(list(UNITS), [])
    finally:
        engine.dispose()
    return url


def _writer(url: str, out: int, first_seq: int) -> None:
    engine = make_engine(url)
    tickets = hotline_over(engine).tickets
    os.write(out, b"ready\n")
    seq = first_seq
    while True:
        try:
            tid = tickets.register(replace(FORM, matter=f"{MARK}{seq}"), AGENT)
            os.write(out, f"R {seq} {tid}\n".encode())
            tickets.command(tid, Dispatch("u-wuye"), AGENT)
            os.write(out, f"D {seq} {tid}\n".encode())
        except Exception as exc:  # the server was killed under it: say so, and try again
            os.write(out, f"E {type(exc).__name__}\n".encode())
            time.sleep(0.05)
        seq += 1


def _read_acks(fd: int, acks: Acks, until: float) -> bool:
    """Read the writer's lines until `until`; False once it closed the pipe."""
    buf = b""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            kind, *rest = line.decode().split()
            if kind == "R":
                acks.registered[int(rest[0])] = int(rest[1])
            elif kind == "D":
                acks.dispatched.add(int(rest[1]))
    return True


def run(url: str, iterations: int, seed: int = 1, kill_server: Callable[[], None] | None = None,
        server_every: int = 0) -> Acks:
    """`iterations` writers, each killed 5 to 150 ms after it is ready; every
    `server_every`-th iteration `kill_server()` kills and restarts the database server
    instead (PostgreSQL), while the writer is mid-write."""
    rng = random.Random(seed)
    acks = Acks()
    # One registration in this process first: what a first registration loads (the word
    # segmenter, the rules) is then inherited by every forked writer, which starts writing at
    # once instead of spending the whole of its short life loading (a busy machine killed 300
    # writers before any wrote).
    engine = make_engine(url)
    try:
        hotline_over(engine).tickets.register(replace(FORM, matter=f"{MARK}warm-up"), AGENT)
    finally:
        engine.dispose()  # no connection crosses a fork
    seq = 0
    for n in range(iterations):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer: never returns
            os.close(r)
            try:
                _writer(url, w, seq)
            finally:
                os._exit(1)
        os.close(w)
        try:
            first = os.read(r, 6)
            assert first == b"ready\n", first
            # Killed 5-150 ms after its first write is acknowledged: inside writes, however
            # slowly a loaded machine gets it there.
            before = len(acks.registered)
            deadline = time.monotonic() + 30
            while len(acks.registered) == before and time.monotonic() < deadline:
                if not _read_acks(r, acks, time.monotonic() + 0.05):
                    break
            _read_acks(r, acks, time.monotonic() + rng.uniform(0.005, 0.150))
            if kill_server is not None and server_every and n % server_every == 0:
                kill_server()
                acks.server_kills += 1
                _read_acks(r, acks, time.monotonic() + 0.3)
            os.kill(pid, signal.SIGKILL)
            acks.kills += 1
            os.waitpid(pid, 0)
            _read_acks(r, acks, time.monotonic() + 0.05)  # what it said before it died
        finally:
            os.close(r)
        seq = (max(acks.registered) + 1000) if acks.registered else seq + 1000
    return acks


def check(url: str, acks: Acks) -> list[str]:
    """What is wrong with the store after the loop: acknowledged writes absent, the store's
    integrity checks failing, stored tickets that do not read back."""
    problems: list[str] = []
    engine = make_engine(url)
    try:
        hotline = hotline_over(engine)
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                verdict = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if verdict != ["ok"]:
                    problems.append(f"integrity_check: {verdict[:5]}")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    problems.append(f"foreign_key_check: {broken[:5]}")
            else:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
                conn.execute(text(
                    "SELECT bt_index_check(c.oid, true) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                    "JOIN pg_namespace s ON s.oid = c.relnamespace "
                    "WHERE a.amname = 'btree' AND s.nspname = 'public'")).all()
                conn.commit()
        for seq, tid in acks.registered.items():
            try:
                view = hotline.tickets.get(tid, AGENT)
            except Exception as exc:
                problems.append(f"ticket {tid} (#{seq}) acknowledged, not read: {exc!r}")
                continue
            if view["matter"] != f"{MARK}{seq}":
                problems.append(f"ticket {tid} holds {view['matter']!r}, not #{seq}")
            if tid in acks.dispatched and view["status"] != "dispatched":
                problems.append(f"ticket {tid} dispatch acknowledged, status {view['status']}")
    finally:
        engine.dispose()
    return problems
