"""The JSON API end to end over HTTP (aiohttp), on SQLite and PostgreSQL."""

import pytest
from aiohttp.test_utils import TestClient, TestServer
from api_support import api_of, caller
from tickets_support import CTX

from callcenter.api import tokens
from callcenter.api.app import make_app
from callcenter.api.openapi import document
from callcenter.domain.privacy import Role, UnitRole, Viewer

PEOPLE = {"agent": Viewer(Role.AGENT, "agent-7"), "office": Viewer(Role.SUPERVISOR, "office-1"),
          "wuye": Viewer(Role.UNIT, "li", "u-wuye"), "water": Viewer(Role.UNIT, "zhao", "u-water"),
          "leader": Viewer(Role.UNIT, "zhou", "u-wuye", UnitRole.LEADER),
          "head": Viewer(Role.UNIT, "wang", "u-wuye", UnitRole.HEAD)}
FORM = {"kind": "complaint", "urgency": "general", "channel": "phone", "category": "漏水",
        "matter": "楼上漏水到我家厨房", "demand": "尽快维修", "address": "翠竹社区3号楼",
        "reporter_name": "张三", "reporter_gender": "male", "reporter_phone": "13812345678"}
REPLY = {"fact": "true", "demand": "reasonable", "result": "solved", "site_visit": "yes",
         "public_points": "经现场查看，漏水已修复。", "completion_report": "已修复。"}


@pytest.fixture
async def http(service, tmp_path):
    path = tmp_path / "tokens.toml"
    issued = {name: tokens.add(path, v) for name, v in PEOPLE.items()}
    app = make_app(api_of(service, tokens.load(path)))
    client = TestClient(TestServer(app))
    await client.start_server()

    async def call(who, method, url, body=None, expect=200, raw=None):
        headers = {"Authorization": f"Bearer {issued[who]}"} if who else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            r = await client.request(method, "/api/v1" + url, data=raw, headers=headers)
        else:
            r = await client.request(method, "/api/v1" + url, json=body, headers=headers)
        data = await r.json()
        assert r.status == expect, (r.status, data)
        return data

    yield call
    await client.close()


async def test_full_story_through_the_api(http, service):
    t = await http("agent", "POST", "/tickets", {**FORM, "linkedid": "1795461234.1"}, 201)
    tid = t["id"]
    await http("agent", "POST", f"/tickets/{tid}/commands/Dispatch", {"lead_unit": "u-wuye"})
    service.clock.advance(hours=2)
    await http("wuye", "POST", f"/tickets/{tid}/commands/LogContact", {"note": "电话联系"})
    await http("wuye", "POST", f"/tickets/{tid}/commands/StartWork")
    service.clock.advance(days=3)
    await http("wuye", "POST", f"/tickets/{tid}/commands/RequestExtension",
               {"span": "15d", "reason": "需更换立管"})
    refused = await http("office", "POST", f"/tickets/{tid}/commands/DecideExtension",
                         {"approve": True, "reason": "同意"}, 409)
    assert refused["rule"] == "extension" and "leader" in refused["error"]
    # The leader's agreement is the leader's, whatever the body says.
    t = await http("leader", "POST", f"/tickets/{tid}/commands/AgreeExtension",
                   {"signer": "someone-else"})
    assert t["pending_extension"]["agreed_by"] == "u-wuye/zhou"
    t = await http("office", "POST", f"/tickets/{tid}/commands/DecideExtension",
                   {"approve": True, "reason": "同意"})
    assert t["extensions"] == ["15d"]
    await http("office", "POST", f"/tickets/{tid}/commands/Supervise", {"reason": "群体投诉"})
    await http("wuye", "POST", f"/tickets/{tid}/commands/SubmitReply", {"reply": REPLY})
    refused = await http("office", "POST", f"/tickets/{tid}/commands/AcceptReply", None, 409)
    assert refused["rule"] == "head_signoff"
    refused = await http("wuye", "POST", f"/tickets/{tid}/commands/SignOffHead",
                         {"signer": "wang"}, 409)  # staff naming the head is still staff
    assert refused["rule"] == "head_signoff"
    t = await http("head", "POST", f"/tickets/{tid}/commands/SignOffHead", {"signer": "boss"})
    assert t["head_signed_by"] == "u-wuye/wang"
    t = await http("office", "POST", f"/tickets/{tid}/commands/AcceptReply")
    assert t["status"] == "closed" and t["callback"]["sampled"]
    t = await http("agent", "POST", f"/tickets/{tid}/commands/RecordCallback", {"callback": {
        "first_contact_made": True, "solved": False, "attitude": 3, "speed": 2, "result": 2}})
    assert t["status"] == "revisit"
    await http("wuye", "POST", f"/tickets/{tid}/commands/SubmitReply", {"reply": REPLY})
    t = await http("office", "POST", f"/tickets/{tid}/commands/AcceptReply")
    assert t["status"] == "closed" and t["calls"] == ["1795461234.1"]
    due = (await http("agent", "GET", "/callbacks"))["items"]
    assert [x["id"] for x in due] == [tid]
    await http("wuye", "GET", "/callbacks", expect=403)
    for _ in range(3):
        t = await http("agent", "POST", f"/tickets/{tid}/commands/RecordCallback",
                       {"callback": {"reached": False}})
    assert t["status"] == "called_back" and t["callback"]["outcome"] == "unreachable"
    assert (await http("agent", "GET", "/callbacks"))["items"] == []
    assert isinstance((await http("office", "GET", "/office/notices"))["items"], list)
    await http("agent", "GET", "/office/notices", expect=403)
    trail = (await http("office", "GET", f"/tickets/{tid}/audit"))["items"]
    assert [(a["action"], a["to"]) for a in trail] == [
        ("Dispatch", "dispatched"), ("LogContact", "contacted"), ("StartWork", "in_progress"),
        ("RequestExtension", "in_progress"), ("AgreeExtension", "in_progress"),
        ("DecideExtension", "in_progress"), ("Supervise", "in_progress"),
        ("SubmitReply", "replied"), ("SignOffHead", "replied"), ("AcceptReply", "closed"),
        ("RecordCallback", "revisit"), ("SubmitReply", "replied"), ("AcceptReply", "closed"),
        ("RecordCallback", "closed"), ("RecordCallback", "closed"),
        ("RecordCallback", "called_back")]
    assert trail[1]["actor"] == {"role": "unit", "id": "u-wuye/li"}


async def test_units_see_only_their_tickets_and_never_an_anonymous_reporter(http):
    t = await http("agent", "POST", "/tickets", {**FORM, "kind": "report", "anonymous": True},
                   201)
    await http("agent", "POST", f"/tickets/{t['id']}/commands/Dispatch", {"lead_unit": "u-wuye"})
    await http("water", "GET", f"/tickets/{t['id']}", expect=404)
    assert (await http("water", "GET", "/tickets"))["items"] == []
    seen = await http("wuye", "GET", f"/tickets/{t['id']}")
    assert "张三" not in str(seen) and "13812345678" not in str(seen)
    listed = await http("wuye", "GET", "/tickets")
    assert "5678" not in str(listed) and len(listed["items"]) == 1
    assert (await http("agent", "GET", f"/tickets/{t['id']}"))["reporter"]["name"] == "张三"


async def test_errors_are_clear(http):
    bad = await http("agent", "POST", "/tickets", {**FORM, "urgency": "asap", "matter": "",
                                                   "nonsense": 1}, 422)
    assert set(bad["fields"]) == {"urgency", "nonsense"}  # the form is read before it is judged
    bad = await http("agent", "POST", "/tickets", {**FORM, "matter": ""}, 422)
    assert bad["fields"] == {"matter": "required"}
    await http(None, "GET", "/tickets", expect=401)
    t = await http("agent", "POST", "/tickets", FORM, 201)
    await http("agent", "POST", f"/tickets/{t['id']}/commands/AcceptReply", None, 403)
    refused = await http("office", "POST", f"/tickets/{t['id']}/commands/AcceptReply", None, 409)
    assert refused["rule"] == "state_machine"
    await http("wuye", "POST", f"/tickets/{t['id']}/commands/Dispatch",
               {"lead_unit": "u-wuye"}, 404)  # not dispatched to it: not visible
    await http("agent", "POST", f"/tickets/{t['id']}/commands/Dispatch",
               {"lead_unit": "u-wuye"})
    await http("wuye", "POST", f"/tickets/{t['id']}/commands/Dispatch",
               {"lead_unit": "u-wuye"}, 403)
    bad = await http("wuye", "POST", f"/tickets/{t['id']}/commands/RequestExtension",
                     {"span": "20d", "reason": "x"}, 409)
    assert bad["rule"] == "extension"
    bad = await http("agent", "POST", f"/tickets/{t['id']}/commands/Explode", {}, 422)
    assert "Dispatch" in bad["fields"]["command"]
    await http("agent", "GET", "/tickets/abc", expect=404)
    await http("agent", "GET", "/tickets?limit=100000", expect=422)


async def test_bad_json_is_400_and_loses_nothing(http):
    bad = await http("agent", "POST", "/tickets", raw=b'{"kind": "complaint",', expect=400)
    assert "not JSON" in bad["error"]
    assert (await http("agent", "GET", "/tickets"))["items"] == []
    r = await http("agent", "GET", "/kb/search?q=" + "x" * 300, expect=422)
    assert r["fields"] == {"q": "1-200 characters"}


def test_openapi_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    validate(document())


def test_openapi_describes_every_route_and_only_routes(service):
    app = make_app(api_of(service, {}))
    routes = {(r.method.lower(), r.resource.canonical) for r in app.router.routes()
              if r.method != "HEAD"}
    described = {(m, path) for path, ops in document()["paths"].items() for m in ops}
    # Prometheus's /metrics (loopback only) is not the JSON API.
    assert routes == described | {("get", "/metrics")}


async def test_calendar_and_its_watcher(service, tmp_path):
    import asyncio
    from datetime import datetime

    from tickets_support import TZ

    from callcenter.services.rules import RulesSource

    service.rules = RulesSource(CTX, tmp_path / "workdays.toml", check_every=0)
    service.clock.now = datetime(2026, 12, 21, 9, tzinfo=TZ)
    path = tmp_path / "tokens.toml"
    office, unit = tokens.add(path, PEOPLE["office"]), tokens.add(path, PEOPLE["wuye"])
    api = api_of(service, tokens.load(path))
    api.watch_every = 0.05
    client = TestClient(TestServer(make_app(api)))
    await client.start_server()
    try:
        auth = {"Authorization": f"Bearer {office}"}
        r = await client.post("/api/v1/tickets", json={**FORM, "urgency": "complex"},
                              headers=auth)
        tid = (await r.json())["id"]
        r = await client.post(f"/api/v1/tickets/{tid}/commands/Dispatch",
                              json={"lead_unit": "u-wuye"}, headers=auth)
        t = await r.json()
        assert r.status == 200 and t["provisional"] == ["completion", "extension_window"]
        r = await client.get("/api/v1/calendar", headers=auth)
        status = await r.json()
        assert r.status == 200 and not status["ok"] and status["open_provisional_tickets"] == 1
        r = await client.get("/api/v1/calendar",
                             headers={"Authorization": f"Bearer {unit}"})
        assert r.status == 403
        (tmp_path / "workdays.toml").write_text('[years.2027]\nholidays = ["2027-01-01"]\n')
        for _ in range(100):  # the running app recomputes on its own
            r = await client.get(f"/api/v1/tickets/{tid}", headers=auth)
            if (await r.json())["provisional"] == []:
                break
            await asyncio.sleep(0.05)
        r = await client.get(f"/api/v1/tickets/{tid}/audit", headers=auth)
        assert [a["action"] for a in (await r.json())["items"]][-1] == "RecomputeDeadlines"
    finally:
        await client.close()


async def test_token_changes_take_effect_without_a_restart(service, tmp_path, caplog):
    import os

    path = tmp_path / "tokens.toml"
    first = tokens.add(path, PEOPLE["agent"])
    app = make_app(api_of(service, tokens.TokenFile(path)))
    client = TestClient(TestServer(app))
    await client.start_server()

    async def status(token):
        r = await client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
        return r.status

    try:
        assert await status(first) == 200
        later = tokens.add(path, PEOPLE["office"])
        assert await status(later) == 200  # known at once
        tokens.revoke(path, "agent-7")
        assert await status(first) == 401  # revoked at once
        # An entry broken by hand is skipped and logged; the others still work.
        text = path.read_text()
        path.write_text(text + '[tokens."abc"]\nrole = "emperor"\nid = "x"\n')
        os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
        assert await status(later) == 200
        assert "token abc… skipped" in caplog.text
    finally:
        await client.close()


@pytest.mark.parametrize("bad", ["a\x1bb", "a\tb", "a\x7fb", 'a"b'])
def test_api_token_add_refuses_control_characters(tmp_path, bad, capsys, monkeypatch):
    import shutil

    from callcenter import cli
    from callcenter.config import PROJECT_ROOT

    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    argv = ["--config", str(tmp_path / "config" / "hotline.toml"), "api-token", "add"]
    assert cli.main([*argv, "agent:good"]) == 0
    capsys.readouterr()
    assert cli.main([*argv, f"agent:{bad}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refused: api-token:") and err.count("\n") == 1
    assert len(tokens.load(tmp_path / "var" / "api-tokens.toml")) == 1  # the file still reads


async def test_private_headers_and_hostile_bodies(service, tmp_path):
    path = tmp_path / "tokens.toml"
    agent = tokens.add(path, PEOPLE["agent"])
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path)))))
    await client.start_server()
    auth = {"Authorization": f"Bearer {agent}", "Content-Type": "application/json"}
    try:
        for r in (await client.get("/api/v1/tickets", headers=auth),
                  await client.get("/api/v1/tickets")):  # answers and refusals alike
            assert r.headers["Cache-Control"] == "no-store"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Referrer-Policy"] == "no-referrer"
        deep = "[" * 100_000 + "]" * 100_000
        r = await client.post("/api/v1/tickets", data=deep, headers=auth)
        assert r.status == 400 and "nested" in (await r.json())["error"]
        r = await client.post("/api/v1/tickets", data='{"kind": ' + "9" * 5000 + "}",
                              headers=auth)
        assert r.status == 400
        t = await (await client.post("/api/v1/tickets", json=FORM, headers=auth)).json()
        r = await client.post(f"/api/v1/tickets/{t['id']}/commands/AnswerDirectly",
                              json={"answer": "已解答", "kb_article": 2**40}, headers=auth)
        assert r.status == 422 and "kb_article" in (await r.json())["fields"]
        r = await client.post(f"/api/v1/tickets/{t['id']}/merge",
                              json={"into": 2**40, "reason": "x"}, headers=auth)
        assert r.status == 422
    finally:
        await client.close()


async def test_agents_at_seats_over_the_api(service, tmp_path):
    path = tmp_path / "tokens.toml"
    zhang = tokens.add(path, Viewer(Role.AGENT, "zhang"))
    office, unit = tokens.add(path, PEOPLE["office"]), tokens.add(path, PEOPLE["wuye"])
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path),
                                                     ["8001", "8002"]))))
    await client.start_server()

    call = caller(client, "/api/v1/desk")

    try:
        # An agent logs in as themselves, whatever name the body gives.
        assert (await call(zhang, "POST", "/seats/8001/login", {"agent": "li"}))["agent"] == \
            "zhang"
        assert (await call(zhang, "POST", "/seats/8001/pause", {"reason": "meal"}))["state"] \
            == "paused"
        refused = await call(zhang, "POST", "/seats/8001/pause", {"reason": "nap"}, 409)
        assert refused["rule"] == "pause"
        await call(zhang, "POST", "/seats/8002/logout", {}, 403)
        await call(office, "POST", "/seats/8001/fly", {}, 404)
        await call(office, "POST", "/seats/8001/ready", {"reason": 7}, 422)
        await call(unit, "GET", "/seats", expect=403)
        items = (await call(office, "GET", "/seats"))["items"]
        assert [(i["seat"], i["state"]) for i in items] == [("8001", "paused"),
                                                            ("8002", "unmanaged")]
    finally:
        await client.close()
