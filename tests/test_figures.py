"""Every report figure's definition (domain/figures.py, row by row) and its SQL mirror
(storage/figures_repo.py) count the same calls, tickets and dialled units, at the edges of a
period, on SQLite and PostgreSQL; the figures built from a tally carry their numerators and
denominators; percentiles are nearest-rank."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert

from callcenter.domain import figures as f
from callcenter.storage.agent_tables import CallbackRow
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.figures_repo import FiguresRepo
from callcenter.storage.tables import CallRow, PartyRow, RingRow
from callcenter.storage.ticket_tables import TicketRow
from callcenter.storage.uow import UnitOfWork

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)   # 16:00 in Shanghai
END = START + timedelta(days=1)
EDGES = (START - timedelta(microseconds=1), START, START + timedelta(hours=5, minutes=59),
         END - timedelta(microseconds=1), END)


def calls() -> list[dict[str, Any]]:
    rows, n = [], itertools.count(1)
    for at, disposition, joined, answered, wait, route in itertools.product(
            EDGES, ("answered", "abandoned_queue", "abandoned_ivr", "in_progress", "message"),
            (False, True), (False, True), (None, 3.2, 15.0, 15.5, 61.9), (None, "night")):
        i = next(n)
        rows.append({
            "linkedid": f"1796000000.{i}", "started_at": at, "route": route,
            "queue": "hotline" if joined else None,
            "queue_joined_at": at + timedelta(seconds=10) if joined else None,
            "answered_at": at + timedelta(seconds=20) if answered else None, "wait_s": wait,
            "talk_s": (i % 7) * 30.5 if answered else None, "disposition": disposition,
            "seat": ("8001", "8002", None)[i % 3], "hung_up_by": "citizen",
            "caller_number": f"1380000{i % 40:04d}" if i % 5 else "", "dialled_number": "12345",
            "fallback": False, "disposition_reason": ""})
    return rows


def tickets() -> list[dict[str, Any]]:
    rows, n = [], itertools.count(1)
    statuses = ("registered", "answered_directly", "dispatched", "replied", "closed", "parked",
                "merged", "called_back")
    for registered, due, status, replied, contact, cb in itertools.product(
            EDGES[1:4], (None, *EDGES), statuses, (None, -1, 0, 1),
            (None, "early", "late", "never"), (None, "unreached", "solved", "unhappy")):
        k = next(n)
        if k % 3:  # a third of the combinations keeps the set at a few thousand rows
            continue
        i = k // 3
        rows.append({
            "id": k, "version": 1, "status": status, "kind": ("complaint", "help_repair")[i % 2],
            "urgency": "general", "channel": ("phone", "web", "fax")[i % 3],
            "category": ("供暖", "漏水", "物业费")[i % 3 if i % 2 else 1], "matter": "m",
            "demand": "d", "address": "a", "history_text": "", "other_opinions": "",
            "reporter_name": "", "reporter_gender": "unknown", "reporter_phone": "",
            "home_address": "", "event_time": "", "people_involved": "", "address_key": "a",
            "anonymous": False, "registered_at": registered, "registered_by": f"agent{i % 4}",
            "lead_unit": ("u-water", "u-heat", None)[i % 3] if due else None,
            "due_at": due, "due_soon_at": None,
            "first_contact_due": due - timedelta(hours=6) if due and contact else None,
            "first_contact_at": (None if contact in (None, "never") else
                                 due - timedelta(hours=7 if contact == "early" else 5)) if due
            else None,
            "replied_at": due + timedelta(seconds=replied) if due and replied is not None
            else None,
            "dispatched_at": registered if due else None, "supervised": i % 11 == 0,
            "closed_at": None, "dispatch_due": None, "callback_due": False,
            "provisional": False, "returns": i % 13 == 0, "extensions": i % 5 == 0,
            "revisits": int(i % 17 == 0), "repeats": 1 + i % 3,
            "cb_reached": None if cb is None else cb != "unreached",
            "cb_solved": cb == "solved" if cb not in (None, "unreached") else None,
            "cb_satisfied": cb == "solved" if cb not in (None, "unreached") else None,
            "state": "{}"})
    return rows


def callbacks() -> list[dict[str, Any]]:
    states = ("pending", "placing", "answered", "no_answer", "busy", "failed")
    return [{"key": f"missed:{i}", "kind": "missed", "call": f"1796000000.{i}",
             "ticket_id": None, "number": "13800000000", "seat": "8001", "requested_by": "x",
             "requested_at": at, "state": state, "detail": "", "channel_id": f"c{i}",
             "updated_at": at} for i, (at, state) in enumerate(itertools.product(EDGES, states))]


def parties(call_ids: list[int], at_of: dict[int, datetime]) -> list[dict[str, object]]:
    return [{"call_id": c, "leg": "unit1", "uniqueid": f"{c}-unit1",
             "unit": ("u-water", "u-heat")[c % 2], "number": "010", "dialled_at": at_of[c],
             "answered_at": at_of[c] if c % 3 else None, "ended_at": None,
             "outcome": "answered" if c % 3 else "no_answer"} for c in call_ids[::7]]


def rings(call_ids: list[int], at_of: dict[int, datetime]) -> list[dict[str, object]]:
    """Every call rang one seat; every other call rang a second one, which answered if the
    call's id is odd."""
    out: list[dict[str, object]] = []
    for c in call_ids:
        at = at_of[c]
        out.append({"call_id": c, "arrived_at": at, "seat": ("8001", "8002")[c % 2],
                    "rung_at": at + timedelta(seconds=12), "answered": False,
                    "agent": ("agent1", "")[c % 2]})
        if c % 2 == 0:
            out.append({"call_id": c, "arrived_at": at, "seat": "8003",
                        "rung_at": at + timedelta(seconds=30), "answered": c % 4 == 0,
                        "agent": ("agent1", "agent2")[c % 3 == 0]})
    return out


def test_the_definitions_and_their_sql_tally_the_same(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    call_rows, ticket_rows, callback_rows = calls(), tickets(), callbacks()
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(CallRow), call_rows)
        uow.session.execute(insert(CallbackRow), callback_rows)
        uow.session.execute(insert(TicketRow), ticket_rows)
        ids = dict(uow.session.query(CallRow.linkedid, CallRow.id).all())
        at_of = {ids[r["linkedid"]]: r["started_at"] for r in call_rows}
        party_rows = parties(sorted(at_of), at_of)
        uow.session.execute(insert(PartyRow), party_rows)
        ring_rows = rings(sorted(at_of), at_of)
        uow.session.execute(insert(RingRow), ring_rows)
    with UnitOfWork(engine, read_only=True) as uow:
        repo = FiguresRepo(uow.session)
        counted = repo.tally(START, END)
        heat = repo.tally(START, END, unit="u-heat")
    engine.dispose()
    ns = [SimpleNamespace(**r) for r in call_rows]
    tk = [SimpleNamespace(**r) for r in ticket_rows]
    pt = [SimpleNamespace(**r) for r in party_rows]
    expected = f.tally_rows(ns, tk, pt, START, END,
                            [SimpleNamespace(**r) for r in callback_rows],
                            [SimpleNamespace(**r) for r in ring_rows])
    for part in ("calls", "per_hour", "repeat_callers", "tickets", "by", "units", "seats",
                 "agents"):
        assert getattr(counted, part) == getattr(expected, part), part
    assert counted.wait.bins == expected.wait.bins and counted.talk.bins == expected.talk.bins
    assert round(counted.talk.total, 3) == round(expected.talk.total, 3)
    assert f.figures(counted) == f.figures(expected)
    # Every rule bites: none counts everything or nothing of what lies in the period.
    for name in (*f.PREDICATES, *f.CALLBACK_PREDICATES, *f.RING_PREDICATES,
                 *(n for n, _, _ in f.TICKET_PREDICATES)):
        n = expected.counts()[name]
        assert n > 0, name
    assert 0 < expected.counts()["calls_answered"] < expected.counts()["calls_total"]
    assert 0 < expected.counts()["rings_answered"] < expected.counts()["rings"]
    assert expected.seats["8003"]["rings"] > expected.seats["8003"]["rings_answered"] > 0
    assert expected.agents["agent2"]["rings"] > expected.agents["agent2"]["rings_answered"] > 0
    assert "" not in expected.agents  # a ring with nobody logged in is no agent's
    assert expected.counts()["callbacks_connected"] < expected.counts()["callbacks_placed"] \
        < expected.counts()["callbacks_requested"]
    # Hours are counted from the period's start: 08:00:00 UTC is hour 0, 13:59 hour 5.
    assert set(expected.per_hour) == {0, 5, 23}
    # A unit's tally holds its own tickets and legs only, and no calls.
    only = f.tally_rows([], [t for t in tk if t.lead_unit == "u-heat"],
                        [p for p in pt if p.unit == "u-heat"], START, END)
    assert heat.tickets == only.tickets and set(heat.units) == {"u-heat"}
    assert not heat.calls and not heat.seats


def test_a_figure_carries_its_numerator_and_denominator():
    t = f.Tally(calls=Counter(calls_offered=40, calls_answered=38, answered_within_15s=30),
                tickets=Counter(due=10, on_time=9, contact_due=4, contacted_in_time=4,
                                called_back=5, solved=3, satisfied=4))
    t.units["u-heat"] = Counter(due=3, on_time=2)
    out = f.figures(t)
    assert out["answer_rate"] == {"value": 0.95, "numerator": 38, "denominator": 40}
    assert out["on_time_rate"] == {"value": 0.9, "numerator": 9, "denominator": 10}
    assert out["first_contact_rate"]["value"] == 1.0
    assert out["resolution_rate"] == {"value": 0.6, "numerator": 3, "denominator": 5}
    assert out["satisfaction_rate"] == {"value": 0.8, "numerator": 4, "denominator": 5}
    assert out["unit_answer_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    unit = f.unit_figures(t)["u-heat"]
    assert unit["on_time_rate"] == {"value": 0.6667, "numerator": 2, "denominator": 3}


def test_waits_in_whole_seconds_and_the_nearest_rank_percentile():
    h = f.Histogram()
    for s in (0.4, 1.0, 1.9, 2.0, 3.5, 4.0, 5.0, 6.0, 7.0, 59.99):
        h.add(s)
    out = h.figures("wait")
    assert out["wait_p90_s"].value == 7            # the 9th of 10, truncated
    assert out["wait_mean_s"] == f.Figure(9.1, 91, 10)
    assert f.percentile({}, 0.9) is None
    assert f.percentile({5: 1}, 0.9) == 5
    assert f.percentile({1: 9, 100: 1}, 0.9) == 1 and f.percentile({1: 8, 100: 2}, 0.9) == 100
