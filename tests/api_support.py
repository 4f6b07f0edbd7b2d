"""Calling the JSON API from a test as a bearer of a token."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient
from tickets_support import engine_of, hotline_over

from callcenter.api.services import Api
from callcenter.services.tickets import TicketService

Call = Callable[..., Awaitable[Any]]


def caller(client: TestClient[Any, Any], prefix: str = "/api/v1") -> Call:
    """call(token, method, url, body=None, expect=200) -> the JSON answer, its status checked."""

    async def call(token: str, method: str, url: str, body: Any = None,
                   expect: int = 200) -> Any:
        r = await client.request(method, prefix + url, json=body,
                                 headers={"Authorization": f"Bearer {token}"})
        data = await r.json()
        assert r.status == expect, (r.status, data)
        return data

    return call


def api_of(service: TicketService, tokens: Any, seats: Sequence[str] = (), **parts: Any) -> Api:
    """The API bootstrap builds, over a test's ticket service (its store, rules and clock);
    callbacks, duty and reports are not served unless handed in."""
    api = hotline_over(engine_of(service.uow), service.rules, service.clock, seats).api(tokens)
    return replace(api, tickets=service, **{"callbacks": None, "duty": None, "reports": None,
                                            **parts})
