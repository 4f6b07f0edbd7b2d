"""The hotline's call figures, each defined once with its numerator and denominator.

A figure is a `Figure(value, numerator, denominator)` so anyone can check it. The definitions
are predicates on one stored call (`CallFacts`); storage/figures_repo.py mirrors them in SQL
for aggregation over many calls, and tests/test_figures.py proves both count the same calls.

- calls_offered: calls that reached the queue (asked for a person).
- calls_answered: offered calls a seat (or the duty phone) answered.
- answered_within_15s: answered calls whose wait in the queue was at most 15 s
  (GB/T 33358: 15 秒内人工接通).
- abandoned_ivr: calls that hung up before reaching the queue (in the greeting or the menu).
- abandoned_queue: offered calls the citizen hung up while waiting.
- answer_rate (接通率): calls_answered / calls_offered (GB/T 33358: ≥ 95 %).
- within_15s_rate: answered_within_15s / calls_answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

WITHIN_S = 15.0


class CallFacts(Protocol):
    """What the figures read of one stored call (storage/tables.CallRow has these)."""

    @property
    def queue_joined_at(self) -> object: ...
    @property
    def answered_at(self) -> object: ...
    @property
    def wait_s(self) -> float | None: ...
    @property
    def disposition(self) -> str: ...


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    numerator: int
    denominator: int | None = None

    def as_json(self) -> dict[str, float | int | None]:
        return {"value": self.value, "numerator": self.numerator,
                "denominator": self.denominator}


def ratio(numerator: int, denominator: int) -> Figure:
    return Figure(round(numerator / denominator, 4) if denominator else None, numerator,
                  denominator)


def count(n: int) -> Figure:
    return Figure(n, n)


def offered(c: CallFacts) -> bool:
    return c.queue_joined_at is not None


def answered(c: CallFacts) -> bool:
    return c.answered_at is not None and c.disposition != "in_progress"


def answered_within(c: CallFacts) -> bool:
    return answered(c) and c.wait_s is not None and c.wait_s <= WITHIN_S


def abandoned_ivr(c: CallFacts) -> bool:
    return c.disposition == "abandoned_ivr"


def abandoned_queue(c: CallFacts) -> bool:
    return c.disposition == "abandoned_queue"


PREDICATES = {"calls_offered": offered, "calls_answered": answered,
              "answered_within_15s": answered_within, "abandoned_ivr": abandoned_ivr,
              "abandoned_queue": abandoned_queue}


def call_figures(counts: dict[str, int]) -> dict[str, dict[str, float | int | None]]:
    """The figures from the counts of PREDICATES (however they were counted)."""
    out = {name: count(counts.get(name, 0)) for name in PREDICATES}
    out["answer_rate"] = ratio(counts.get("calls_answered", 0), counts.get("calls_offered", 0))
    out["within_15s_rate"] = ratio(counts.get("answered_within_15s", 0),
                                   counts.get("calls_answered", 0))
    return {k: v.as_json() for k, v in out.items()}
