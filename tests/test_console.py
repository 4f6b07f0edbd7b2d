"""The console over HTTP (no browser): signing in, CSRF and origin checks, the headers every
page carries, the public page and the audit page — on SQLite and PostgreSQL. The browser's
own view is tests/test_console_browser.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from console_support import PASSWORD, console_of, csrf_of, sign_in
from tickets_support import AGENT, FORM, OFFICE, REPLY, WUYE

from callcenter.console.app import make_console_app
from callcenter.console.guard import CSP
from callcenter.domain.replies import Callback
from callcenter.domain.tickets import (
    AcceptReply,
    Dispatch,
    LogContact,
    RecordCallback,
    StartWork,
    SubmitReply,
)


@pytest.fixture
async def client(service):
    async with TestClient(TestServer(make_console_app(console_of(service)))) as c:
        yield c


async def test_pages_send_strangers_to_sign_in_and_people_to_their_work(client):
    r = await client.get("/audit?person=x", allow_redirects=False)
    where = urlsplit(r.headers["Location"])
    assert r.status == 303 and where.path == "/signin"
    assert parse_qs(where.query) == {"next": ["/audit?person=x"]}
    r = await client.get("/signin")
    assert r.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # on loopback, where the sandbox has no TLS
    await sign_in(client, "shen")
    r = await client.get("/", allow_redirects=False)
    assert r.headers["Location"] == "/audit"


async def test_a_form_without_its_token_or_from_another_site_is_refused(client):
    csrf = await sign_in(client, "agent-7")
    refused = await client.post("/password", data={"password": "another long password"})
    assert refused.status == 403
    forged = await client.post("/password", data={"_csrf": csrf, "password": "x" * 20},
                               headers={"Origin": "http://evil.example"})
    assert forged.status == 403
    sent = await client.post("/password", data={"_csrf": csrf, "password": "x" * 20},
                             headers={"Sec-Fetch-Site": "cross-site"})
    assert sent.status == 403
    # The JSON API with the session cookie: the same rule, through the header.
    no_token = await client.post("/api/v1/desk/seats/8001/login", json={})
    assert no_token.status == 403
    ok = await client.post("/password", data={"_csrf": csrf, "password": "abcd" * 4})
    assert ok.status == 200 and "密码已设置" in await ok.text()


async def test_sign_in_before_a_session_needs_the_forms_own_token(client):
    r = await client.post("/signin", data={"account": "agent-7", "password": PASSWORD})
    assert r.status == 403
    page = await (await client.get("/signin")).text()
    r = await client.post("/signin", data={"_csrf": csrf_of(page), "account": "agent-7",
                                           "password": "wrong password!!"})
    assert r.status == 401 and "wrong account or password" in await r.text()


async def test_the_next_page_after_sign_in_never_leaves_the_site(client):
    for target, landing in (("//evil.example/x", "/desk"), ("https://evil.example", "/desk"),
                            ("/\\evil.example", "/desk"), ("/audit?q=1", "/audit?q=1")):
        page = await (await client.get("/signin")).text()  # signed in: the session's token
        r = await client.post("/signin", data={"_csrf": csrf_of(page), "account": "agent-7",
                                               "password": PASSWORD, "next": target},
                              allow_redirects=False)
        assert r.headers["Location"] == landing


async def test_the_api_serves_the_signed_in_person(client):
    csrf = await sign_in(client, "office-1")
    r = await client.get("/api/v1/tickets")
    assert r.status == 200
    r = await client.get("/api/v1/audit")
    assert r.status == 403  # the office is not an auditor
    assert (await client.get("/api/v1/tickets", headers={"X-CSRF-Token": csrf})).status == 200


async def test_the_public_check_answers_the_citizen_and_nobody_else(service, client):
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye"), AGENT)
    page = await (await client.get("/public")).text()
    csrf = csrf_of(page)
    last_four = FORM.reporter_phone[-4:]
    ok = await client.post("/public", data={"_csrf": csrf, "ticket": str(tid),
                                            "last_four": last_four})
    text = await ok.text()
    assert ok.status == 200 and "办理中" in text and FORM.reporter_phone not in text
    wrong = await client.post("/public", data={"_csrf": csrf, "ticket": str(tid),
                                               "last_four": "0000"})
    unknown = await client.post("/public", data={"_csrf": csrf, "ticket": "99999",
                                                 "last_four": last_four})
    assert wrong.status == unknown.status == 404
    assert _answer(await wrong.text()) == _answer(await unknown.text())
    statuses = []
    for _ in range(8):
        r = await client.post("/public", data={"_csrf": csrf, "ticket": str(tid),
                                               "last_four": last_four})
        statuses.append(r.status)
    assert statuses == [200] * 7 + [429]  # the 11th try in the minute


def _answer(html: str) -> str:
    return html[html.index('role="alert"'):][:200]


async def test_published_outcomes_carry_no_personal_data(service, client):
    form = FORM.__class__(**{**FORM.__dict__, "matter": "张三家漏水 13812345678"})
    tid = service.register(form, AGENT)
    service.command(tid, Dispatch("u-wuye"), AGENT)
    service.command(tid, LogContact("已联系"), WUYE)
    service.command(tid, StartWork(), WUYE)
    service.command(tid, SubmitReply(REPLY), WUYE)
    service.command(tid, AcceptReply(), OFFICE)
    service.command(tid, RecordCallback(Callback(first_contact_made=True, solved=True,
                                                 attitude=5, speed=5, result=5)), AGENT)
    text = await (await client.get("/public/outcomes")).text()
    assert "已修复" in text and "满意" in text and "和谐物业" in text
    for personal in (FORM.reporter_name, FORM.reporter_phone, "13812345678", form.address):
        assert personal not in text


async def test_the_desk_and_the_wallboard_draw_for_the_hotline_only(service, tmp_path):
    console = console_of(service, seats=["8001", "8002"])
    async with TestClient(TestServer(make_console_app(console))) as client:
        csrf = await sign_in(client, "agent-7")
        page = await (await client.get("/desk")).text()
        assert 'id="login"' in page  # no seat yet: choose one
        r = await client.post("/api/v1/desk/seats/8001/login", json={},
                              headers={"X-CSRF-Token": csrf})
        assert r.status == 200, await r.text()
        page = await (await client.get("/desk")).text()
        assert 'data-seat="8001"' in page and 'id="register"' in page
        board = await client.get("/wallboard")
        assert board.status == 200 and 'id="waiting"' in await board.text()
    async with TestClient(TestServer(make_console_app(console))) as client:
        await sign_in(client, "li")
        assert (await client.get("/desk")).status == 403
        assert (await client.get("/wallboard")).status == 403


def test_the_request_log_keeps_no_query_and_no_link_token(caplog):
    import logging

    from aiohttp.test_utils import make_mocked_request

    from callcenter.api.request_log import RequestLog

    log = RequestLog(logging.getLogger("test.access"), "")
    caplog.set_level(logging.INFO, "test.access")
    for url in ("/recordings?q=%E6%BC%8F%E6%B0%B4&caller=13812345678",
                "/signin/link/abcdefghijklmnopqrstuvwxyz0123456789"):
        log.log(make_mocked_request("GET", url), web.Response(status=200), 0.01)
    assert [r.getMessage() for r in caplog.records] == [
        "GET /recordings 200 0.010s", "GET /signin/link/… 200 0.010s"]


@pytest.mark.parametrize(("peer", "secure"), [("127.0.0.1", False), ("::1", False),
                                               ("192.0.2.7", True)])
def test_the_session_cookie_is_secure_off_loopback(peer, secure):
    from unittest import mock

    from aiohttp.test_utils import make_mocked_request

    from callcenter.console.guard import SESSION_COOKIE, set_cookie

    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 443) if name == "peername" else default)
    request = make_mocked_request("GET", "/", transport=transport)
    response = web.Response()
    set_cookie(request, response, SESSION_COOKIE, "token")
    morsel = response.cookies[SESSION_COOKIE]
    assert bool(morsel["secure"]) is secure
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
