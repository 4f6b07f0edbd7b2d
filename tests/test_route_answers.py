"""The route answer ("what now with this caller?") is computed at most once a second and
given from memory meanwhile; a change is heard within a second, a broken store never makes
an answer older than ten seconds. Clock injected; the routing is a stand-in (pure rule)."""

import asyncio

import pytest

from callcenter.telephony.agi.route import RouteAnswers


class Routing:
    def __init__(self):
        self.answer = {"CC_ROUTE": "queue"}
        self.asked = 0
        self.fail = False

    def route(self):
        self.asked += 1
        if self.fail:
            raise ConnectionRefusedError("store away")
        return dict(self.answer)


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


async def test_many_callers_in_a_second_cost_one_look():
    routing, clock = Routing(), Clock()
    answers = RouteAnswers(routing, clock=clock)  # type: ignore[arg-type]
    got = await asyncio.gather(*(answers.current() for _ in range(50)))
    assert all(g == {"CC_ROUTE": "queue"} for g in got)
    assert routing.asked == 1


async def test_a_forced_night_is_heard_within_a_second():
    routing, clock = Routing(), Clock()
    answers = RouteAnswers(routing, clock=clock)  # type: ignore[arg-type]
    await answers.current()
    routing.answer = {"CC_ROUTE": "night", "CC_DUTY_NUMBER": "13900000011"}
    clock.now += 0.5
    assert (await answers.current())["CC_ROUTE"] == "queue"  # still fresh
    clock.now += 0.6
    assert (await answers.current())["CC_ROUTE"] == "queue"  # given at once, looked again
    await asyncio.sleep(0.05)
    assert (await answers.current())["CC_ROUTE"] == "night"
    assert routing.asked == 2


async def test_a_broken_store_never_gives_an_answer_older_than_ten_seconds():
    routing, clock = Routing(), Clock()
    answers = RouteAnswers(routing, clock=clock)  # type: ignore[arg-type]
    await answers.current()
    routing.fail = True
    clock.now += 5
    assert (await answers.current())["CC_ROUTE"] == "queue"
    await asyncio.sleep(0.05)
    clock.now += 5
    with pytest.raises(ConnectionRefusedError):  # the dialplan's fallback takes the call
        await answers.current()
    routing.fail = False
    assert (await answers.current())["CC_ROUTE"] == "queue"
