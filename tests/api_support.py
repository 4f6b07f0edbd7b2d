"""Calling the JSON API from a test as a bearer of a token."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

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
