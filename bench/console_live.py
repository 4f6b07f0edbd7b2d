"""Live latencies of the console with many calls at once, on the real sandbox Asterisk:

- screen pop: the AgentConnect event (Asterisk's own timestamp) to the screen_pop event
  arriving on the desk page's event stream, and to the pop painted on the page;
- three-way set-up: the conference button to the desk's "done" (the unit answered and joined),
  less the time the unit's phone rang;
- wallboard: the n-th citizen connected (AgentConnect) to the wallboard page first showing
  n talking.

N agents sign in (each in a browser context of its own), log in at N seats and go ready; N
SIPp citizens call, staggered, and stay on the line; each agent presses 三方通话 as its pop
appears (a SIPp unit phone answers every call at once). Debian's Chromium, headless.

    python3 bench/console_live.py --calls 20 [--events-every 0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
from dataclasses import replace

import bench_home
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from sqlalchemy import Engine

from callcenter import sandbox, simulate
from callcenter.bootstrap import build
from callcenter.console.app import make_console_app
from callcenter.controller import Controller
from callcenter.domain.people import Person
from callcenter.domain.privacy import Role
from callcenter.services.units import read_toml

BASE = 28000  # a port block of its own, below Linux's ephemeral range (tests use 12000-27999)
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        # Every agent's tab is "in front": no throttled timers or frames in the others.
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
PASSWORD = "bench password 12345"


def config(seats: int) -> str:
    return bench_home.seated(BASE, seats, f"""
[conference]
ring_timeout = 8
[api]
port = {BASE + 80}""")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    return (f"{name}: n={len(values)} p50 {statistics.median(values) * 1000:.0f} ms, "
            f"p95 {pct(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")


async def agent_page(browser: Browser, base: str, account: str, seat: str) -> Page:
    context: BrowserContext = await browser.new_context(locale="zh-CN",
                                                        timezone_id="Asia/Shanghai")
    page = await context.new_page()
    await page.goto(base + "/signin")
    await page.fill("input[name=account]", account)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#login", state="attached")
    await page.select_option("#login select[name=seat]", seat)
    await page.click("#login button[type=submit]")
    await page.wait_for_selector(f"#desk[data-seat='{seat}']")
    await page.wait_for_selector("html[data-ready]", state="attached")
    await page.click(".seat-cmd[data-command=ready]")
    await page.wait_for_selector("#state[data-state=ready]")
    return page


async def press_conference_on_pop(page: Page) -> None:
    await page.wait_for_selector("#pop-facts:not([hidden])", timeout=120_000)
    await page.click(".call-cmd[data-command=conference]")
    await page.wait_for_function(
        "() => /conference: (done|failed)/.test(document.getElementById('request').textContent)",
        timeout=120_000)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--events-every", type=float, default=None,
                    help="seconds between the event stream's looks (default: the API's)")
    ap.add_argument("--stagger", type=float, default=0.5, help="seconds between calls")
    args = ap.parse_args()
    home, settings, instance = bench_home.started("bench-console-", config(args.calls))
    phones: list[simulate.Sipp] = []
    calls: list[simulate.Sipp] = []
    runner = None
    hotline = build(settings)
    controller = hotline.controller(grace=1.0, on_stopped=hotline.close)
    try:
        phones = [simulate.seat_phone(s.sandbox_port, BASE + 2000 + 10 * i)
                  for i, s in enumerate(settings.seats)]
        phones.append(simulate.seat_phone(settings.trunk_sandbox_out_port, BASE + 2900))
        await controller.start()
        await asyncio.wait_for(controller.ami.connected.wait(), 20)
        engine = hotline.store.engine
        hotline.units.replace(*read_toml(home / "config" / "units.toml"))
        people = hotline.people()
        accounts = [f"agent-{i + 1:02d}" for i in range(args.calls)]
        for account in accounts:
            people.create(None, Person(account, account, Role.AGENT), PASSWORD)
        people.create(None, Person("boss", "班长", Role.SUPERVISOR), PASSWORD)
        console = hotline.console()
        if args.events_every is not None:
            console = replace(console, api=replace(console.api, events_every=args.events_every))
        runner = web.AppRunner(make_console_app(console))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", BASE + 80).start()
        base = f"http://127.0.0.1:{BASE + 80}"
        every = console.api.events_every
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            pages = [await agent_page(browser, base, a, s.id)
                     for a, s in zip(accounts, settings.seats, strict=True)]
            boss_context = await browser.new_context()
            board = await boss_context.new_page()
            await board.goto(base + "/signin")
            await board.fill("input[name=account]", "boss")
            await board.fill("input[name=password]", PASSWORD)
            await board.click("button[type=submit]")
            await board.goto(base + "/wallboard")
            await board.wait_for_selector("html[data-ready]", state="attached")
            await asyncio.sleep(1.5)  # the queue follows the seats' states
            hold_ms = int((args.calls * args.stagger + 40) * 1000)
            for i in range(args.calls):
                calls.append(simulate.call(settings.number, settings.sip_port,
                                           BASE + 400 + 3 * i, BASE + 3000 + 10 * i,
                                           f"1380000{i:04d}", hold_ms, timeout_s=240))
                await asyncio.sleep(args.stagger)
            await asyncio.gather(*(press_conference_on_pop(pg) for pg in pages))
            marks = [m for pg in pages for m in await pg.evaluate("hotline.marks")]
            seen = await board.evaluate("hotline.boardSeen")
            await browser.close()
        for c in calls:
            await asyncio.to_thread(c.wait, 240)
        await asyncio.sleep(3)
        rings = {lid: (d, a) for lid, d, a in _unit_rings(engine)}
        connects = {lid: _connected_at(controller, lid) for lid in rings}
    finally:
        for c in calls:
            c.stop()
        if runner is not None:
            await runner.cleanup()
        await controller.stop()
        for ph in phones:
            ph.stop()
        sandbox.stop(instance)
    by_call: dict[str, dict[str, float]] = {}
    for m in marks:
        if m["call"]:
            by_call.setdefault(m["call"], {})[m["what"]] = m["at"] / 1000
    received = [v["pop_received"] - at for call, v in by_call.items()
                if "pop_received" in v and (at := connects.get(call))]
    shown = [v["pop_shown"] - at for call, v in by_call.items()
             if "pop_shown" in v and (at := connects.get(call))]
    setups = []
    for call, v in by_call.items():
        if "conference_clicked" in v and "conference_done" in v and call in rings:
            dialled, answered = rings[call]
            setups.append(v["conference_done"] - v["conference_clicked"]
                          - (answered - dialled))
    talking = sorted(t for t in connects.values() if t)
    board_lag = []
    for n, at in enumerate(talking, start=1):
        first = next((s["at"] / 1000 for s in seen if s["talking"] >= n), None)
        if first is not None:
            board_lag.append(max(0.0, first - at))
    print(f"{args.calls} calls, event stream looks every {every} s; "
          f"{len(connects)} calls with a unit leg")
    print(line("pop: AgentConnect -> event on the stream", received))
    print(line("pop: AgentConnect -> painted", shown))
    print(line("three-way: button -> unit joined, ring excluded", setups))
    print(line("wallboard: n-th connect -> n talking shown", board_lag))
    print(json.dumps({"received": received, "shown": shown, "setups": setups,
                      "board": board_lag}), file=sys.stderr)


def _unit_rings(engine: Engine) -> list[tuple[str, float, float]]:
    from sqlalchemy import select

    from callcenter.storage.tables import CallRow, PartyRow
    from callcenter.storage.uow import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        rows = uow.session.execute(
            select(CallRow.linkedid, PartyRow.dialled_at, PartyRow.answered_at)
            .join(PartyRow, PartyRow.call_id == CallRow.id)
            .where(PartyRow.answered_at.is_not(None))).all()
    return [(lid, d.timestamp(), a.timestamp()) for lid, d, a in rows]


def _connected_at(controller: Controller, linkedid: str) -> float | None:
    for e in controller.call_log.trail(linkedid):
        if e.get("Event") == "AgentConnect" and re.fullmatch(r"[\d.]+", e.get("Timestamp", "")):
            return float(e["Timestamp"])
    return None


if __name__ == "__main__":
    asyncio.run(main())
