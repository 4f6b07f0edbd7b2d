"""The console over a test's ticket service: people with cheap password hashing, the public
desk, the API's services; and a signed-in aiohttp client."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient
from api_support import api_of
from argon2 import PasswordHasher
from tickets_support import TZ, engine_of, hotline_over

from callcenter.console.app import Console
from callcenter.domain.people import Person
from callcenter.domain.privacy import Role, UnitRole
from callcenter.services.people import People
from callcenter.services.tickets import TicketService

PASSWORD = "correct horse battery"
# Cheap parameters: the tests check the console, not argon2's cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF = {  # the people of the tests, by account
    "agent-7": Person("agent-7", "张三", Role.AGENT),
    "office-1": Person("office-1", "李班长", Role.SUPERVISOR),
    "li": Person("li", "李四", Role.UNIT, "u-wuye"),
    "zhao": Person("zhao", "赵六", Role.UNIT, "u-water", UnitRole.HEAD),
    "shen": Person("shen", "沈审计", Role.AUDITOR),
    "root": Person("root", "管理员", Role.ADMIN),
}


def console_of(service: TicketService, **parts: Any) -> Console:
    hotline = hotline_over(engine_of(service.uow), service.rules, service.clock)
    people = People(hotline.store, service.clock, hasher=FAST)
    for person in STAFF.values():
        people.create(None, person, PASSWORD)
    return replace(hotline.console(tokens={}), api=api_of(service, {}, **parts), people=people,
                   tz=TZ)


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def sign_in(client: TestClient[Any, Any], account: str) -> str:
    """Signs the client in; returns the session's CSRF token."""
    page = await (await client.get("/signin")).text()
    r = await client.post("/signin", data={"_csrf": csrf_of(page), "account": account,
                                           "password": PASSWORD, "next": "/"},
                          allow_redirects=False)
    assert r.status == 303, await r.text()
    return csrf_of(await (await client.get("/password")).text())
