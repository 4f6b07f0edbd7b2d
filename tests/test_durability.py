"""kill -9 during ticket writes, hundreds of times (tests/kill_loop_support.py): every write
the service acknowledged is in the store, and the store passes its integrity checks. On
SQLite the writer is killed; on PostgreSQL (its own cluster, fsync on) the writer, and every
tenth time the database server itself."""

from __future__ import annotations

import pytest
from kill_loop_support import check, migrated, run
from pg_support import PgCluster


def test_killing_the_writer_300_times_loses_no_acknowledged_ticket_sqlite(tmp_path):
    url = migrated(f"sqlite:///{tmp_path / 'calls.db'}")
    acks = run(url, iterations=300, seed=21)
    assert acks.kills == 300 and len(acks.registered) > 300
    assert len(acks.dispatched) > 100  # the kills landed between and inside writes
    assert check(url, acks) == []


@pytest.mark.postgres
def test_killing_the_writer_and_the_server_loses_no_acknowledged_ticket_postgresql():
    cluster = PgCluster(fsync=True)
    cluster.start()
    try:
        url = migrated(cluster.database("hotline"))
        acks = run(url, iterations=100, seed=22, kill_server=cluster.crash, server_every=10)
        assert acks.server_kills == 10 and len(acks.registered) > 100
        assert check(url, acks) == []
    finally:
        cluster.remove()


def test_the_check_finds_an_acknowledged_ticket_that_is_not_there(tmp_path):
    url = migrated(f"sqlite:///{tmp_path / 'calls.db'}")
    acks = run(url, iterations=3, seed=23)
    acks.registered[10**6] = 10**6  # acknowledged, never written
    problems = check(url, acks)
    assert len(problems) == 1 and "acknowledged, not read" in problems[0]
