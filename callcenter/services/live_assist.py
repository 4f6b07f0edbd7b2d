"""Use case: live assist's offers to the desk for a call under way (domain/live_assist.py):
phone numbers and addresses spoken, the hot topics heard as categories, the emergency topics
(a banner), and the knowledge-base articles the citizen's latest words find (top 3, any of the
words, best first). Offers are worked out once per change of what the citizen said, however
many desks look: the streams of twenty agents cost one search, not twenty. What is remembered
serves for FRESH seconds: an article edited, withdrawn or expired meanwhile, or a new one, is
offered as it now stands once that time is up."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from threading import Lock
from typing import Generic, TypedDict, TypeVar

from callcenter.domain.live_assist import LiveLine, suggest
from callcenter.domain.topics import Topic
from callcenter.services.kb import KnowledgeBase

ARTICLES = 3
REMEMBERED = 500  # offers kept, newest last
FRESH = 10.0  # seconds a remembered search or offer serves


class SuggestedArticle(TypedDict):
    id: int
    question: str
    answer: str


class Offers(TypedDict):
    call: str
    phones: list[str]
    addresses: list[str]
    categories: list[str]
    emergencies: list[str]
    articles: list[SuggestedArticle]


K = TypeVar("K")
V = TypeVar("V")


class _Remembered(Generic[K, V]):
    """The last REMEMBERED answers, each for `fresh` seconds, for the desks' threads."""

    def __init__(self, fresh: float, clock: Callable[[], float]) -> None:
        self.fresh, self.clock = fresh, clock
        self._kept: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or self.clock() - kept[0] >= self.fresh:
                return None
            return kept[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._kept[key] = (self.clock(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > REMEMBERED:
                self._kept.popitem(last=False)


class LiveAssist:
    def __init__(self, kb: KnowledgeBase, topics: Callable[[], Sequence[Topic]],
                 fresh: float = FRESH, clock: Callable[[], float] = time.monotonic) -> None:
        self.kb = kb
        self.topics = topics
        self._offers: _Remembered[tuple[object, ...], Offers] = _Remembered(fresh, clock)
        self._articles: _Remembered[str, list[SuggestedArticle]] = _Remembered(fresh, clock)

    def offers(self, call: str, lines: Sequence[LiveLine]) -> Offers:
        """The offers for one call from its lines as heard now."""
        topics = self.topics()
        said = tuple((ln.n, ln.text, ln.final) for ln in lines if ln.speaker == "citizen")
        key = (call, id(topics), said)
        if (known := self._offers.get(key)) is not None:
            return known
        s = suggest(lines, topics)
        offers = Offers(call=call, phones=list(s.phones), addresses=list(s.addresses),
                        categories=list(s.categories), emergencies=list(s.emergencies),
                        articles=self._search(s.query))
        self._offers.put(key, offers)
        return offers

    def _search(self, query: str) -> list[SuggestedArticle]:
        if not query.strip():
            return []
        if (known := self._articles.get(query)) is not None:
            return known
        found = [SuggestedArticle(id=a["id"], question=a["question"], answer=a["answer"])
                 for a in self.kb.search(query, ARTICLES, every=False)]
        self._articles.put(query, found)
        return found
