"""Engines and schema: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text

HERE = Path(__file__).resolve().parent
READ_ONLY = "callcenter_read_only"  # execution option set by UnitOfWork(read_only=True)


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        _private_file(path)
        # Statement parameters are phone numbers and transcripts: never in an error's text.
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets readers (console, CLI) run beside the controller's writes; FULL makes
            # a committed call survive a power cut.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # Transactions are begun by SQLAlchemy (below), not by the driver's own rules.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # A writing transaction takes the write lock at its start: a deferred one that
            # reads, then writes after another writer committed, fails at once with "database
            # is locked" instead of waiting its turn (two sweepers, the persister beside the
            # API). Read-only units of work begin deferred and read a WAL snapshot, never
            # waiting for writers.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    # psycopg prepares a statement after 5 runs, and PostgreSQL then may switch to a generic
    # plan that ignores how common a word or a seat is: transcript search with a seat filter
    # went from 70 to 160 ms at a million utterances. Plan every statement for its values.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


def _private_file(path: Path) -> None:
    """The store holds phone numbers and transcripts: owner and group only. SQLite gives its
    -wal and -shm files the database file's mode, so creating this one right is enough."""
    if str(path) == ":memory:":
        return
    path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640))
    except FileExistsError:
        mode = path.stat().st_mode
        if mode & 0o007 and path.stat().st_uid == os.getuid():
            os.chmod(path, mode & 0o770)  # an older store others could read


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


# Processes started together (systemd starts the controller, the API and the workers at once)
# migrate a new PostgreSQL database one at a time: two at once broke a unique key in
# alembic's own table and one of them exited (bench/load_ramp.py on PostgreSQL).
MIGRATION_LOCK = 1_2345_0021


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
