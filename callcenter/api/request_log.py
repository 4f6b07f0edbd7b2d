"""The access log of the API and the console: method, path, status and time — never the
query string (a search for what a citizen said, a caller's number, a name typed into a
filter) and never a one-time sign-in link's token."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

LINK = "/signin/link/"


def logged_path(request: web.BaseRequest) -> str:
    path = request.path
    return LINK + "…" if path.startswith(LINK) else path


class RequestLog(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, logged_path(request),
                         response.status, time)
