"""Settings: defaults written once, every key known, nothing beyond loopback without a why."""

import json
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from callcenter.config import PROJECT_ROOT, ConfigError, Settings, file_defaults, load_settings
from callcenter.telephony import render


def _load(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "hotline.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "hotline.toml", root=tmp_path)


def test_an_empty_file_gives_the_dataclass_defaults(tmp_path, monkeypatch):
    for var in ("CALLCENTER_DB_URL", "CALLCENTER_AMI_PORT", "CALLCENTER_RECORDINGS",
                "CALLCENTER_VOSK_MODEL", "CALLCENTER_TOPICS"):
        monkeypatch.delenv(var, raising=False)
    loaded = _load(tmp_path, "")
    default = Settings(project_root=tmp_path)
    for f in fields(Settings):
        want = getattr(default, f.name)
        if isinstance(want, Path) and not want.is_absolute():
            want = tmp_path / want
        if f.name == "store_url":
            want = f"sqlite:///{tmp_path}/var/callcenter.db"
        assert getattr(loaded, f.name) == want, f.name


def test_the_shipped_file_states_only_known_settings():
    shipped = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    assert shipped.ami_secret_file == PROJECT_ROOT / "var" / "ami.secret"


def _shipped_lines() -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """The shipped file's settings, and the ones it shows commented out (`# key = value`)."""
    text = (PROJECT_ROOT / "config" / "hotline.toml").read_text("utf-8")
    commented: dict[tuple[str, str], Any] = {}
    section = ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[\[?([a-z_]+)\]\]?", line)
        if header:
            section = header.group(1)
        elif re.match(r"# [a-z_]+ = ", line):
            ((key, value),) = tomllib.loads(line[2:]).items()
            commented[(section, key)] = value
    return tomllib.loads(text), commented


def test_the_shipped_file_states_only_what_differs_from_the_defaults():
    data, _ = _shipped_lines()
    defaults = file_defaults()
    repeated = [f"{section}.{key}" for section, table in data.items()
                if section not in ("seats", "skill_queues")
                for key, value in table.items() if defaults[(section, key)] == value]
    assert repeated == [], "shipped settings that repeat their default"


def test_the_shipped_file_shows_every_other_setting_with_its_true_default():
    data, commented = _shipped_lines()
    defaults = file_defaults()
    wrong = {f"{s}.{k}": (v, defaults.get((s, k))) for (s, k), v in commented.items()
             if defaults.get((s, k), object()) != v}
    assert wrong == {}, "commented settings that are unknown or show another default"
    stated = {(section, key) for section, table in data.items() if isinstance(table, dict)
              for key in table}
    assert set(defaults) - stated - set(commented) == set(), "settings the file never shows"


@pytest.mark.parametrize(("text", "named"), [
    ("[asterisk]\nami_prot = 5038\n", "asterisk.ami_prot"),
    ("[astrisk]\nami_port = 5038\n", "[astrisk]"),
    ("[asterisk]\nami_port = \"many\"\n", "asterisk.ami_port"),
    ("[ivr]\nmenu_enabled = \"yes\"\n", "ivr.menu_enabled"),
])
def test_a_misspelt_or_mistyped_setting_is_named(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        _load(tmp_path, text)


def test_an_environment_override_of_the_wrong_type_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLCENTER_AMI_PORT", "5038x")
    with pytest.raises(ConfigError, match="CALLCENTER_AMI_PORT"):
        _load(tmp_path, "")
    monkeypatch.setenv("CALLCENTER_AMI_PORT", "25038")
    assert _load(tmp_path, "").ami_port == 25038


@pytest.mark.parametrize(("section", "key", "value", "why"), [
    ("asterisk", "agi_host", "0.0.0.0", "asterisk.agi_beyond_loopback"),
    ("asterisk", "ami_host", "10.0.0.2", "asterisk.ami_beyond_loopback"),
    ("asterisk", "ami_permit", "10.0.0.0/8", "asterisk.ami_beyond_loopback"),
    ("asterisk", "agi_host", "pbx.example", "asterisk.agi_beyond_loopback"),
    ("api", "host", "::", "api.beyond_loopback"),
])
def test_listening_beyond_loopback_needs_a_stated_reason(tmp_path, section, key, value, why):
    text = f'[{section}]\n{key} = "{value}"\n'
    with pytest.raises(ConfigError, match=why):
        _load(tmp_path, text)
    reason = why.split(".", 1)[1]
    settings = _load(tmp_path, text + f'{reason} = "Asterisk on pbx-1; firewall: 10.0.0.5 only"\n')
    assert str(getattr(settings, key if section == "asterisk" else f"api_{key}")) == value


def test_loopback_addresses_need_no_reason(tmp_path):
    s = _load(tmp_path, '[asterisk]\nagi_host = "127.0.0.2"\nami_permit = "127.0.0.1"\n'
                        '[api]\nhost = "::1"\n')
    assert (s.agi_host, s.api_host) == ("127.0.0.2", "::1")


def test_the_ami_permit_reaches_manager_conf_normalised(tmp_path):
    s = _load(tmp_path, '[asterisk]\nami_permit = "10.0.0.0/8"\n'
                        'ami_beyond_loopback = "controller on 10.0.0.5"\n')
    text = render.fill((render.TEMPLATE_DIR / "manager.conf").read_text("utf-8"),
                       render.values(s, "secret", {}))
    assert "permit = 10.0.0.0/8\n" in text and "write = agent,reporting,call,originate\n" in text
    with pytest.raises(ConfigError, match="not an address"):
        _load(tmp_path, '[asterisk]\nami_permit = "10.0.0.0/8\\npermit=0.0.0.0/0"\n'
                        'ami_beyond_loopback = "x"\n')


def test_before_the_queue_only_the_greeting_and_the_notice_the_advice_while_waiting(tmp_path):
    s = _load(tmp_path, "")
    s = s.with_overrides(prompts={"greeting": "您好", "recorded": "录音", "emergency": "急"})
    vals = render.values(s, "secret", {})
    assert vals["prelude_prompts"] == "hotline/greeting&hotline/recorded"
    queues = render.fill((render.TEMPLATE_DIR / "queues.conf").read_text("utf-8"), vals)
    assert "periodic-announce = hotline/emergency\nperiodic-announce-frequency = 30\n" in queues
    never = render.values(s.with_overrides(queue_emergency_every=0), "secret", {})
    assert never["periodic_announce"] == "periodic-announce-frequency = 0"
    with pytest.raises(ConfigError, match=r"ivr\.prompt_rate"):
        _load(tmp_path, "[ivr]\nprompt_rate = 20\n")


def test_the_shipped_prelude_lasts_under_7_s(tmp_path):
    import wave

    from callcenter.speech import prompts

    shipped = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    made = prompts.build({k: shipped.prompts[k] for k in render.PRELUDE}, tmp_path / "cache",
                         tmp_path / "out", shipped.prompt_rate)
    total = 0.0
    for path in made:
        with wave.open(str(path)) as w:
            total += w.getnframes() / w.getframerate()
    assert 4.0 < total < 7.0, total


def test_position_and_wait_are_announced_in_mandarin_or_not_at_all(tmp_path):
    from callcenter.speech.prompts import NUMBER_WORDS

    shipped = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    queues = render.fill((render.TEMPLATE_DIR / "queues.conf").read_text("utf-8"),
                         render.values(shipped, "secret", {}))
    assert "announce-frequency = 30\n" in queues and "announce-position = yes\n" in queues
    assert "queue-thereare = hotline/queue_thereare\n" in queues
    # Without the Mandarin texts Asterisk would speak English sounds: no announcements then.
    bare = _load(tmp_path, "").with_overrides(prompts={"greeting": "您好"})
    assert render.values(bare, "secret", {})["queue_announce"] == "announce-frequency = 0"
    assert (NUMBER_WORDS["10"], NUMBER_WORDS["20"], NUMBER_WORDS["7"]) == ("十", "二十", "七")
    assert {"hundred", "thousand", "wan", "yi"} <= set(NUMBER_WORDS)


def test_skill_queues_and_seat_skills(tmp_path):
    s = _load(tmp_path, '[[skill_queues]]\nname = "heating"\nchoices = ["3"]\n'
                        'overflow_after = 20\n[[seats]]\nid = "8001"\nname = "一号席"\n'
                        'skills = { heating = 0, hotline = 2 }\n[[seats]]\nid = "8002"\n')
    (q,) = s.skill_queues
    assert (q.name, q.choices, q.overflow_after) == ("heating", ("3",), 20)
    assert s.seats[0].penalties("hotline") == {"heating": 0, "hotline": 2}
    assert s.seats[1].penalties("hotline") == {"hotline": 0}
    queues = render.render_text("queues.conf", s, render.values(s, "secret123", {}))
    assert "[hotline]" in queues and "[heating]" in queues
    dialplan = render.render_text("extensions.conf", s, render.values(s, "secret123", {}))
    assert "exten => 3,1,Queue(heating,r,,,20)" in dialplan


@pytest.mark.parametrize(("text", "named"), [
    ('[[skill_queues]]\nname = "he at"\n', "queue name"),
    ('[[skill_queues]]\nname = "hotline"\n', "repeat"),
    ('[[skill_queues]]\nname = "a"\nchoices = ["9"]\n', "menu keys 1-4"),
    ('[[skill_queues]]\nname = "a"\nchoices = ["3"]\n[[skill_queues]]\nname = "b"\n'
     'choices = ["3"]\n', "menu keys 1-4"),
    ('[[skill_queues]]\nname = "a"\noverflow_after = 1\n', "overflow_after"),
    ('[[skill_queues]]\nname = "a"\nwait = 1\n', "unknown setting wait"),
    ('[[seats]]\nid = "8001"\nskills = { nowhere = 0 }\n', "not a queue"),
    ('[[seats]]\nid = "8001"\nskills = { hotline = 11 }\n', "penalties 0-10"),
    ('[[seats]]\nid = "8001"\nskill = { hotline = 1 }\n', "unknown setting skill"),
])
def test_a_bad_skill_setting_is_named(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        _load(tmp_path, text)


@pytest.mark.parametrize(("text", "named"), [
    ('[reports]\nmonthly_day = 6\n', "monthly_day"),
    ('[reports]\nweekly_day = 7\n', "weekly_day"),
    ('[reports]\nlanguage = "fr"\n', "language"),
    ('[reports]\nrising_factor = 1\n', "rising_factor"),
    ('[reports]\ndeliver_format = "docx"\n', "deliver_format"),
    ('[reports]\nwebhook = "file:///etc/passwd"\n', "webhook"),
    ('[reports]\nmail_to = "office@x, not an address"\n', "mail_to"),
    ('[reports]\nmail_from = "a@b\\r\\nBcc: c@d"\n', "mail_from"),
])
def test_report_settings_are_checked(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        _load(tmp_path, text)


@pytest.mark.parametrize("priority", [-1, 10, 99])
def test_the_controllers_real_time_priority_stays_below_asterisks(tmp_path, priority):
    with pytest.raises(ConfigError, match=r"controller\.realtime must be 0 \(off\) to 9"):
        _load(tmp_path, f"[controller]\nrealtime = {priority}\n")
    assert _load(tmp_path, "[controller]\nrealtime = 0\n").controller_realtime == 0


def test_a_bad_dictionary_line_stops_the_start_and_a_missing_file_does_not(tmp_path):
    assert _load(tmp_path, "").reports_dictionary == tmp_path / "config" / "hotline_words.txt"
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "hotline_words.txt").write_text("电梯故障\n两个 词\n",
                                                          encoding="utf-8")
    with pytest.raises(ConfigError, match=r"reports.dictionary: .*hotline_words.txt:2"):
        _load(tmp_path, "")


@pytest.mark.parametrize("name", ["PBX1", "1pbx", "pbx-1", "a" * 17, "pbx1\nx"])
def test_a_systemname_that_would_not_be_a_name_is_refused(tmp_path, name):
    with pytest.raises(ConfigError, match=r"asterisk\.systemname"):
        _load(tmp_path, f"[asterisk]\nsystemname = {json.dumps(name)}\n")
