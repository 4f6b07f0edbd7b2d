"""A captured AMI trace replayed in order, shuffled, duplicated or in pieces gives one store."""

import json
import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from callcenter.domain.calls import wire_text
from callcenter.services.call_log import CallLog
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow, LegRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork
from callcenter.telephony.call_facts import record_of
from callcenter.telephony.tracker import CallTracker

TRACE = json.loads((Path(__file__).parent / "data" / "answered_call.json").read_text())
ROOT = "/var/spool/asterisk/hotline-rec"


def _store(url: str, batches: list[list[dict[str, str]]]) -> dict[str, Any]:
    engine = make_engine(url)
    migrate(engine)
    log = CallLog(UnitsOfWork(engine), Path("/nonexistent"), ROOT, record_of, measure_files=False)
    for events in batches:
        tracker = CallTracker()
        for e in events:
            tracker.feed(e)
        log.save(tracker.drain())
    with UnitOfWork(engine, read_only=True) as uow:
        calls = uow.session.scalars(select(CallRow)).all()
        snapshot: dict[str, Any] = {
            c.linkedid: {k: getattr(c, k) for k in CallRow.__table__.c.keys() if k != "id"}  # noqa: SIM118
            for c in calls}
        snapshot["legs"] = sorted((g.uniqueid, g.channel, g.role, g.started_at, g.ended_at,
                                   g.hangup_cause) for g in uow.session.scalars(select(LegRow)))
        snapshot["events"] = {c.linkedid: sorted(map(wire_text, log.trail(c.linkedid)))
                              for c in calls}
    engine.dispose()
    return snapshot


def test_shuffled_and_duplicated_replay_matches_in_order(store_url, tmp_path):
    in_order = _store(store_url, [TRACE])
    (call,) = [v for k, v in in_order.items() if k not in ("legs", "events")]
    assert call["disposition"] == "answered" and call["seat"] in ("8001", "8002")
    assert call["caller_number"] == "13800138000" and call["dialled_number"] == "12345"
    assert len(in_order["legs"]) == 2

    rng = random.Random(7)
    shuffled = TRACE * 2 + rng.sample(TRACE, len(TRACE) // 2)
    rng.shuffle(shuffled)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert _store(other, [shuffled]) == in_order
    # The same call delivered in three pieces, one of them twice, in three transactions.
    cut1, cut2 = len(TRACE) // 3, 2 * len(TRACE) // 3
    pieces = [TRACE[cut2:], TRACE[:cut1], TRACE[cut1:cut2], TRACE[:cut1]]
    third = f"sqlite:///{tmp_path / 'third.db'}"
    assert _store(third, pieces) == in_order
