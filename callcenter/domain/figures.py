"""The hotline's figures, each defined once here with its numerator and denominator.

Every figure is a `Figure(value, numerator, denominator)` so anyone, a unit checking its own
figure included, can redo the sum. The definitions below are predicates on one stored call,
ticket or dialled unit; they are tallied (`Tally`) either here, row by row (`tally_rows`: the
reference), or in SQL by storage/figures_repo.py (streamed aggregation for the reports, the
console and the live numbers). tests/test_figures.py proves both tallies are equal on SQLite
and PostgreSQL. docs/figures.md lists every key.

Which period a thing belongs to:
- a call: the period in which it arrived (`started_at`);
- a ticket's registration figures: the period it was registered in (`registered_at`);
- its completion figures: the period its completion deadline fell in (`due_at`);
- its first-contact figures: the period its first-contact deadline fell in;
- its callback (回访) figures: the period of its deadline, or of its registration when it had
  none (answered directly, 直办);
- a unit dialled into a call (三方通话): when it was dialled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

WITHIN_S = 15.0
NIGHT_ROUTE = "night"  # the route the controller gives calls after hours (duty phone)
FINISHED_ELSEWHERE = frozenset({"parked", "merged"})  # not judged on the completion deadline
REPEAT_FROM = 2  # a ticket the citizen called about twice or more this year (重复来电)

FigureJson = dict[str, float | int | None]


class CallFacts(Protocol):
    """What the figures read of one stored call (storage/tables.CallRow has these)."""

    @property
    def started_at(self) -> datetime: ...
    @property
    def queue_joined_at(self) -> object: ...
    @property
    def answered_at(self) -> object: ...
    @property
    def wait_s(self) -> float | None: ...
    @property
    def talk_s(self) -> float | None: ...
    @property
    def disposition(self) -> str: ...
    @property
    def route(self) -> str | None: ...
    @property
    def seat(self) -> str | None: ...
    @property
    def caller_number(self) -> str: ...


class TicketFacts(Protocol):
    """What the figures read of one stored ticket (storage/ticket_tables.TicketRow)."""

    @property
    def status(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def lead_unit(self) -> str | None: ...
    @property
    def registered_by(self) -> str: ...
    @property
    def registered_at(self) -> datetime: ...
    @property
    def dispatched_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def replied_at(self) -> datetime | None: ...
    @property
    def first_contact_due(self) -> datetime | None: ...
    @property
    def first_contact_at(self) -> datetime | None: ...
    @property
    def supervised(self) -> bool: ...
    @property
    def returns(self) -> int: ...
    @property
    def extensions(self) -> int: ...
    @property
    def revisits(self) -> int: ...
    @property
    def repeats(self) -> int: ...
    @property
    def cb_reached(self) -> bool | None: ...
    @property
    def cb_solved(self) -> bool | None: ...
    @property
    def cb_satisfied(self) -> bool | None: ...


class PartyFacts(Protocol):
    """A unit's phone dialled into a call (storage/tables.PartyRow)."""

    @property
    def unit(self) -> str: ...
    @property
    def dialled_at(self) -> datetime: ...
    @property
    def answered_at(self) -> datetime | None: ...


class RingFacts(Protocol):
    """The queue rang a seat for a call (storage/tables.RingRow)."""

    @property
    def seat(self) -> str: ...
    @property
    def arrived_at(self) -> datetime: ...
    @property
    def answered(self) -> bool: ...
    @property
    def agent(self) -> str: ...   # logged in at the seat when it rang; "" for nobody


class CallbackFacts(Protocol):
    """A call back to a citizen, of a missed call or a closed ticket (CallbackRow)."""

    @property
    def requested_at(self) -> datetime: ...
    @property
    def state(self) -> str: ...


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    numerator: int
    denominator: int | None = None

    def as_json(self) -> FigureJson:
        return {"value": self.value, "numerator": self.numerator,
                "denominator": self.denominator}


def ratio(numerator: int, denominator: int) -> Figure:
    return Figure(round(numerator / denominator, 4) if denominator else None, numerator,
                  denominator)


def count(n: int) -> Figure:
    return Figure(n, n)


# -- calls, by when they arrived ------------------------------------------------------------
def arrived(c: CallFacts) -> bool:
    return True


def offered(c: CallFacts) -> bool:
    """Reached the queue: asked for a person."""
    return c.queue_joined_at is not None


def answered(c: CallFacts) -> bool:
    """Offered, and a seat answered it (the duty phone's calls are counted apart)."""
    return offered(c) and c.answered_at is not None and c.disposition != "in_progress"


def answered_within(c: CallFacts) -> bool:
    """Answered after at most 15 s in the queue (GB/T 33358: 15 秒内人工接通)."""
    return answered(c) and c.wait_s is not None and c.wait_s <= WITHIN_S


def abandoned_ivr(c: CallFacts) -> bool:
    """Hung up before reaching the queue (in the greeting or the menu)."""
    return c.disposition == "abandoned_ivr"


def abandoned_queue(c: CallFacts) -> bool:
    """Offered, and the citizen hung up while waiting."""
    return c.disposition == "abandoned_queue"


def after_hours(c: CallFacts) -> bool:
    """Came in outside the staffed hours and went to the duty phone."""
    return c.route == NIGHT_ROUTE


def after_hours_answered(c: CallFacts) -> bool:
    """After hours, and the duty phone answered."""
    return (after_hours(c) and c.answered_at is not None and c.disposition != "in_progress")


PREDICATES: Mapping[str, Callable[[CallFacts], bool]] = {
    "calls_total": arrived, "calls_offered": offered, "calls_answered": answered,
    "answered_within_15s": answered_within, "abandoned_ivr": abandoned_ivr,
    "abandoned_queue": abandoned_queue, "calls_after_hours": after_hours,
    "after_hours_answered": after_hours_answered}
# The live numbers count these per queue (the wallboard).
QUEUE_FIGURES = ("calls_offered", "calls_answered", "answered_within_15s", "abandoned_ivr",
                 "abandoned_queue")


def whole_seconds(s: float) -> int:
    """Waits and talks are binned in whole seconds (truncated) for their 90th percentile."""
    return int(s)


# -- callbacks (回拨, 回访 by phone), by when they were asked for ----------------------------------
PLACED = frozenset({"answered", "no_answer", "busy", "failed"})  # the line tried

CALLBACK_PREDICATES: Mapping[str, Callable[[CallbackFacts], bool]] = {
    "callbacks_requested": lambda c: True,
    "callbacks_placed": lambda c: c.state in PLACED,
    "callbacks_connected": lambda c: c.state == "answered",
}


# -- tickets --------------------------------------------------------------------------------
def when_registered(t: TicketFacts) -> datetime | None:
    return t.registered_at


def when_due(t: TicketFacts) -> datetime | None:
    return t.due_at


def when_contact_due(t: TicketFacts) -> datetime | None:
    return t.first_contact_due


def when_judged(t: TicketFacts) -> datetime | None:
    """A callback's figures go with the deadline's period, or the registration's without one."""
    return t.due_at if t.due_at is not None else t.registered_at


def _yes(t: TicketFacts) -> bool:
    return True


def judged_on_deadline(t: TicketFacts) -> bool:
    """应办结: a completion deadline (the period decides which), neither parked nor merged."""
    return t.due_at is not None and t.status not in FINISHED_ELSEWHERE


def on_time(t: TicketFacts) -> bool:
    """按时办结: the unit's reply came by the deadline."""
    return (judged_on_deadline(t) and t.replied_at is not None and t.due_at is not None
            and t.replied_at <= t.due_at)


def late(t: TicketFacts) -> bool:
    """超期: judged on its deadline, and no reply by then (the period is over, so it is late)."""
    return judged_on_deadline(t) and not on_time(t)


def contact_due(t: TicketFacts) -> bool:
    return t.first_contact_due is not None


def contacted_in_time(t: TicketFacts) -> bool:
    """先行联系: the unit contacted the citizen by the first-contact time."""
    return (t.first_contact_due is not None and t.first_contact_at is not None
            and t.first_contact_at <= t.first_contact_due)


# -- rings of a seat, by when their call arrived ----------------------------------------------
# A seat's 接通率 is the rings it picked up over the rings it was offered (the calls that rang
# it and went elsewhere, or were given up, count against it).
RING_PREDICATES: dict[str, Callable[[RingFacts], bool]] = {
    "rings": lambda r: True,
    "rings_answered": lambda r: r.answered,
}


# (name, which time places the ticket in a period, predicate)
TICKET_PREDICATES: tuple[tuple[str, Callable[[TicketFacts], datetime | None],
                               Callable[[TicketFacts], bool]], ...] = (
    ("tickets_registered", when_registered, _yes),
    ("answered_directly", when_registered, lambda t: t.status == "answered_directly"),
    ("dispatched", when_registered, lambda t: t.dispatched_at is not None),
    ("supervised", when_registered, lambda t: t.supervised),
    ("extended", when_registered, lambda t: t.extensions > 0),
    ("returned", when_registered, lambda t: t.returns > 0),
    ("parked", when_registered, lambda t: t.status == "parked"),
    ("revisited", when_registered, lambda t: t.revisits > 0),
    ("repeat_tickets", when_registered, lambda t: t.repeats >= REPEAT_FROM),
    ("due", when_due, judged_on_deadline),
    ("on_time", when_due, on_time),
    ("overdue", when_due, late),
    ("contact_due", when_contact_due, contact_due),
    ("contacted_in_time", when_contact_due, contacted_in_time),
    ("called_back", when_judged, lambda t: t.cb_reached is True),
    ("callback_unreached", when_judged, lambda t: t.cb_reached is False),
    ("solved", when_judged, lambda t: t.cb_reached is True and t.cb_solved is True),
    ("satisfied", when_judged, lambda t: t.cb_reached is True and t.cb_satisfied is True),
)
TICKET_GROUPS = ("channel", "kind", "category", "unit")

# KPI: (numerator, denominator), each a tallied count.
RATES = {
    "answer_rate": ("calls_answered", "calls_offered"),              # 接通率
    "within_15s_rate": ("answered_within_15s", "calls_answered"),
    "on_time_rate": ("on_time", "due"),                              # 按时办结率
    "first_contact_rate": ("contacted_in_time", "contact_due"),      # 先行联系率
    "resolution_rate": ("solved", "called_back"),                    # 实际解决率
    "satisfaction_rate": ("satisfied", "called_back"),               # 满意率
    "unit_answer_rate": ("unit_answered", "unit_dialled"),           # a unit's phone 接通率
    "ring_answer_rate": ("rings_answered", "rings"),                 # a seat's 接通率
    "connected_rate": ("callbacks_connected", "callbacks_placed"),   # 回拨接通率
}
UNIT_COUNTS = ("tickets_registered", "due", "on_time", "overdue", "contact_due",
               "contacted_in_time", "called_back", "solved", "satisfied", "unit_dialled",
               "unit_answered", "supervised", "returned", "extended")
# An agent is judged on the callbacks of the tickets they registered (by the callback's period).
AGENT_CALLBACKS = ("called_back", "solved", "satisfied")
AGENT_COUNTS = ("tickets_registered", "answered_directly", *AGENT_CALLBACKS, *RING_PREDICATES)
AGENT_RATES = ("resolution_rate", "satisfaction_rate", "ring_answer_rate")
SEAT_COUNTS = ("calls_answered", *RING_PREDICATES)
UNIT_RATES = ("on_time_rate", "first_contact_rate", "resolution_rate", "satisfaction_rate",
              "unit_answer_rate")


@dataclass
class Histogram:
    """Whole seconds -> calls, with the exact sum for the mean."""

    bins: Counter[int] = field(default_factory=Counter)
    total: float = 0.0

    def add(self, s: float, n: int = 1) -> None:
        self.bins[whole_seconds(s)] += n
        self.total += s * n

    def figures(self, name: str) -> dict[str, Figure]:
        n = sum(self.bins.values())
        mean = round(self.total / n, 1) if n else None
        return {f"{name}_mean_s": Figure(mean, round(self.total), n or None),
                f"{name}_p90_s": Figure(percentile(self.bins, 0.9), n, n or None)}


def percentile(bins: Mapping[int, int], q: float) -> int | None:
    """Nearest rank: the smallest whole second at or under which a share q of calls fall."""
    n = sum(bins.values())
    if not n:
        return None
    rank = -(-int(q * 1000) * n // 1000)  # ceil(q * n), exact for q in thousandths
    seen = 0
    for s in sorted(bins):
        seen += bins[s]
        if seen >= rank:
            return s
    return max(bins)


@dataclass
class Tally:
    """The counts every report is made of, however they were counted."""

    calls: Counter[str] = field(default_factory=Counter)
    wait: Histogram = field(default_factory=Histogram)
    talk: Histogram = field(default_factory=Histogram)
    per_hour: Counter[int] = field(default_factory=Counter)   # hours since the period start
    repeat_callers: int = 0
    tickets: Counter[str] = field(default_factory=Counter)
    by: dict[str, Counter[str]] = field(default_factory=dict)  # TICKET_GROUPS -> value -> n
    units: dict[str, Counter[str]] = field(default_factory=dict)
    seats: dict[str, Counter[str]] = field(default_factory=dict)    # calls by seat
    agents: dict[str, Counter[str]] = field(default_factory=dict)   # tickets by agent

    def counts(self) -> Counter[str]:
        return self.calls + self.tickets + Counter(repeat_callers=self.repeat_callers)

    def add(self, other: Tally) -> None:
        """Fold in another tally of the same period (parts counted apart)."""
        self.calls += other.calls
        self.per_hour += other.per_hour
        self.repeat_callers += other.repeat_callers
        self.tickets += other.tickets
        for mine, theirs in ((self.wait, other.wait), (self.talk, other.talk)):
            mine.bins += theirs.bins
            mine.total += theirs.total
        for table, more in ((self.by, other.by), (self.units, other.units),
                            (self.seats, other.seats), (self.agents, other.agents)):
            for key, counts in more.items():
                table.setdefault(key, Counter()).update(counts)


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def tally_rows(calls: Iterable[CallFacts], tickets: Iterable[TicketFacts],
               parties: Iterable[PartyFacts], start: datetime, end: datetime,
               callbacks: Iterable[CallbackFacts] = (), rings: Iterable[RingFacts] = ()
               ) -> Tally:
    """The reference tally, one row at a time (tests; and the meaning of every figure)."""
    t = Tally()
    for r in rings:
        if _in(r.arrived_at, start, end):
            seat = t.seats.setdefault(r.seat, Counter())
            for name, rung in RING_PREDICATES.items():
                if rung(r):
                    t.calls[name] += 1
                    seat[name] += 1
                    if r.agent:
                        t.agents.setdefault(r.agent, Counter())[name] += 1
    for cb in callbacks:
        if _in(cb.requested_at, start, end):
            for name, asked in CALLBACK_PREDICATES.items():
                if asked(cb):
                    t.calls[name] += 1
    callers: Counter[str] = Counter()
    for c in calls:
        if not _in(c.started_at, start, end):
            continue
        for name, pred in PREDICATES.items():
            if pred(c):
                t.calls[name] += 1
        t.per_hour[int((c.started_at - start).total_seconds() // 3600)] += 1
        if c.caller_number:
            callers[c.caller_number] += 1
        if answered(c):
            if c.wait_s is not None:
                t.wait.add(c.wait_s)
            if c.talk_s is not None:
                t.talk.add(c.talk_s)
            if c.seat:
                seat = t.seats.setdefault(c.seat, Counter())
                seat["calls_answered"] += 1
                seat["talk_s"] += whole_seconds(c.talk_s or 0)
    t.repeat_callers = sum(1 for n in callers.values() if n >= REPEAT_FROM)
    for tk in tickets:
        for name, when, holds in TICKET_PREDICATES:
            if _in(when(tk), start, end) and holds(tk):
                t.tickets[name] += 1
                if tk.lead_unit:
                    t.units.setdefault(tk.lead_unit, Counter())[name] += 1
                if name in AGENT_CALLBACKS:
                    t.agents.setdefault(tk.registered_by, Counter())[name] += 1
        if _in(tk.registered_at, start, end):
            for group in TICKET_GROUPS:
                value = tk.lead_unit if group == "unit" else getattr(tk, group)
                t.by.setdefault(group, Counter())[value or "-"] += 1
            agent = t.agents.setdefault(tk.registered_by, Counter())
            agent["tickets_registered"] += 1
            if tk.status == "answered_directly":
                agent["answered_directly"] += 1
    for p in parties:
        if _in(p.dialled_at, start, end):
            unit = t.units.setdefault(p.unit, Counter())
            unit["unit_dialled"] += 1
            t.tickets["unit_dialled"] += 1
            if p.answered_at is not None:
                unit["unit_answered"] += 1
                t.tickets["unit_answered"] += 1
    return t


def _rates(counts: Mapping[str, int], names: Iterable[str]) -> dict[str, FigureJson]:
    return {n: ratio(counts.get(RATES[n][0], 0), counts.get(RATES[n][1], 0)).as_json()
            for n in names}


def call_figures(counts: Mapping[str, int]) -> dict[str, FigureJson]:
    """The live numbers of one queue (or all) from the counts of QUEUE_FIGURES."""
    out = {name: count(counts.get(name, 0)).as_json() for name in QUEUE_FIGURES}
    return out | _rates(counts, ("answer_rate", "within_15s_rate"))


def figures(t: Tally) -> dict[str, FigureJson]:
    """Every hotline-wide figure, under its documented key (docs/figures.md)."""
    counts = t.counts()
    out = {name: count(counts.get(name, 0)).as_json()
           for name in (*PREDICATES, *CALLBACK_PREDICATES, *RING_PREDICATES,
                        *(n for n, _, _ in TICKET_PREDICATES),
                        "unit_dialled", "unit_answered", "repeat_callers")}
    for name, hist in (("wait", t.wait), ("talk", t.talk)):
        out |= {k: f.as_json() for k, f in hist.figures(name).items()}
    return out | _rates(counts, RATES)


def unit_figures(t: Tally) -> dict[str, dict[str, FigureJson]]:
    return {unit: {n: count(c.get(n, 0)).as_json() for n in UNIT_COUNTS} | _rates(c, UNIT_RATES)
            for unit, c in sorted(t.units.items())}


def people_figures(t: Tally) -> dict[str, dict[str, dict[str, FigureJson]]]:
    seats = {seat: {n: count(c[n]).as_json() for n in SEAT_COUNTS}
             | {"talk_mean_s": Figure(round(c["talk_s"] / c["calls_answered"], 1)
                                      if c["calls_answered"] else None, c["talk_s"],
                                      c["calls_answered"]).as_json()}
             | _rates(c, ("ring_answer_rate",))
             for seat, c in sorted(t.seats.items())}
    agents = {a: {n: count(c.get(n, 0)).as_json() for n in AGENT_COUNTS}
              | _rates(c, AGENT_RATES) for a, c in sorted(t.agents.items())}
    return {"seats": seats, "agents": agents}
