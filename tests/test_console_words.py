"""Every word a console page asks for is in the catalogues, in both languages: the literal
keys of every template, and every key a template makes from a value (a status, a role, a
command …) for every value that value can take."""

import re
from pathlib import Path

import pytest

from callcenter.console import i18n
from callcenter.domain.access.commands import MERGING, WHO
from callcenter.domain.agents import COMMANDS as SEAT_COMMANDS
from callcenter.domain.agents import PAUSE_REASONS, AgentState
from callcenter.domain.people import SIGN_IN_ROLES
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import UnitRole
from callcenter.domain.registration import Gender
from callcenter.domain.replies import Kind
from callcenter.domain.report_periods import ReportKind
from callcenter.domain.self_service import SPOKEN
from callcenter.domain.tickets import Status
from callcenter.reports.labels import LABELS
from callcenter.services.access_audit import ACTIONS

TEMPLATES = Path(i18n.__file__).parent / "templates"
MADE = {  # prefix -> every value a template may join to it
    "st_": [s.value for s in Status],
    "role_": [r.value for r in SIGN_IN_ROLES],
    "kind_": [k.value for k in Kind],
    "urgency_": [u.value for u in Urgency],
    "gender_": [g.value for g in Gender],
    "reason_": list(PAUSE_REASONS),
    "state_": [s.value for s in AgentState] + ["unmanaged"],
    "cmd_": [c.__name__ for c in WHO if c not in MERGING] + list(SEAT_COMMANDS),
    "action_": list(ACTIONS),
    "report_": [k.value for k in ReportKind],
    "unit_role_": [r.value for r in UnitRole],
    "line_": ["day", "night"],
    "force_": ["day", "night", "auto"],
    "speaker_": ["citizen", "agent", "seat", "unit"],
    "mode_": ["listen", "whisper", "barge"],
    "": [*sorted(set(SPOKEN.values())), "satisfied", "dissatisfied", "not_called_back",
         "public_refused", "public_throttled"],
}


def _keys() -> set[str]:
    keys = set()
    for page in TEMPLATES.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt\(["']([a-z0-9_]+)["']\)""", text))
        # A macro's second argument names its word: field("note", "f_note", …).
        keys |= set(re.findall(
            r'\b(?:field|choice|yes_no|score|check)\((?:"[^"]*"|[^,"]+),\s*"([a-z_]+)"',
            text))
        for prefix in re.findall(r"""\bt\(["']([a-z_]+_)["']\s*~""", text):
            assert prefix in MADE, f"{page.name}: no values listed for t('{prefix}' ~ …)"
    return keys


@pytest.mark.parametrize("prefix", sorted(MADE))
def test_every_made_key_has_its_words(prefix):
    missing = [prefix + v for v in MADE[prefix] if i18n.t(prefix + v, "zh").startswith("[")]
    assert missing == []


def test_every_literal_key_has_its_words_in_both_languages():
    words = {**LABELS, **i18n.WORDS}
    missing = sorted(k for k in _keys() if k not in words and not k.startswith("reply."))
    assert missing == []
    assert all(zh and en for zh, en in i18n.WORDS.values())


def test_a_missing_word_shows_its_key_rather_than_failing_the_page():
    assert i18n.t("no_such_word", "en") == "[no_such_word]"
    assert i18n.t("answer_rate", "zh") == LABELS["answer_rate"][0]
