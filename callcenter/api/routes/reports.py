"""Stored reports: the list, one report in JSON, HTML, PDF or XLSX, producing again."""

from __future__ import annotations

from aiohttp import web

from callcenter.api.http import answer, query_int, run
from callcenter.api.route import Routes
from callcenter.api.schema import ERRORS, op, query
from callcenter.api.services import Api
from callcenter.domain.report_periods import ReportKind
from callcenter.reports.render_files import FORMATS
from callcenter.reports.render_files import render as render_report
from callcenter.services.errors import ValidationFailed

routes = Routes()
_PARAMS = [
    {"name": "kind", "in": "path", "required": True,
     "schema": {"type": "string", "enum": ["daily", "weekly", "monthly"]}},
    {"name": "period", "in": "path", "required": True,
     "schema": {"type": "string", "pattern": r"^\d{4}-(\d{2}-\d{2}|W\d{2}|\d{2})"
                                            r"(\.(json|html|pdf|xlsx))?$"}}]


def _format(request: web.Request) -> tuple[str, str]:
    """The period's name and the format asked for: "2026-12-01.pdf", or Accept."""
    period = request.match_info["period"]
    stem, dot, suffix = period.rpartition(".")
    if dot:
        if suffix not in FORMATS:
            raise ValidationFailed({"period": f"a suffix is one of {', '.join(FORMATS)}"})
        return stem, suffix
    accept = request.headers.get("Accept", "")
    for fmt in ("pdf", "xlsx", "html"):
        if FORMATS[fmt].split(";")[0] in accept:
            return period, fmt
    return period, "json"


@routes.get("/reports", op(
    "stored reports, every version, newest period first (the office; units' leaders "
    "and heads)", params=[query("kind", {"type": "string", "enum": list(ReportKind)}),
                          query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                          query("offset", {"type": "integer", "minimum": 0})]))
async def listing(api: Api, request: web.Request) -> web.Response:
    kind = request.query.get("kind")
    limit = query_int(request, "limit", 100, 1, 500)
    offset = query_int(request, "offset", 0, 0, 10**9)
    return answer({"items": await run(api.reports_service().listing, api.viewer(request), kind,
                                      limit, offset)})


@routes.get("/reports/{kind}/{period}", {**op(
    "a report (daily 日综述 16:00-16:00, weekly, monthly): the latest version unless "
    "`version` names one; produced now if its period is over and it never was. JSON "
    "with `period` as aware local times and each figure as value, numerator, "
    "denominator under its key (docs/figures.md); HTML, PDF or XLSX by the period's "
    "suffix (2026-12-01.pdf) or Accept. A unit's head reads its own sections only",
    params=[*_PARAMS, query("version", {"type": "integer", "minimum": 1}),
            query("unit", {"type": "string", "maxLength": 64}),
            query("lang", {"type": "string", "enum": ["zh", "en"]})]),
    "responses": {"200": {"description": "the report", "content": {
        mime.split(";")[0]: {"schema": {"type": "object"} if fmt == "json" else
                             {"type": "string"}}
        for fmt, mime in FORMATS.items()}}, **ERRORS}})
async def report(api: Api, request: web.Request) -> web.Response:
    """One report as JSON, HTML, PDF or XLSX: by the path's suffix, else by Accept."""
    name, fmt = _format(request)
    lang = request.query.get("lang", api.report_language)
    if lang not in ("zh", "en"):
        raise ValidationFailed({"lang": "zh or en"})
    version = query_int(request, "version", 0, 1, 10**6) or None
    unit = request.query.get("unit") or None
    content = await run(api.reports_service().view, api.viewer(request),
                        request.match_info["kind"], name, version, unit)
    if fmt == "json":
        return answer(content)
    data = await run(render_report, content, fmt, lang)
    disposition = "inline" if fmt == "html" else \
        f'attachment; filename="{content["kind"]}-{content["name"]}.{fmt}"'
    headers = {"Content-Disposition": disposition}
    if fmt == "html":  # the page has no scripts and loads nothing from anywhere
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return web.Response(body=data, content_type=FORMATS[fmt].split(";")[0],
                        charset="utf-8" if fmt == "html" else None, headers=headers)


@routes.post("/reports/{kind}/{period}/produce", op(
    "produce a period's report again: the same content stores nothing, late data a "
    "new version (the office)", params=_PARAMS, ok="201"))
async def produce(api: Api, request: web.Request) -> web.Response:
    made = await run(api.reports_service().produce_as, api.viewer(request),
                     request.match_info["kind"], request.match_info["period"])
    return answer({**made.report.summary(), "new": made.new}, 201 if made.new else 200)
