"""The registration form (《市长电话热线登记表》, 000 §二(二)) and its validation.

`problems(form)` returns every field-level problem at once, keyed by field name, so the API
answers 4xx with all of them and the agent fixes the form in one go (JSON is read into the
form by api/forms.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from callcenter.domain.policy import Urgency
from callcenter.domain.replies import Kind


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    SMS = "sms"
    MAIL = "mail"
    FAX = "fax"
    AFTER_HOURS = "after_hours"  # message left on the after-hours line


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


_PHONE = re.compile(r"\+?\d{3,20}")
_LIMITS = {"reporter_name": 64, "address": 200, "category": 64, "matter": 2000,
           "demand": 1000, "history": 2000, "other_opinions": 2000, "home_address": 200,
           "event_time": 64, "people_involved": 500}
_REQUIRED = ("address", "category", "matter", "demand")


@dataclass(frozen=True)
class Registration:
    kind: Kind
    urgency: Urgency
    channel: Channel
    category: str          # e.g. 供暖, 漏水, 物业服务
    matter: str            # 反映事项
    demand: str            # 诉求
    address: str           # where the matter is (the unit goes there)
    reporter_name: str = ""
    # The caller's own address (住址) is identity, kept apart from the place of the matter
    # and shown only to those who may see who the caller is.
    home_address: str = ""
    reporter_gender: Gender = Gender.UNKNOWN
    reporter_phone: str = ""
    history: str = ""          # 投诉历史
    other_opinions: str = ""   # 其他单位意见
    anonymous: bool = False    # caller asked to stay anonymous (保密)
    event_time: str = ""       # 事发时间, as the caller says it ("上周三晚上", "2026-11-30 20:00")
    people_involved: str = ""  # 涉及人员


def valid_phone(text: str) -> bool:
    return _PHONE.fullmatch(text) is not None


def problems(form: Registration) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in _REQUIRED:
        if not str(getattr(form, name)).strip():
            out[name] = "required"
    for name, limit in _LIMITS.items():
        if len(getattr(form, name)) > limit:
            out[name] = f"at most {limit} characters"
    if form.reporter_phone and not _PHONE.fullmatch(form.reporter_phone):
        out["reporter_phone"] = "digits only (3-20), optionally with a leading +"
    if not form.anonymous and form.channel is Channel.PHONE and not form.reporter_phone:
        out["reporter_phone"] = "required for a phone call that is not anonymous"
    for name in ("reporter_name", "category", "matter", "demand", "address", "home_address",
                 "event_time", "people_involved", "history", "other_opinions"):
        if any(c in getattr(form, name) for c in "\x00\r"):
            out[name] = "control characters are not allowed"
    return out



_NOT_KEY = re.compile(r"[\s\W_]+")


_COMMUNITY = re.compile(r"^.*?(社区|小区|村|花园|家园|公寓|大厦|苑)")
_STREET = re.compile(r"^.*?(街道|镇|乡)")
PLACE_MAX = 24


def place_of(address: str) -> str:
    """The community a matter is in (集中反映 is counted per community): the normalised
    address up to its first community-level name (社区, 小区, 村 …), else up to its street or
    town, else its first characters. "高新区梧桐街道翠竹社区3号楼" -> "高新区梧桐街道翠竹社区"."""
    key = address_key(address)
    m = _COMMUNITY.match(key) or _STREET.match(key)
    return (m.group(0) if m else key)[:PLACE_MAX]


def address_key(address: str) -> str:
    """The place of a matter normalised for "same matter" (the repeat rule): width and case
    folded (NFKC), spaces and punctuation dropped. "翠竹社区 3号楼" and "翠竹社区3号楼" are the
    same place."""
    return _NOT_KEY.sub("", unicodedata.normalize("NFKC", address)).lower()
