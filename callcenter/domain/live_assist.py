"""Live assist (实时辅助): what the desk can offer from the words of a call under way.

Every offer is a suggestion the agent takes with a click, never a field filled silently:
phone numbers spoken (digits or Chinese numerals, 幺 for one), places that read as an
address (a road, street or estate, with its numbers), the categories of the hot topics heard,
the topics flagged as emergencies (燃气泄漏: a banner at once) and the words to look up in
the knowledge base. Only the citizen's words are used; the agent's are shown, not mined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.domain.topics import Topic, spot

SPEAKERS = ("citizen", "agent")
QUERY_LINES = 3  # the latest final utterances the knowledge base is searched with
MAX_EACH = 3  # suggestions of each kind, the latest first

_DIGIT = {**{str(i): str(i) for i in range(10)}, "零": "0", "〇": "0", "幺": "1", "一": "1",
          "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
          "八": "8", "九": "9"}
_DIGITS = re.compile("[" + "".join(_DIGIT) + r"\s-]{7,}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}|[2-8]\d{6,7}")
_NUM = "0-9零〇一二三四五六七八九十百幺两"
_PLACE = "路|街|大道|巷|弄|胡同|村|小区|花园|苑|大厦|公寓|家园|新村|广场"
_ADDRESS = re.compile(rf"[\u4e00-\u9fff]{{1,12}}?(?:{_PLACE})"
                      rf"(?:[{_NUM}]+(?:号楼|号|栋|幢|弄|单元|室|层|楼))*")
_LEAD = re.compile(r"^(?:我们?|家|我家)?(?:就)?(?:住在|住|在|是|位于|地址是|地址在)+")


@dataclass(frozen=True)
class LiveLine:
    """One utterance of one speaker of a call under way, as heard so far."""

    call: str
    speaker: str  # citizen | agent
    n: int  # its place in that speaker's stream
    text: str
    final: bool
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Suggestions:
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # hot topics heard, latest first
    emergencies: tuple[str, ...] = ()  # emergency topics heard, partial words included
    query: str = ""  # what to search the knowledge base with


def phones_in(text: str) -> list[str]:
    """Phone numbers spoken in `text`: a mobile (11 digits from 1) or a landline."""
    out: list[str] = []
    for run in _DIGITS.findall(text):
        digits = "".join(_DIGIT.get(ch, "") for ch in run)
        for pattern in (_MOBILE, _LANDLINE):
            m = pattern.search(digits)
            if m is not None and m.group() not in out:
                out.append(m.group())
                break
    return out


def addresses_in(text: str) -> list[str]:
    out: list[str] = []
    for m in _ADDRESS.finditer(text.replace(" ", "")):
        place = _LEAD.sub("", m.group())
        if len(place) >= 3 and place not in out:
            out.append(place)
    return out


def suggest(lines: Sequence[LiveLine], topics: Sequence[Topic]) -> Suggestions:
    """The offers for one call, from the citizen's lines (final ones; emergencies from the
    partial one too, since a gas leak should not wait for the end of a sentence)."""
    said = sorted((ln for ln in lines if ln.speaker == "citizen"), key=lambda ln: ln.n)
    final = [ln for ln in said if ln.final and ln.text]
    phones: list[str] = []
    addresses: list[str] = []
    for ln in reversed(final):
        phones += [p for p in phones_in(ln.text) if p not in phones]
        addresses += [a for a in addresses_in(ln.text) if a not in addresses]
    categories: list[str] = []
    for s in reversed(spot(((ln.text, ln.start_s, ln.end_s) for ln in final), topics)):
        if s.topic not in categories:
            categories.append(s.topic)
    urgent = {t.name for t in topics if t.emergency}
    emergencies = list(dict.fromkeys(
        s.topic for s in spot(((ln.text, ln.start_s, ln.end_s) for ln in said if ln.text),
                              topics) if s.topic in urgent))
    return Suggestions(tuple(phones[:MAX_EACH]), tuple(addresses[:MAX_EACH]),
                       tuple(categories[:MAX_EACH]), tuple(emergencies),
                       " ".join(ln.text for ln in final[-QUERY_LINES:]))
