"""The work-order use cases on the command line, against a real SQLite store."""

import json
import shutil

import pytest

from callcenter import cli
from callcenter.config import PROJECT_ROOT, load_settings


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    monkeypatch.delenv("CALLCENTER_DB_URL", raising=False)

    def call(*argv, expect=0):
        rc = cli.main(["--config", str(tmp_path / "config" / "hotline.toml"), *argv])
        out = capsys.readouterr()
        assert rc == expect, out
        return out

    return call


def test_tickets_from_the_command_line(run, tmp_path):
    assert load_settings(tmp_path / "config" / "hotline.toml").store_url == \
        f"sqlite:///{tmp_path}/var/callcenter.db"
    assert "4 units from" in run("units", "load").out
    assert "4 units kept" in run("units", "load", "--if-empty").out
    form = tmp_path / "form.json"
    form.write_text(json.dumps({
        "kind": "complaint", "urgency": "general", "channel": "phone", "category": "漏水",
        "matter": "楼上漏水", "demand": "维修", "address": "沈河区五爱街道和谐社区3号楼",
        "reporter_name": "张三", "reporter_phone": "13812345678"}, ensure_ascii=False))
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
