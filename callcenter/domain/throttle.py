"""How often a key (an account, an address, a ticket number) may try something in a window:
sign-in attempts and the public ticket check. Pure and clock-free: the caller says when."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Throttle:
    limit: int          # tries allowed within `window`; the next one is refused
    window: timedelta
    max_keys: int = 100_000  # beyond it the stalest keys are forgotten: memory stays bounded
    _tries: dict[str, deque[datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= timedelta(0):
            raise ValueError("a throttle allows at least one try in a positive window")

    def attempt(self, key: str, now: datetime) -> bool:
        """Counts a try; False when it is over the limit (a refused try counts too, so
        hammering keeps the door shut)."""
        tries = self._tries.get(key)
        if tries is None:
            if len(self._tries) >= self.max_keys:
                self._forget(now)
            tries = self._tries[key] = deque()
        while tries and now - tries[0] >= self.window:
            tries.popleft()
        tries.append(now)
        return len(tries) <= self.limit

    def blocked(self, key: str, now: datetime) -> bool:
        """Whether a try now would be refused, without counting one."""
        tries = self._tries.get(key, deque())
        return sum(1 for t in tries if now - t < self.window) >= self.limit

    def clear(self, key: str) -> None:
        self._tries.pop(key, None)

    def _forget(self, now: datetime) -> None:
        for key in [k for k, t in self._tries.items() if not t or now - t[-1] >= self.window]:
            del self._tries[key]
        while len(self._tries) >= self.max_keys:  # all fresh: drop the oldest inserted
            del self._tries[next(iter(self._tries))]
