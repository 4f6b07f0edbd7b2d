"""A route of the JSON API: method, path, handler and its OpenAPI operation, declared together
so the document is assembled from the routes themselves and cannot drift from them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from callcenter.api.services import Api

Handler = Callable[["Api", web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under PREFIX, with {name} for path parameters
    handler: Handler
    operation: dict[str, Any]


class Routes(list[Route]):
    """One feature's routes, each added by decorating its handler."""

    def add(self, method: str, path: str, operation: dict[str, Any]
            ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.append(Route(method, path, handler, operation))
            return handler
        return register

    def get(self, path: str, operation: dict[str, Any]) -> Callable[[Handler], Handler]:
        return self.add("GET", path, operation)

    def post(self, path: str, operation: dict[str, Any]) -> Callable[[Handler], Handler]:
        return self.add("POST", path, operation)

    def put(self, path: str, operation: dict[str, Any]) -> Callable[[Handler], Handler]:
        return self.add("PUT", path, operation)
