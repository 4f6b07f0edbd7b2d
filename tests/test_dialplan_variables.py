"""Every name the dialplan shares with the controller — variables, contexts, UserEvent facts
and their fields, the FastAGI script — is declared in the one constants module, and every
declaration is used."""

import re

from callcenter.config import PROJECT_ROOT, Seat, Settings
from callcenter.contract import dialplan as variables
from callcenter.telephony.render import fill, values

DIALPLAN = PROJECT_ROOT / "dialplan"


def _names(text: str) -> set[str]:
    text = "\n".join(line.split(";", 1)[0] for line in text.splitlines())  # drop comments
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    used |= set(re.findall(r"Set\(([A-Za-z_][A-Za-z0-9_]*)=", text))
    return used


def test_every_dialplan_variable_is_declared():
    text = (DIALPLAN / "extensions.conf").read_text()
    used = _names(text)
    assert used, "the dialplan uses no variables? the test would prove nothing"
    undeclared = used - variables.DECLARED - variables.ASTERISK_BUILTINS
    assert not undeclared, f"declare these in callcenter/contract/dialplan.py: {undeclared}"


def test_every_declared_cc_variable_is_used():
    text = (DIALPLAN / "extensions.conf").read_text()
    assert _names(text) >= variables.DECLARED


def test_rendered_dialplan_has_no_marks_left():
    s = Settings(project_root=PROJECT_ROOT, seats=(Seat("8001", "一号席", 5071),),
                 prompts={"greeting": "x"})
    vals = values(s, "secret123", {})
    for name in ("extensions.conf", "queues.conf", "pjsip.conf", "manager.conf",
                 "confbridge.conf"):
        out = fill((DIALPLAN / name).read_text(), vals)
        assert "{{" not in out


def _code() -> str:
    text = (DIALPLAN / "extensions.conf").read_text()
    return "\n".join(line.split(";", 1)[0] for line in text.splitlines())


def test_every_context_is_declared_and_every_declared_context_exists():
    code = _code()
    defined = set(re.findall(r"^\[([A-Za-z0-9_-]+)\]", code, re.M))
    reached = set(re.findall(r"(?:Goto|GotoIf\(.*?\?)\(?([a-z][a-z0-9_-]*),[^,)]+,", code))
    reached |= set(re.findall(r"include => ([A-Za-z0-9_-]+)", code))
    assert defined == variables.CONTEXTS
    assert len(reached) >= 5 and reached <= variables.CONTEXTS, reached
    assert all(c.startswith(variables.CONTEXT_PREFIX) for c in defined)
    assert variables.CONTEXT_INBOUND in defined


def test_every_fact_and_field_the_dialplan_reports_is_declared():
    found: dict[str, set[str]] = {}
    for name, body in re.findall(r"UserEvent\(([A-Za-z]+),([^)\n]*)\)", _code()):
        assert name == variables.USEREVENT_NAME
        fields = dict(part.strip().split(": ", 1) for part in body.split(","))
        found.setdefault(fields.pop("Fact"), set()).update(fields)
    assert found == {str(k): set(v) for k, v in variables.DIALPLAN_FACTS.items()}
    for fact, fields in variables.RECOVERABLE.items():
        assert set(fields) <= variables.DIALPLAN_FACTS[fact]


def test_the_fastagi_scripts_are_the_ones_the_controller_answers(tmp_path):
    from typing import cast

    from callcenter.bootstrap import build
    from callcenter.telephony.agi.route import AgiScripts

    s = Settings(project_root=PROJECT_ROOT, store_url=f"sqlite:///{tmp_path / 'x.db'}",
                 ami_secret_file=tmp_path / "ami.secret")
    out = fill((DIALPLAN / "extensions.conf").read_text(), values(s, "secret123", {}))
    assert set(re.findall(r"AGI\(agi://[^/]+/([a-z]+)[,)]", out)) == variables.AGI_SCRIPTS
    hotline = build(s)
    try:
        handler = cast(AgiScripts, hotline.controller().agi.handler)
        assert set(handler.scripts) == variables.AGI_SCRIPTS
    finally:
        hotline.close()


def test_the_menu_keys_are_the_declared_choices():
    menu = _code().split("[hotline-menu]", 1)[1].split("\n[", 1)[0]
    keys: set[str] = set()
    for pattern in re.findall(r"^exten => ([^,]+),1,", menu, re.M):
        if pattern.startswith("_["):
            lo, hi = pattern[2], pattern[4]
            keys |= {str(d) for d in range(int(lo), int(hi) + 1)}
        elif pattern.isdigit():
            keys.add(pattern)
    assert keys == set(variables.IVR_CHOICES)


def test_the_status_prompts_the_line_may_say_are_the_self_service_rule_s():
    from callcenter.domain.self_service import SPOKEN_PROMPTS

    assert variables.STATUS_PROMPTS == SPOKEN_PROMPTS
