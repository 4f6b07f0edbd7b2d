"""The console in a real browser (Debian's Chromium through Playwright): signing in, what a
page refuses to run, the public page and the audit view. Screenshots under test-output/."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from browser_support import chromium, dialogs, new_page, ready, shot, sign_in
from console_support import PASSWORD, console_of, recorded_call, served, with_recordings
from playwright.async_api import Error as PlaywrightError
from tickets_support import AGENT, FORM, hotline_over

from callcenter.domain.tickets import Dispatch

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

# One browser at a time across the workers (scripts/test.sh runs --dist loadgroup): Chromium
# beside two workers' calls starves their audio on two cores.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
async def site(service):
    async with served(console_of(service)) as base:
        yield base, service


@pytest.fixture
async def browser():
    async with chromium() as context:
        yield context


async def test_the_public_page_tells_the_citizen_and_refuses_the_rest_alike(site, browser):
    base, service = site
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye"), AGENT)
    page = await new_page(browser)
    await page.goto(base + "/public")
    await page.fill("input[name=ticket]", str(tid))
    await page.fill("input[name=last_four]", FORM.reporter_phone[-4:])
    await page.click("button[type=submit]")
    assert await page.inner_text("#status .status") == "办理中"
    await shot(page, "public-page")
    answers = []
    for ticket, digits in ((str(tid), "0000"), ("99999", FORM.reporter_phone[-4:])):
        await page.fill("input[name=ticket]", ticket)
        await page.fill("input[name=last_four]", digits)
        await page.click("button[type=submit]")
        answers.append(await page.inner_text("[role=alert]"))
    assert answers[0] == answers[1] == "没有找到与该号码相符的工单。"
    for tries in range(4, 12):  # three so far from this address
        await page.fill("input[name=ticket]", str(tid))
        await page.fill("input[name=last_four]", "1111")
        await page.click("button[type=submit]")
        throttled = await page.inner_text("[role=alert]") == "查询过于频繁，请一分钟后再试。"
        assert throttled is (tries == 11), tries


async def test_sign_in_switch_language_and_sign_out(site, browser):
    base, _service = site
    page = await new_page(browser)
    await sign_in(page, base, "shen", "wrong password!!")
    assert await page.inner_text("[role=alert]") == "wrong account or password"
    await sign_in(page, base, "shen", PASSWORD)
    assert page.url == base + "/audit"
    await page.click("button[name=language]")
    assert await page.inner_text("h1") == "Access audit"
    await shot(page, "audit-view")
    await page.click("text=Sign out")
    assert page.url == base + "/signin"
    await page.goto(base + "/audit")
    assert page.url.startswith(base + "/signin?next=")


async def test_a_search_hit_plays_from_its_second_and_the_play_is_audited(service, browser,
                                                                         tmp_path):
    engine = service.uow.engine
    said = [("citizen", 2.0, "您好我要反映问题"), ("agent", 6.0, "请讲"),
            ("citizen", 12.5, "楼上漏水厨房天花板都湿了"), ("agent", 17.0, "好的我帮您登记")]
    recorded_call(engine, tmp_path, "1700000000.7", said, T0)
    async with served(with_recordings(service, tmp_path)) as base:
        page = await new_page(browser)
        await sign_in(page, base, "office-1", PASSWORD)
        await page.goto(base + "/recordings")
        await page.fill("input[name=q]", "漏水")
        await page.press("input[name=q]", "Enter")
        await page.wait_for_selector("#hits mark")
        assert await page.inner_text("#hits mark") == "漏水"
        await shot(page, "recordings-search")
        await page.click("#hits a.play")
        await page.wait_for_function(
            "() => { const a = document.getElementById('audio');"
            " return a && a.readyState >= 1 && Math.abs(a.currentTime - 12.5) < 1; }")
        await page.wait_for_selector("#transcript .line.now")
        assert "漏水" in await page.inner_text("#transcript .line.now")
        await shot(page, "recordings-player")
        # A click on another line moves the player there.
        await page.click("#transcript .line[data-start='17.0']")
        await page.wait_for_function(
            "() => Math.abs(document.getElementById('audio').currentTime - 17) < 1.5")
        await page.click("text=退出")
        await sign_in(page, base, "shen", PASSWORD)
        await page.select_option("select[name=action]", "played")
        await page.click("form.filters button")
        rows = await page.inner_text("#audit tbody")
        assert "office-1" in rows and "call:1700000000.7/mix" in rows
        await shot(page, "audit-after-play")


HOSTILE = '<script>alert("matter")</script>"><img src=x onerror=alert("img")>'


async def test_a_unit_replies_in_its_portal_and_sees_nothing_of_another_units(
        service, browser, tmp_path):
    engine = service.uow.engine
    recorded_call(engine, tmp_path, "1700000000.9", [("citizen", 1.0, "楼上漏水")], T0)
    form = replace(FORM, matter=HOSTILE + " 楼上漏水", reporter_name=HOSTILE[:60])
    tid = service.register(form, AGENT, linkedid="1700000000.9")
    service.command(tid, Dispatch("u-wuye"), AGENT)
    async with served(with_recordings(service, tmp_path)) as base:
        page = await new_page(browser)
        await sign_in(page, base, "li", PASSWORD)
        assert page.url == base + "/unit"
        row = page.locator(f"#tickets a[href='/tickets/{tid}']")
        await row.click()
        await ready(page, "#cmd-LogContact")
        # The hostile text is shown as text: nothing ran, no image was made.
        assert HOSTILE in await page.inner_text(".matter")
        assert await page.locator("img").count() == 0
        # Even a script that did get into the page would not run: the policy allows none
        # inline.
        with contextlib.suppress(PlaywrightError):
            await page.add_script_tag(content="window.injected = true")
        assert await page.evaluate("window.injected === undefined")
        await page.fill("#cmd-LogContact textarea[name=note]", "已电话联系市民")
        await page.click("#cmd-LogContact button[type=submit]")
        await ready(page, "#cmd-StartWork")
        await page.click("#cmd-StartWork button[type=submit]")
        await ready(page, "h1 .status[data-status=in_progress]")  # reloaded after StartWork
        reply = page.locator("#cmd-SubmitReply")
        for name, value in (("fact", "true"), ("demand", "reasonable"), ("result", "solved"),
                            ("site_visit", "yes")):
            await reply.locator(f"select[name='reply.{name}']").select_option(value)
        await reply.locator("textarea[name='reply.public_points']").type("预计下周修好")
        await page.wait_for_selector("#lint .lint li")
        assert "'预计' promises" in await page.inner_text("#lint")
        await shot(page, "unit-portal-lint")
        # Submitted anyway, the service refuses it for the same rule.
        async with page.expect_response("**/unit/lint"):  # its swap done: nothing moves
            await reply.locator("textarea[name='reply.completion_report']").fill("已派人维修。")
        await reply.locator("button[type=submit]").click()
        await page.wait_for_selector("#cmd-SubmitReply [role=alert]:not([hidden])")
        assert "预计" in await page.inner_text("#cmd-SubmitReply [role=alert]")
        async with page.expect_response("**/unit/lint"):
            await reply.locator("textarea[name='reply.public_points']").fill(
                "经现场查看，漏水已修复。")
        await page.wait_for_selector("#lint p.ok")
        await reply.locator("button[type=submit]").click()
        await page.wait_for_selector("h1 .status[data-status=replied]")
        assert dialogs(page) == []
        await page.goto(base + "/unit")
        await shot(page, "unit-portal")
        # Another unit: the ticket and its call are as if they did not exist.
        other = await new_page(browser)
        await other.context.clear_cookies()
        await sign_in(other, base, "zhao", PASSWORD)
        r = await other.goto(f"{base}/tickets/{tid}")
        assert r is not None and r.status == 404
        r = await other.goto(f"{base}/api/v1/calls/1700000000.9/recording")
        assert r is not None and r.status == 404
        assert dialogs(other) == []


async def test_reports_open_as_pages_download_and_produce_again(service, browser):
    hotline = hotline_over(service.uow.engine, service.rules, service.clock)
    reports = hotline.reports()
    reports.produce(reports.period("daily", "2026-03-01"), by="scheduler")
    async with served(console_of(service, reports=reports)) as base:
        page = await new_page(browser)
        await sign_in(page, base, "office-1", PASSWORD)
        await page.goto(base + "/reports")
        await ready(page)
        assert "2026-03-01" in await page.inner_text("#reports")
        await page.click("#reports button.produce")
        await page.wait_for_selector("#produced:text('未生成新版本')")
        pdf = await page.request.get(base + str(await page.get_attribute(
            "#reports a[href*='.pdf']", "href")))
        assert pdf.status == 200 and (await pdf.body())[:5] == b"%PDF-"
        await page.click("#reports a.open")
        await page.wait_for_selector("h1")
        assert "2026-03-01" in await page.inner_text("h1")
        await shot(page, "report-page")
        # A unit's staff member may not read reports; its head reads its own sections.
        other = await new_page(browser)
        await other.context.clear_cookies()
        await sign_in(other, base, "li", PASSWORD)
        r = await other.goto(base + "/reports")
        assert r is not None and r.status == 403


async def test_the_office_decides_chases_and_forces_the_line(service, browser):
    from tickets_support import REPLY, WUYE

    from callcenter.domain.tickets import LogContact, StartWork, SubmitReply

    replied, late = (service.register(FORM, AGENT) for _ in range(2))
    for tid in (replied, late):
        service.command(tid, Dispatch("u-wuye"), AGENT)
    service.command(replied, LogContact("已联系"), WUYE)
    service.command(replied, StartWork(), WUYE)
    service.command(replied, SubmitReply(REPLY), WUYE)
    service.clock.advance(days=30)  # the other one is long overdue
    hotline = hotline_over(service.uow.engine, service.rules, service.clock)
    async with served(console_of(service, duty=hotline.duty())) as base:
        page = await new_page(browser)
        await sign_in(page, base, "office-1", PASSWORD)
        await page.goto(base + "/office")
        await ready(page)
        assert str(replied) in await page.inner_text("#awaiting")
        assert str(late) in await page.inner_text("#overdue")
        await page.click("#duty button.force[data-mode=night]")
        await ready(page, "#duty button.force.secondary[data-mode=night]")
        assert "夜间" in await page.inner_text("#duty")
        await shot(page, "office")
        async with page.expect_navigation():  # chased, the board reloads
            await page.click(f"#overdue form[data-ticket='{late}'] button")
        await page.goto(f"{base}/tickets/{late}")
        assert "Chase" in await page.inner_text("#trail")
        await page.goto(f"{base}/tickets/{replied}")
        await ready(page)
        await page.click("#cmd-AcceptReply button[type=submit]")
        await page.wait_for_selector("h1 .status[data-status=closed]")
        await page.goto(base + "/office")
        await ready(page)
        assert str(replied) not in await page.inner_text("#awaiting")
        await page.click("#duty button.force[data-mode=auto]")
        await page.wait_for_selector("#duty button.force.secondary[data-mode=auto]")
        assert dialogs(page) == []


async def test_people_are_added_by_link_and_shut_out_at_once_when_disabled(site, browser):
    base, _service = site
    admin = await new_page(browser)
    await sign_in(admin, base, "root", PASSWORD)
    assert admin.url == base + "/people"
    form = admin.locator("#add-person")
    await form.locator("input[name=id]").fill("wang")
    await form.locator("input[name=name]").fill("王五")
    await form.locator("select[name=role]").select_option("agent")
    await form.locator("button[type=submit]").click()
    link = await admin.inner_text("#link")
    await shot(admin, "people")
    async with chromium() as elsewhere:
        newcomer = await new_page(elsewhere)
        await newcomer.goto(link)
        assert newcomer.url == base + "/password"
        await newcomer.fill("input[name=password]", "a long new password")
        await newcomer.click("button[type=submit]")
        await newcomer.wait_for_selector("[role=status]")
        await newcomer.goto(base + "/desk")
        assert newcomer.url == base + "/desk"
        # The same link works once.
        again = await new_page(elsewhere)
        await again.context.clear_cookies()
        await again.goto(link)
        assert await again.inner_text("[role=alert]") == \
            "this sign-in link is used up, expired or unknown"
        # Disabled: the very next request of their open session is turned away.
        row = admin.locator("#people tr", has_text="wang")
        await row.locator("button[value=disable]").click()
        await admin.wait_for_selector("#people tr.disabled")
        await newcomer.goto(base + "/desk")
        assert newcomer.url.startswith(base + "/signin")
    # A form that lost its CSRF token is refused, and so is one posted from another site.
    await admin.evaluate("document.querySelector('#add-person input[name=_csrf]').remove()")
    await form.locator("input[name=id]").fill("zhou")
    await form.locator("input[name=name]").fill("周")
    async with admin.expect_response("**/people") as posted:
        await form.locator("button[type=submit]").click()
    assert (await posted.value).status == 403
    # Another origin (another port: the same site, so the SameSite cookie rides along) posts
    # to us from the admin's own browser, even with the right token: refused by its origin.
    await admin.goto(base + "/people")
    csrf = await admin.get_attribute("meta[name=csrf-token]", "content")
    evil_page = (f'<form method="post" action="{base}/people"><input name="_csrf" value="{csrf}">'
                 '<input name="action" value="add"><input name="id" value="mallory">'
                 '<input name="name" value="m"><input name="role" value="admin">'
                 '<button>go</button></form>')

    async def evil_site(request):
        return web.Response(text=evil_page, content_type="text/html")

    evil_app = web.Application()
    evil_app.router.add_get("/", evil_site)
    evil = TestServer(evil_app, host="127.0.0.1")
    await evil.start_server()
    try:
        await admin.goto(f"http://127.0.0.1:{evil.port}/")
        async with admin.expect_response(f"{base}/people") as sent:
            await admin.click("button")
        assert (await sent.value).status == 403
    finally:
        await evil.close()
    listed = await (await admin.request.get(base + "/people")).text()
    assert "mallory" not in listed and "zhou" not in listed
