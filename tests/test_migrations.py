"""Schema migrations carry stored calls across, both ways, on SQLite and PostgreSQL."""

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from callcenter.domain.calls import wire_text
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import alembic_config, make_engine, migrate
from callcenter.storage.uow import UnitsOfWork
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.tracker import CallTracker

TRACE = json.loads((Path(__file__).parent / "data" / "answered_call.json").read_text())
ROOT = "/var/spool/asterisk/hotline-rec"


@pytest.mark.empty_store
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
    log = CallLog(UnitsOfWork(engine), Path("/nonexistent"), ROOT, record_of, measure_files=False)
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


@pytest.mark.empty_store
def test_models_and_migrations_agree(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    command.check(alembic_config(engine))  # raises if a model differs from the migrations
    engine.dispose()


@pytest.mark.empty_store
def test_tickets_stored_by_the_old_flow_read_back_in_the_new_one(store_url):
    from datetime import UTC, datetime

    from callcenter.domain.policy import Urgency
    from callcenter.domain.replies import Kind
    from callcenter.domain.tickets import Status, Ticket
    from callcenter.storage import ticket_codec
    from callcenter.storage.tickets_repo import TicketsRepo
    from callcenter.storage.uow import UnitOfWork

    engine = make_engine(store_url)
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0009")
    at = datetime(2026, 3, 2, 2, tzinfo=UTC)
    state = json.loads(ticket_codec.encode(Ticket(Kind.COMPLAINT, Urgency.GENERAL, at,
                                                  dispatched_at=at, due_at=at,
                                                  lead_unit="u-wuye")))
    for new in ("due_from", "due_spans", "extension_until", "return_until", "provisional",
                "dispatch_due", "proposal", "parking", "closed_at", "callback_sampled",
                "callback_outcome", "repeats"):
        state.pop(new)
    # As the called-back flow stored it: waiting for the office after a callback, an
    # extension request as a bare span, a return request with its contact flag.
    state |= {"status": "called_back", "pending_extension": "15d",
              "return_request": {"reason": "不属职责", "contact_logged": True,
                                 "suggested_unit": "u-street"}}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (version, status, kind, urgency, channel, category, matter,"
            " demand, address, history_text, other_opinions, reporter_name, reporter_gender,"
            " reporter_phone, anonymous, registered_at, registered_by, lead_unit, due_at,"
            " supervised, provisional, state) VALUES (1, 'called_back', 'complaint', 'general',"
            " 'phone', '漏水', 'm', 'd', '翠竹社区 3号楼', '', '', '张三', 'male', '138', false,"
            " :t, 'a', 'u-wuye', :t, false, false, :s)"),
            {"t": at, "s": json.dumps(state, ensure_ascii=False, sort_keys=True)})
    command.upgrade(cfg, "head")
    with UnitOfWork(engine, read_only=True) as uow:
        (tid,) = uow.session.execute(text("SELECT id FROM tickets")).scalars()
        st = TicketsRepo(uow.session).get(tid)
        key = uow.session.execute(text("SELECT address_key FROM tickets")).scalar_one()
    assert st.ticket.status is Status.REPLIED  # the office accepts the reply now
    assert st.ticket.pending_extension.agreed_by is not None
    assert st.ticket.return_request.suggested_unit == "u-street"
    assert st.ticket.due_from == at and st.ticket.repeats == 1 and key == "翠竹社区3号楼"
    engine.dispose()


def test_the_sqlite_store_is_not_readable_by_others(tmp_path):
    import os
    import stat

    db = tmp_path / "store" / "calls.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    for f in [db, *db.parent.glob("calls.db-*")]:
        assert stat.S_IMODE(os.stat(f).st_mode) & 0o007 == 0, f
    assert stat.S_IMODE(os.stat(db.parent).st_mode) & 0o007 == 0
    engine.dispose()
    old = tmp_path / "old.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    make_engine(f"sqlite:///{old}").dispose()
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o640


@pytest.mark.empty_store
def test_processes_started_together_migrate_a_new_store_one_at_a_time(store_url):
    import subprocess
    import sys

    code = ("import sys; from callcenter.storage.engine import make_engine, migrate; "
            "migrate(make_engine(sys.argv[1]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE)
             for _ in range(4)]
    errors = [p.communicate(timeout=120)[1].decode()[-300:] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    engine = make_engine(store_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()
