"""The work-order use cases on the command line, against a real SQLite store."""

import json
import shutil

import pytest

from callcenter.config import PROJECT_ROOT, load_settings


def _form(tmp_path, urgency):
    form = tmp_path / "form.json"
    form.write_text(json.dumps({
        "kind": "complaint", "urgency": urgency, "channel": "phone", "category": "漏水",
        "matter": "楼上漏水", "demand": "维修", "address": "沈河区五爱街道和谐社区3号楼",
        "reporter_name": "张三", "reporter_phone": "13812345678"}, ensure_ascii=False))
    return form


def test_tickets_from_the_command_line(run, tmp_path):
    assert load_settings(tmp_path / "config" / "hotline.toml").store_url == \
        f"sqlite:///{tmp_path}/var/callcenter.db"
    assert "4 units from" in run("units", "load").out
    assert "4 units kept" in run("units", "load", "--if-empty").out
    form = _form(tmp_path, "general")
    t = json.loads(run("tickets", "register", str(form), "--as", "agent:a1").out)
    proposal = json.loads(run("units", "propose", t["address"], "漏水").out)
    assert proposal[0]["unit"] == "hexie-property"
    run("tickets", "do", str(t["id"]), "Dispatch", '{"lead_unit": "hexie-property"}',
        "--as", "agent:a1")
    seen = json.loads(run("tickets", "show", str(t["id"]), "--as",
                          "unit:wang:hexie-property").out)
    assert seen["status"] == "dispatched" and seen["reporter"]["name"] == "张三"
    err = run("tickets", "show", str(t["id"]), "--as", "unit:x:heat-station-3", expect=2).err
    assert "no ticket" in err
    err = run("tickets", "do", str(t["id"]), "RequestExtension", '{"span": "1y"}',
              "--as", "unit:wang:hexie-property", expect=2).err
    assert "span:" in err and "reason: required" in err
    swept = json.loads(run("sweep").out)
    assert (swept["supervised"], swept["notices"], swept["conflicts"]) == (0, 0, 0)
    audit = json.loads(run("tickets", "audit", str(t["id"])).out)
    assert [a["action"] for a in audit] == ["Dispatch"]
    token = run("api-token", "add", "unit:wang:hexie-property").out.strip()
    assert len(token) > 30 and token not in (tmp_path / "var" / "api-tokens.toml").read_text()
    assert "revoked 1" in run("api-token", "revoke", "wang").out
    assert run("search", "漏水", "--as", "agent:a1").out == ""  # nothing transcribed yet
    assert json.loads(run("search", "漏水", "--json").out) == []
    assert "q:" in run("search", '" *', expect=2).err
    with pytest.raises(SystemExit) as exc:
        run("tickets", "show", "1", "--as", "nobody")
    assert exc.value.code == 2


def test_calendar_status_and_reload_from_the_command_line(run, tmp_path, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from callcenter import bootstrap

    tz = ZoneInfo("Asia/Shanghai")
    monkeypatch.setattr(bootstrap, "system_clock", lambda: datetime(2026, 12, 1, 10, tzinfo=tz))
    run("units", "load")
    out = run("calendar", "status", expect=1).out
    assert "next year 2027: provisional, 31 days away" in out and "problem:" in out
    status = json.loads(run("calendar", "status", "--json", expect=1).out)
    assert status["provisional_years"] == [2027] and not status["ok"]
    # Dispatched on 12-21 a ticket's extension window reaches 2027.
    monkeypatch.setattr(bootstrap, "system_clock", lambda: datetime(2026, 12, 21, 10, tzinfo=tz))
    form = _form(tmp_path, "urgent")
    t = json.loads(run("tickets", "register", str(form), "--as", "agent:a1").out)
    t = json.loads(run("tickets", "do", str(t["id"]), "Dispatch",
                       '{"lead_unit": "hexie-property"}', "--as", "agent:a1").out)
    assert t["provisional"] == ["extension_window"]
    status = json.loads(run("calendar", "status", "--json", expect=1).out)
    assert status["open_provisional_tickets"] == 1
    assert status["earliest_provisional"]["due"] == "extension_window"
    (tmp_path / "config" / "workdays.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n')
    assert "1 tickets recomputed" in run("calendar", "reload").out
    out = run("calendar", "status").out
    assert "open tickets with provisional due times: 0" in out and "problem" not in out
    assert json.loads(run("tickets", "show", str(t["id"])).out)["provisional"] == []
    (tmp_path / "config" / "workdays.toml").write_text('[years.2027]\nholidays = ["x"]\n')
    err = run("calendar", "reload", expect=2).err
    assert err.count("\n") == 1 and "'x' is not a YYYY-MM-DD date" in err


def test_every_refusal_is_one_line_naming_the_rule_with_exit_2(run, tmp_path):
    run("units", "load")
    form = _form(tmp_path, "general")
    tid = str(json.loads(run("tickets", "register", str(form), "--as", "agent:a1").out)["id"])
    refusals = [
        (("tickets", "do", tid, "AcceptReply"), "state_machine"),
        (("tickets", "do", tid, "Dispatch", '{"lead_unit": "hexie-property"}',
          "--as", "unit:li:hexie-property"), "Dispatch is for agent, supervisor"),
        (("tickets", "show", tid, "--as", "unit:x:heat-station-3"), "no ticket"),
        (("tickets", "do", tid, "Dispatch", '{"lead_unit": "nobody"}', "--as", "agent:a1"),
         "lead_unit: not in the units directory"),
        (("tickets", "do", tid, "Dispatch", '{"lead_unit": '), "not JSON"),
        (("tickets", "register", str(tmp_path / "missing.json"), "--as", "agent:a1"),
         "cannot read"),
        (("tickets", "list", "--status", "bogus"), "bogus"),
        (("tickets", "do", tid, "Explode"), "command: one of"),
        (("tickets", "notices", "--as", "agent:a1"), "for the office"),
    ]
    run("tickets", "do", tid, "Dispatch", '{"lead_unit": "hexie-property"}', "--as", "agent:a1")
    refusals.append((("tickets", "do", tid, "SignOffHead", "--as",
                      "unit:li:hexie-property:leader"), "head_signoff"))
    refusals.append((("tickets", "do", tid, "RequestReturn",
                      '{"request": {"reason": "x", "event_time": "", "place": "", "people": "",'
                      ' "suggested_unit": "heat-station-3", "policy_basis": ""}}',
                      "--as", "unit:li:hexie-property"), "return: log the first contact"))
    for argv, words in refusals:
        err = run(*argv, expect=2).err
        assert err.count("\n") == 1 and words in err and "Traceback" not in err, (argv, err)
        assert err.startswith("refused: "), err


def test_the_sweeper_runs_until_sigterm_and_exits_cleanly(tmp_path):
    import os
    import subprocess
    import sys

    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    env = {k: v for k, v in os.environ.items() if k != "CALLCENTER_DB_URL"}
    env["CALLCENTER_HOME"] = str(tmp_path)
    with subprocess.Popen(
            [sys.executable, "-m", "callcenter", "--config",
             str(tmp_path / "config" / "hotline.toml"), "sweeper", "--every", "0.2"],
            env=env, stderr=subprocess.PIPE, text=True) as proc:
        _sigterm(proc)


def _sigterm(proc):
    import signal
    import time

    try:
        deadline = time.monotonic() + 30
        seen = ""
        while "sweeper: looking every" not in seen and time.monotonic() < deadline:
            seen += proc.stderr.readline()
        assert "sweeper: looking every" in seen, seen
        time.sleep(0.5)  # a few sweeps
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "sweeper stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_agents_at_seats_from_the_command_line(run):
    assert json.loads(run("desk", "8001", "login", "--agent", "zhang").out)["state"] == "ready"
    paused = json.loads(run("desk", "8001", "pause", "meal", "--as", "agent:zhang").out)
    assert (paused["state"], paused["reason"]) == ("paused", "meal")
    refused = run("desk", "8001", "pause", "nap", "--as", "agent:zhang", expect=2).err
    assert refused.startswith("refused: pause: reason 'nap'") and refused.count("\n") == 1
    assert "not yours" in run("desk", "8001", "ready", "--as", "agent:li", expect=2).err
    table = run("desk", "status").out
    assert "8001" in table and "zhang" in table and "用餐" in table and "unmanaged" in table
    items = json.loads(run("desk", "status", "--json").out)
    assert [i["state"] for i in items] == ["paused", "unmanaged"]
    assert "no seat 9999" in run("desk", "9999", "login", "--agent", "x", expect=2).err
