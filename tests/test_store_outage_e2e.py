"""The store away for 30 s under live calls, on the real sandbox Asterisk and a PostgreSQL
cluster of the test's own that is stopped and started again: the line goes on, the calls wait
in the controller's spool (a kill -9 during the outage included) and reach the store once it
is back, each once; Asterisk's own CEL account then finds no call missing or split."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from call_support import finish, place_call
from pg_support import PgCluster
from process_support import Proc, reconcile, rows_of, until_rows

from callcenter.storage.engine import make_engine, migrate

pytestmark = [pytest.mark.asterisk, pytest.mark.postgres]
OUTAGE_S = 30


@pytest.fixture
def cluster():
    c = PgCluster()
    c.start()
    engine = make_engine(c.database("hotline"))
    migrate(engine)
    engine.dispose()
    yield c
    c.remove()


async def test_thirty_seconds_without_the_store_lose_no_call(sandbox_home, settings, asterisk,
                                                            seat_phones, cluster, tmp_path):
    url = cluster.url + "/hotline"
    since = dt.datetime.now(dt.UTC).isoformat()
    log = tmp_path / "controller.log"
    proc = Proc(sandbox_home, url, log)
    await finish(place_call(settings, "13600136000", hold_ms=9000))
    (before,) = await until_rows(url, lambda rows: len(rows) == 1 and rows[0].ended_at)

    cluster.stop()
    away = time.monotonic()
    # Two citizens at once while the store is away; then the controller is killed (what it
    # spooled must be on disk), a new one starts without the store, and a third citizen calls.
    await asyncio.gather(finish(place_call(settings, "13600136001", hold_ms=9000)),
                         finish(place_call(settings, "13600136002", hold_ms=9000)))
    await asyncio.sleep(1.0)  # the hang-ups reach the controller and its spool
    proc.kill()
    proc = Proc(sandbox_home, url, log)
    await finish(place_call(settings, "13600136003", hold_ms=9000))
    await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - away)))
    cluster.start()

    rows = await until_rows(url, lambda rows: len(rows) == 4 and all(r.ended_at for r in rows),
                            timeout=30)
    assert sorted(r.caller_number for r in rows) == [
        "13600136000", "13600136001", "13600136002", "13600136003"]
    assert before.linkedid in {r.linkedid for r in rows}
    for row in rows:
        assert row.disposition == "answered" and row.talk_s > 1
        assert {leg.role for leg in row.legs} == {"citizen", "seat"}
        mix = {rec.kind: rec for rec in row.recordings}["mix"]
        assert mix.sha256 and not mix.error and abs(mix.duration_s - row.talk_s) < 1.0
    assert not list((sandbox_home / "var" / "spool").rglob("*.calls.json"))
    text = log.read_text()
    assert "kept in the spool" in text and "spooled calls" in text
    found = reconcile(sandbox_home, url, since)
    assert found["ok"] and found["citizen_calls"] == 4, found
    assert proc.term() == 0
    assert len(rows_of(url)) == 4
