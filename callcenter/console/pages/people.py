"""People, for the administrator: who may sign in with which role, a one-time sign-in link for
someone new (or who forgot their password), disabling someone (their sessions end at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from callcenter.api.http import run
from callcenter.console.page import Pages, render, signed_in
from callcenter.domain.access import people as access
from callcenter.domain.people import LANGUAGES, SIGN_IN_ROLES, Person
from callcenter.domain.privacy import Role, UnitRole
from callcenter.services.errors import NotFound, ValidationFailed, require

if TYPE_CHECKING:
    from callcenter.console.app import Console

pages = Pages()


async def _page(console: Console, request: web.Request, status: int = 200,
                **shown: object) -> web.StreamResponse:
    session = signed_in(request)
    items = await run(console.people.listing, session.viewer)
    return render(request, "people.html", status=status, items=items, roles=SIGN_IN_ROLES,
                  unit_roles=list(UnitRole), languages=LANGUAGES,
                  **{"link": "", "problems": {}, "done": "", **shown})


def _link(request: web.Request, token: str) -> str:
    return f"{request.scheme}://{request.host}/signin/link/{token}"


@pages.get("/people")
async def people(console: Console, request: web.Request) -> web.StreamResponse:
    require(access.manage(signed_in(request).viewer))
    return await _page(console, request)


@pages.post("/people")
async def act(console: Console, request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    require(access.manage(session.viewer))
    form = await request.post()
    what, pid = str(form.get("action", "")), str(form.get("id", ""))[:64]
    try:
        if what == "add":
            role = str(form.get("role", ""))
            if role not in {r.value for r in SIGN_IN_ROLES}:
                raise ValidationFailed({"role": "choose a role"})
            unit = str(form.get("unit", "")).strip() or None
            unit_role = UnitRole(str(form.get("unit_role", "staff"))) \
                if role == Role.UNIT.value else UnitRole.STAFF
            person = Person(pid, str(form.get("name", ""))[:65], Role(role), unit, unit_role,
                            str(form.get("language", "zh")))
            token = await run(console.people.create, session.viewer, person)
            return await _page(console, request, link=_link(request, token), done=pid)
        if what == "link":
            token = await run(console.people.sign_in_link, session.viewer, pid)
            return await _page(console, request, link=_link(request, token), done=pid)
        if what in ("disable", "enable"):
            await run(console.people.set_disabled, session.viewer, pid, what == "disable")
            return await _page(console, request, done=pid)
        raise ValidationFailed({"action": "add, link, disable or enable"})
    except ValidationFailed as exc:
        return await _page(console, request, status=422, problems=exc.fields)
    except NotFound as exc:
        return await _page(console, request, status=404, problems={"id": str(exc)})
