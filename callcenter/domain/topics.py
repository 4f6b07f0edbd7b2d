"""Hot topics (热点话题): keyword lists per topic, spotted in what was said.

Spotting matches the transcript rather than running a Vosk grammar: a grammar forces every
sound onto some keyword unless the model has an [unk] word (the small Korean test model has
none), and matching the transcript lets a changed list be applied to past calls without
decoding them again.

Tokens are (text, start, end): Vosk's words of one leg, or stored utterances. Tokens closer
than a pause are joined before matching, so a keyword split across words by the recogniser
(物业 费) is still found, with the times of the words it spans; a match never crosses a pause.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PAUSE_S = 0.8
_GAP = "\x00"  # between tokens a pause apart: no keyword contains it
_SPACE = re.compile(r"\s+")


class TopicsError(ValueError):
    pass


@dataclass(frozen=True)
class Topic:
    name: str
    words: tuple[str, ...]
    emergency: bool = False  # heard live on a call, the desk shows a banner at once


@dataclass(frozen=True)
class Spot:
    topic: str
    word: str
    start_s: float
    end_s: float


def _norm(text: str) -> str:
    return _SPACE.sub("", text).lower()


def check(topics: Sequence[Topic]) -> list[Topic]:
    """The topics, each keyword normalised, or every problem at once."""
    problems: list[str] = []
    seen: set[str] = set()
    out: list[Topic] = []
    for i, t in enumerate(topics, 1):
        name = t.name.strip()
        if not 1 <= len(name) <= 32:
            problems.append(f"topic {i}: a name of 1-32 characters")
        elif name in seen:
            problems.append(f"topic {i}: {name} is listed twice")
        seen.add(name)
        words = tuple(dict.fromkeys(_norm(w) for w in t.words))
        if not words or any(not 1 <= len(w) <= 32 for w in words):
            problems.append(f"topic {i} ({name}): 1 or more keywords of 1-32 characters")
        out.append(Topic(name, words, t.emergency))
    if problems:
        raise TopicsError("; ".join(problems))
    return out


def parse_topics(text: str, path: str) -> list[Topic]:
    """`[[topic]] name = "供暖"  words = ["供暖", "暖气", …]` entries, each with an optional
    `emergency = true`; `path` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsError(f"{path}: {exc}") from exc
    entries = data.get("topic", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TopicsError(f"{path}: expected [[topic]] tables")
    try:
        topics = [Topic(str(e["name"]), tuple(str(w) for w in e["words"]),
                        _flag(e.get("emergency", False), path)) for e in entries]
    except (KeyError, TypeError) as exc:
        raise TopicsError(f"{path}: every [[topic]] needs name and words ({exc})") from exc
    try:
        return check(topics)
    except TopicsError as exc:
        raise TopicsError(f"{path}: {exc}") from exc


def _flag(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise TopicsError(f"{path}: emergency must be true or false, got {value!r}")
    return value


def spot(tokens: Iterable[tuple[str, float, float]], topics: Sequence[Topic]) -> list[Spot]:
    """Every keyword occurrence, in time order."""
    text = ""
    owner: list[int] = []  # token index of each character of `text`
    times: list[tuple[float, float]] = []
    for text_, start, end in tokens:
        piece = _norm(text_)
        if not piece:
            continue
        if times and start - times[-1][1] > PAUSE_S:
            text += _GAP
            owner.append(-1)
        text += piece
        owner += [len(times)] * len(piece)
        times.append((start, end))
    found: list[Spot] = []
    for topic in topics:
        for word in topic.words:
            at = text.find(word)
            while at >= 0:
                first, last = owner[at], owner[at + len(word) - 1]
                found.append(Spot(topic.name, word, times[first][0], times[last][1]))
                at = text.find(word, at + len(word))
    return sorted(found, key=lambda s: (s.start_s, s.topic, s.word))
