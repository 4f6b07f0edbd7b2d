"""Every variable the dialplan uses is declared in the one constants module."""

import re

from callcenter.config import PROJECT_ROOT, Seat, Settings
from callcenter.telephony import variables
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
    assert not undeclared, f"declare these in callcenter/telephony/variables.py: {undeclared}"


def test_every_declared_cc_variable_is_used():
    text = (DIALPLAN / "extensions.conf").read_text()
    assert _names(text) >= variables.DECLARED


def test_rendered_dialplan_has_no_marks_left():
    s = Settings(project_root=PROJECT_ROOT, seats=(Seat("8001", "一号席", 5071),),
                 prompts={"greeting": "x"})
    vals = values(s, "secret123", {})
    for name in ("extensions.conf", "queues.conf", "pjsip.conf", "manager.conf"):
        out = fill((DIALPLAN / name).read_text(), vals)
        assert "{{" not in out
