"""The store copied while the hotline runs, and put back.

SQLite: SQLite's own online backup (a consistent snapshot, writers go on; WAL folded in).
PostgreSQL: pg_dump's custom format (one snapshot of the database) and pg_restore into an
empty database. Secrets in the URL never reach a command line: the password goes to the
tools through their environment.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from callcenter.storage.engine import make_engine

SQLITE_FILE = "store.sqlite"
PG_FILE = "store.pgdump"


class BackupError(Exception):
    pass


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _pg_tool(name: str, url: str) -> tuple[str, dict[str, str], str]:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    u = make_url(url)
    env = {**os.environ, "PGPASSWORD": u.password or ""} if u.password else dict(os.environ)
    plain = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return tool, env, plain


def snapshot(engine: Engine, folder: Path) -> str:
    """Write the store into `folder`; returns the file's name."""
    url = engine.url.render_as_string(hide_password=False)
    if kind_of(url) == "sqlite":
        dest = folder / SQLITE_FILE
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with sqlite3.connect(dest) as target:
                source.backup(target)
            target.close()
        finally:
            raw.close()
        os.chmod(dest, 0o640)
        return SQLITE_FILE
    tool, env, plain = _pg_tool("pg_dump", url)
    dest = folder / PG_FILE
    done = subprocess.run([tool, "--format=custom", "--no-owner", "--file", str(dest),
                           "--dbname", plain], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    os.chmod(dest, 0o640)
    return PG_FILE


def restore(url: str, source: Path) -> None:
    """Put a snapshot back into a store that holds nothing yet (a new SQLite file, an empty
    PostgreSQL database): a restore never overwrites what is there."""
    if kind_of(url) == "sqlite":
        dest = Path(make_url(url).database or "")
        if dest.exists() and dest.stat().st_size > 0:
            raise BackupError(f"{dest} exists: restore into a new file, then move it")
        dest.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(dest) as target:
            src.backup(target)
        src.close()
        target.close()
        os.chmod(dest, 0o640)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT count(*) FROM pg_tables "
                                       "WHERE schemaname = 'public'")).scalar_one()
    finally:
        engine.dispose()
    if tables:
        raise BackupError("the database is not empty: restore into a new database")
    tool, env, plain = _pg_tool("pg_restore", url)
    done = subprocess.run([tool, "--no-owner", "--exit-on-error", "--dbname", plain,
                           str(source)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
