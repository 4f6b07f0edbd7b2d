"""The knowledge base: search, articles, not-found and correction requests."""

from __future__ import annotations

from aiohttp import web

from callcenter.api import forms
from callcenter.api.http import answer, body, body_object, path_int, query_int, run
from callcenter.api.route import Routes
from callcenter.api.schema import ID, fields_schema, op, query
from callcenter.api.services import Api
from callcenter.domain.kb import Article, RequestKind
from callcenter.services.errors import ValidationFailed

routes = Routes()


@routes.get("/kb/search", op("search the knowledge base (Chinese words)", params=[
    query("q", {"type": "string", "maxLength": 200}, True),
    query("limit", {"type": "integer", "minimum": 1, "maximum": 100})]))
async def search(api: Api, request: web.Request) -> web.Response:
    api.viewer(request)
    q = request.query.get("q", "")
    if not q.strip() or len(q) > 200:
        raise ValidationFailed({"q": "1-200 characters"})
    limit = query_int(request, "limit", 20, 1, 100)
    return answer({"items": await run(api.kb.search, q, limit)})


@routes.get("/kb/articles/{id}", op("one article", params=[ID]))
async def get_article(api: Api, request: web.Request) -> web.Response:
    api.viewer(request)
    return answer(await run(api.kb.get, path_int(request, "id")))


async def _save(api: Api, request: web.Request, article_id: int | None) -> web.Response:
    who = api.viewer(request)
    art = forms.article(await body(request))
    saved = await run(api.kb.save, art, who, article_id)
    return answer(await run(api.kb.get, saved), 201 if article_id is None else 200)


@routes.post("/kb/articles", op("write an article", forms.object_schema(Article), ok="201"))
async def write_article(api: Api, request: web.Request) -> web.Response:
    return await _save(api, request, None)


@routes.put("/kb/articles/{id}", op("rewrite an article", forms.object_schema(Article),
                                    params=[ID]))
async def rewrite_article(api: Api, request: web.Request) -> web.Response:
    return await _save(api, request, path_int(request, "id"))


@routes.post("/kb/requests", op("file a not-found or correction request", fields_schema(
    ["kind", "text"], kind={"type": "string", "enum": ["not_found", "correction"]},
    text={"type": "string"}, unit={"type": "string"}, article_id={"type": "integer"}),
    ok="201"))
async def file_request(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    data = await body(request)
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "a JSON object"})
    try:
        kind = RequestKind(str(data.get("kind")))
    except ValueError:
        raise ValidationFailed({"kind": "not_found or correction"}) from None
    text, unit, article_id = data.get("text"), data.get("unit"), data.get("article_id")
    if not isinstance(text, str) or (unit is not None and not isinstance(unit, str)) or (
            article_id is not None and not (isinstance(article_id, int)
                                            and 0 < article_id < 2**31)):
        raise ValidationFailed({"body": "text: string, unit: string, article_id: integer"})
    rid = await run(api.kb.request, kind, text, who, unit, article_id)
    return answer({"id": rid}, 201)


@routes.get("/kb/requests", op("open requests (a unit sees its own)"))
async def open_requests(api: Api, request: web.Request) -> web.Response:
    return answer({"items": await run(api.kb.open_requests, api.viewer(request))})


@routes.post("/kb/requests/{id}/resolve", op(
    "settle a request", fields_schema(["resolution"], resolution={"type": "string"}),
    params=[ID]))
async def resolve(api: Api, request: web.Request) -> web.Response:
    who = api.viewer(request)
    resolution = (await body_object(request)).get("resolution")
    if not isinstance(resolution, str):
        raise ValidationFailed({"resolution": "required"})
    await run(api.kb.resolve, path_int(request, "id"), resolution, who)
    return answer({"resolved": True})
