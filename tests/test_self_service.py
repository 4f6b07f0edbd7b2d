"""Ticket status by phone (menu key 5): whose ticket it is, what is said, over a real store;
and on the real sandbox with DTMF from SIPp (RFC 2833 captures)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import pytest
from call_support import finish, place_call, stored_calls
from tickets_support import AGENT, CTX, FORM, UNITS, engine_of, hotline_over

from callcenter.bootstrap import standalone_controller
from callcenter.config import PROJECT_ROOT
from callcenter.domain.self_service import (
    SPOKEN,
    SPOKEN_PROMPTS,
    answer,
    belongs_to,
    comparable,
    ticket_number,
)
from callcenter.domain.tickets import Dispatch, Status
from callcenter.services.status_line import StatusLine
from callcenter.storage.calls_repo import CallsRepo
from callcenter.storage.uow import UnitOfWork
from callcenter.telephony.agi.route import AgiScripts
from callcenter.telephony.agi.status import StatusAnswers
from callcenter.telephony.call_facts import record_of


def test_whose_ticket_and_what_is_keyed():
    assert comparable("+86 138-0013-8000") == comparable("008613800138000") == "13800138000"
    assert comparable("024-22221111") == "02422221111"
    assert belongs_to("13800138000", ["", "+8613800138000"])
    assert not belongs_to("13800138001", ["13800138000"])
    assert not belongs_to("", [""]) and not belongs_to("123", ["123"])  # too short to tell
    assert ticket_number("42") == 42
    for keyed in ("", "0", "042", "1" * 13, "-1", "12a", "1 2"):
        assert ticket_number(keyed) is None, keyed


def test_every_status_has_words_and_every_word_is_a_prompt():
    assert set(SPOKEN) == set(Status)
    shipped = tomllib.loads((PROJECT_ROOT / "config/prompts.toml").read_text())["prompts"]
    assert set(shipped) >= SPOKEN_PROMPTS
    due = date(2027, 1, 4)
    assert answer(Status.IN_PROGRESS, due).due == due
    assert answer(Status.CLOSED, due).due is None  # nothing left to be due


def test_the_line_tells_the_owner_and_nobody_else(service):
    service.units.replace(list(UNITS), [])
    lookup = StatusLine(service.uow, CTX.tz).lookup
    tid = service.register(FORM, AGENT)
    assert lookup(tid, FORM.reporter_phone).prompt == "status_to_dispatch"
    service.command(tid, Dispatch("u-wuye"), AGENT)
    found = lookup(tid, "+86" + FORM.reporter_phone)
    assert found is not None and found.prompt == "status_in_progress"
    stored = service.get(tid, AGENT)
    assert found.due == date.fromisoformat(stored["due"]["completion"][:10])
    assert lookup(tid, "13900000000") is None
    assert lookup(tid + 1, FORM.reporter_phone) is None  # none: the same silence


def test_the_number_of_a_call_the_ticket_came_from_counts(service):
    from callcenter.services.call_log import CallLog

    lid = "1796000000.1"
    events = [{"Event": "Newchannel", "Channel": "PJSIP/trunk-1", "CallerIDNum": "13700137000",
               "Uniqueid": lid, "Linkedid": lid, "Timestamp": "1796000000.0"},
              {"Event": "Hangup", "Channel": "PJSIP/trunk-1", "CallerIDNum": "13700137000",
               "Uniqueid": lid, "Linkedid": lid, "Cause": "16", "Timestamp": "1796000009.0"}]
    from callcenter.domain.calls import wire_text

    CallLog(service.uow, Path("/nonexistent"), "/r", record_of, measure_files=False).save(
        {lid: {wire_text(e): e for e in events}})
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        assert CallsRepo(uow.session).callers_of([lid]) == ["13700137000"]
    tid = service.register(FORM, AGENT, lid)
    assert StatusLine(service.uow, CTX.tz).lookup(tid, "13700137000") is not None


@contextlib.contextmanager
def heard(asterisk) -> Iterator[Path]:
    """A log of what Asterisk plays while the block runs."""
    name = f"heard-{time.monotonic_ns()}.log"
    asterisk.rx(f"logger add channel {name} verbose(3)")
    try:
        yield asterisk.merged / "var/log/asterisk" / name
    finally:
        asterisk.rx(f"logger remove channel {name}")


@pytest.mark.asterisk
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_status_lookup_by_phone(settings, asterisk, store_url):
    c = standalone_controller(settings.with_overrides(store_url=store_url, menu_enabled=True),
                              grace=1.0)
    tickets = hotline_over(engine_of(c.call_log.uow)).tickets
    tickets.units.replace(list(UNITS), [])
    owner = "13800138041"
    tid = tickets.register(replace(FORM, reporter_phone=owner), AGENT)
    tickets.command(tid, Dispatch("u-wuye"), AGENT)
    due = date.fromisoformat(tickets.get(tid, AGENT)["due"]["completion"][:10])
    status = cast(StatusAnswers, cast(AgiScripts, c.agi.handler).scripts["status"])
    asked: list[tuple[int, str]] = []
    real = status.lookup

    def spied(number: int, caller: str):
        asked.append((number, caller))
        return real(number, caller)

    status.lookup = spied
    number = [(d, 1500 if i == 0 else 300) for i, d in enumerate(str(tid))] + [("#", 300)]
    await c.start()
    try:
        await asyncio.wait_for(c.ami.connected.wait(), 10)
        with heard(asterisk) as log:
            # Greeting and notice (~4 s), the menu, 5; "enter the number", the number and #.
            mine = place_call(settings, owner, hold_ms=17000, key="5", key_after_ms=5000,
                              more_keys=number)
            # Somebody else keys the same number three times (each after "not found").
            other = place_call(settings, "13900139042", hold_ms=24000, key="5",
                               key_after_ms=5000, more_keys=number * 3)
            await finish(mine)
            await finish(other)
            rows = {r.caller_number: r for r in await stored_calls(c, 2)}
        said = log.read_text()
    finally:
        await c.stop()
    facts = {n: [e for e in c.call_log.trail(r.linkedid) if e.get("Fact") == "status"]
             for n, r in rows.items()}
    (found,) = facts[owner]
    assert (found["Result"], found["Said"]) == ("found", "status_in_progress")
    assert facts["13900139042"][0]["Result"] == "gave_up"
    assert (tid, owner) in asked and (tid, "13900139042") in asked
    mine_said = [line for line in said.splitlines() if "hotline/status_in_progress" in line]
    assert len(mine_said) == 1  # the owner heard it; the other caller never did
    assert "digits/" in said and "hotline/date_month" in said and "hotline/date_day" in said
    assert due > date(2026, 1, 1)
    assert said.count("hotline/status_not_found") >= 2 and "hotline/status_goodbye" in said
    assert timedelta(0) <= (rows[owner].ended_at - rows[owner].started_at) < timedelta(seconds=30)
