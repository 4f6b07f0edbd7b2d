"""Each shipped policy profile against the document it comes from: every value the document
states is checked with its section; every other key is listed as assumed in the profile."""

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.domain.policy import PolicyError, Urgency
from callcenter.services.rules import load_profiles

PROFILES = load_profiles(PROJECT_ROOT / "config" / "policies.toml")
KEYS = {"completion." + u.value for u in Urgency} | {
    "revisit", "first_contact", "extension_request_within", "extension_options",
    "extension_limit", "return_within", "kb_correction", "kb_not_found", "dispatch_within",
    "dispatch_approval", "callback_sample", "callback_attempts"}


def _value(profile, key):
    if key.startswith("completion."):
        return str(profile.completion[Urgency(key.split(".")[1])])
    value = getattr(profile, key)
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return value if isinstance(value, bool | int | float) else str(value)


def _check(name, stated):
    p = PROFILES[name]
    for key, (value, section) in stated.items():
        assert _value(p, key) == value, f"{name} {key} ({section})"
        assert key not in p.assumed, f"{name} {key} is stated in {section}"
    # Whatever the document does not state is marked assumed, and only that.
    assert set(p.assumed) == KEYS - set(stated), name


def test_shanghai_2022():
    _check("shanghai-2022", {
        "completion.urgent": ("2h", "§五2(1) 紧急类 2 小时"),
        "completion.sub_urgent": ("1wd", "§五2(2) 次紧急 1 个工作日"),
        "completion.general": ("5wd", "§五2(3) 一般 5 个工作日"),
        "completion.complex": ("13wd", "§五2(4) 复杂 13 个工作日"),
        "revisit": ("3wd", "§五2(5) 回访复核单 3 个工作日"),
        "first_contact": ("1d", "§五1 收到工单之日起 1 日内"),
        "extension_request_within": ("9wd", "§六 自派单之日起 9 个工作日内"),
        "extension_options": (["15d", "30d", "60d", "90d"], "§六 延长 15、30、60、90 天"),
        "return_within": ("1wd", "§七 1 个工作日内申请退单"),
        "kb_correction": ("2wd", "§十五4 纠错 2 个工作日"),
        "kb_not_found": ("5wd", "§十五4 查无 5 个工作日"),
    })


def test_zhengzhou_housing_2009():
    _check("zhengzhou-housing-2009", {
        "completion.sub_urgent": ("3d", "二(三)2 3 日内反馈办理结果"),
        "completion.general": ("7d", "二(三)2 书面转（交）办 7 日内办理完毕"),
        "completion.complex": ("7d", "二(三)2 书面转（交）办 7 日内办理完毕"),
        "first_contact": ("3d", "二(三)2 3 日内反馈"),
        "extension_limit": ("15wd", "二(三)2 一般不得超过 15 个工作日"),
        "dispatch_approval": (True, "二(三)2 经局领导批示后转交"),
        "callback_sample": (1.0, "二(四)2 及时向反映人回访"),
    })


def test_zhengzhou_hitech_2006():
    _check("zhengzhou-hitech-2006", {
        "completion.urgent": ("1wd", "第十七条 突发性一般困难的求助 1 个工作日"),
        "completion.sub_urgent": ("1wd", "第十七条 突发性一般困难的求助 1 个工作日"),
        "completion.general": ("2wd", "第十七条 情况简单的 2 个工作日"),
    })


def test_luohe_2014():
    _check("luohe-2014", {
        "completion.general": ("7wd", "四(一) 一般不超过 7 个工作日"),
        "completion.complex": ("7wd", "四(一) 一般不超过 7 个工作日"),
        "extension_request_within": ("7wd", "四(一) 难以在规定时限内办结的及时申请延期"),
        "callback_sample": (1.0, "四(二) 继续坚持回访制度"),
    })


def test_shenyang_96191_2006():
    _check("shenyang-96191-2006", {
        "completion.urgent": ("4h", "供暖故障一般 4 小时; 小修 4 小时"),
        "completion.sub_urgent": ("24h", "重大 24 小时; 大修 24 小时"),
        "completion.general": ("7wd", "物业投诉 7 个工作日内有回复"),
        "callback_sample": (1.0, "对各单位的办复情况进行逐一的回访"),
    })
    targets = {k: str(v) for k, v in PROFILES["shenyang-96191-2006"].service_targets.items()}
    assert targets == {"crew_on_site_day": "30min", "crew_on_site_night": "60min",
                       "danger_on_site": "30min", "wall_door_repair": "5d"}


def test_an_unknown_key_or_assumed_name_is_refused(tmp_path):
    text = (PROJECT_ROOT / "config" / "policies.toml").read_text(encoding="utf-8")
    bad = tmp_path / "p.toml"
    bad.write_text(text.replace('callback_attempts = 3              # assumed\nassumed = ["ext',
                                'callback_attempt = 3\nassumed = ["ext', 1), encoding="utf-8")
    with pytest.raises(PolicyError, match="callback_attempt"):
        load_profiles(bad)
    bad.write_text(text.replace('assumed = ["extension_limit"', 'assumed = ["nonsense"', 1),
                   encoding="utf-8")
    with pytest.raises(PolicyError, match="assumed"):
        load_profiles(bad)
