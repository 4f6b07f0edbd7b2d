"""Schema migrations carry stored calls across, both ways, on SQLite and PostgreSQL."""

import json
from pathlib import Path

from alembic import command
from sqlalchemy import text

from callcenter.domain.calls import wire_text
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import alembic_config, make_engine, migrate
from callcenter.telephony.tracker import CallTracker

TRACE = json.loads((Path(__file__).parent / "data" / "answered_call.json").read_text())
ROOT = "/var/spool/asterisk/hotline-rec"


def test_event_rows_become_a_trail_and_back(store_url):
    engine = make_engine(store_url)
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0001")
    tracker = CallTracker()
    for e in TRACE:
        tracker.feed(e)
    ((lid, trail),) = tracker.drain().items()
    events = list(trail.values())
    # A call as 0001 stored it: one JSON row per event.
    with engine.begin() as conn:
        call_id = conn.execute(text(
            "INSERT INTO calls (linkedid, caller_number, dialled_number, started_at, fallback,"
            " hung_up_by, disposition, disposition_reason) VALUES (:l, '', '', :t, false,"
            " 'unknown', 'failed', '') RETURNING id"), {"l": lid, "t": "2026-01-01 00:00:00"}
        ).scalar_one()
        conn.execute(text("INSERT INTO call_events (call_id, digest, ts, name, body) "
                          "VALUES (:c, :d, 0, :n, :b)"),
                     [{"c": call_id, "d": f"d{i}", "n": e.get("Event", ""),
                       "b": json.dumps(e, ensure_ascii=False)} for i, e in enumerate(events)])
    command.upgrade(cfg, "head")
    log = CallLog(engine, Path("/nonexistent"), ROOT, measure_files=False)
    assert [wire_text(e) for e in log.trail(lid)] == list(trail)
    # A late event merges into the migrated trail as into any other.
    late = {"Event": "UserEvent", "UserEvent": "CallCenter", "Fact": "late", "Uniqueid": lid,
            "Linkedid": lid, "Timestamp": "9999999999.0"}
    (record,) = log.save({lid: {**trail, wire_text(late): late}})
    assert record.disposition == "answered"
    assert log.trail(lid) == [*events, late]

    command.downgrade(cfg, "0001")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, body FROM call_events WHERE call_id = :c"
                                 " ORDER BY id"),
                            {"c": call_id}).all()
    assert [json.loads(b) for _, b in rows] == [
        {k: v for k, v in e.items() if k != "ActionID"} for e in [*events, late]]
    engine.dispose()


def test_models_and_migrations_agree(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    command.check(alembic_config(engine))  # raises if a model differs from the migrations
    engine.dispose()
