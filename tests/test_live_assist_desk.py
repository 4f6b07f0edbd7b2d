"""The desk's live assist in a real browser, with Chinese words as the live recogniser stores
them (no Asterisk: the call is in progress in the store): the words appear as they grow, each
suggestion fills its field only when clicked, the emergency banner rises from a partial line,
words that look like markup stay text, and one click on a suggested article registers the
ticket and answers it directly, as the signed-in agent."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from browser_support import chromium, dialogs, new_page, shot, sign_in, take_seat
from console_support import PASSWORD, console_of, served
from speech_support import add_call
from sqlalchemy import update
from tickets_support import engine_of, hotline_over

from callcenter.domain.kb import Article
from callcenter.domain.live_assist import LiveLine
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.topics import Topic
from callcenter.services.desk_events import DeskEvents
from callcenter.services.live_assist import LiveAssist
from callcenter.services.live_words import LiveStreams
from callcenter.storage.tables import CallRow
from callcenter.storage.uow import UnitOfWork

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CALL = "1772413200.7"
SEATS = ("8001",)
TOPICS = [Topic("供暖", ("暖气", "不热")), Topic("燃气泄漏", ("煤气味",), emergency=True)]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_the_agent_takes_suggestions_with_a_click_and_answers_from_an_article(service):
    engine = engine_of(service.uow)
    hotline = hotline_over(engine, service.rules, service.clock, SEATS)
    article = hotline.kb.save(Article("暖气不热怎么办？", "请联系供热公司报修，电话 96123。",
                                      "《供热条例》", "u-wuye", date(2026, 1, 1),
                                      date(2027, 1, 1)), Viewer(Role.SUPERVISOR, "office-1"))
    events = DeskEvents(hotline.store, hotline.desk(), hotline.screen_pop(), SEATS,
                        service.clock, assist=LiveAssist(hotline.kb, lambda: TOPICS))
    with UnitOfWork(engine) as uow:
        add_call(uow.session, CALL, service.clock(), seat="8001")
        uow.session.execute(update(CallRow).values(disposition="in_progress"))
    streams = LiveStreams(hotline.store, service.clock)
    stream = streams.open(CALL, "citizen", "8001")

    async with served(console_of(service, SEATS, events=events)) as base, chromium() as browser:
        page = await new_page(browser)
        await sign_in(page, base, "agent-7", PASSWORD)
        await take_seat(page, "8001")
        await page.wait_for_selector("#live")
        await page.wait_for_selector("#pop-facts:not([hidden])")

        streams.put([(stream, LiveLine(CALL, "citizen", 0, "我家暖气", False, 0.2, 1.0))])
        await page.wait_for_selector("#live-lines li.partial[data-speaker=citizen]")
        streams.put([
            (stream, LiveLine(CALL, "citizen", 0, "我家暖气不热 电话是幺三八一二三四五六七八",
                              True, 0.2, 3.1)),
            (stream, LiveLine(CALL, "citizen", 1, "住在幸福路十二号三单元", True, 3.8, 5.0)),
            (stream, LiveLine(CALL, "citizen", 2, "<img src=x onerror=alert(1)> 有煤气味", False,
                              5.5, 6.4))])
        await page.wait_for_selector("#emergency:not([hidden])")
        await page.wait_for_selector(f"#live-kb button[data-article='{article}']")
        # Nothing is filled until the agent takes it.
        assert await page.input_value("#register input[name=address]") == ""
        await shot(page, "desk-live-suggestions")
        await page.click("#live-addresses button")
        await page.click("#live-categories button")
        await page.click("#live-phones button")
        assert await page.input_value("#register input[name=address]") == "幸福路十二号三单元"
        assert await page.input_value("#register input[name=category]") == "供暖"
        assert await page.input_value("#register input[name=reporter_phone]") == "13812345678"
        assert "燃气泄漏" in await page.inner_text("#emergency")
        said = await page.eval_on_selector_all("#live-lines .said",
                                               "els => els.map(e => e.textContent)")
        assert said[-1] == "<img src=x onerror=alert(1)> 有煤气味"
        assert await page.locator("#live-lines img").count() == 0 and dialogs(page) == []

        await page.fill("#register textarea[name=matter]", "暖气不热")
        await page.fill("#register input[name=demand]", "咨询报修方式")
        await page.click(f"#live-kb button[data-article='{article}']")
        await page.wait_for_function(
            "() => /✓/.test(document.getElementById('ticket-id').textContent)")
        ticket = int((await page.inner_text("#ticket-id")).strip("#✓ "))
        await asyncio.sleep(0)
    view = service.get(ticket, Viewer(Role.SUPERVISOR, "office-1"))
    assert view["status"] == "answered_directly" and view["kb_article"] == article
    assert view["address"] == "幸福路十二号三单元" and view["category"] == "供暖"
