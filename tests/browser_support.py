"""A real browser for the console's tests: Playwright (from PyPI) driving Debian's Chromium,
headless, with a fresh profile per test. Screenshots go to test-output/screenshots/ (or
$CALLCENTER_TEST_OUTPUT/screenshots) for a person to look at after the run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from callcenter.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = Path(os.environ.get("CALLCENTER_TEST_OUTPUT", PROJECT_ROOT / "test-output"))
SHOTS = OUTPUT / "screenshots"


@asynccontextmanager
async def chromium() -> AsyncIterator[BrowserContext]:
    """One browser with its own fresh profile (user-data dir), closed after."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        async with async_playwright() as p:
            context = await p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                locale="zh-CN", timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 860})
            try:
                yield context
            finally:
                await context.close()


_DIALOGS: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()


async def new_page(context: BrowserContext | Browser) -> Page:
    page = await context.new_page()
    seen = _DIALOGS[page] = []
    page.on("dialog", lambda d: seen.append(d.message))
    return page


def dialogs(page: Page) -> list[str]:
    """The dialogs a page opened (alert, confirm …): a script that ran would show here."""
    return _DIALOGS.get(page, [])


async def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def ready(page: Page, selector: str = "body") -> None:
    """`selector` is on the page and the page's scripts have run (console.js marks it): a
    click now does what the script says, not what a bare form would."""
    await page.wait_for_selector(selector)
    await page.wait_for_selector("html[data-ready]", state="attached")


async def sign_in(page: Page, base: str, account: str, password: str) -> None:
    await page.goto(base + "/signin")
    await page.fill("input[name=account]", account)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("domcontentloaded")
    if page.url != base + "/signin" and "/signin?" not in page.url:
        await ready(page)


async def take_seat(page: Page, seat: str) -> None:
    """On the desk a signed-in agent opened: log in at `seat` and wait for its desk."""
    await page.select_option("#login select[name=seat]", seat)
    await page.click("#login button[type=submit]")
    await ready(page, f"#desk[data-seat='{seat}']")
