"""The OpenAPI 3.1 description of the JSON API, assembled from the routes' own operations
(api/routes/): a route cannot be served undescribed or described unserved. Request bodies
come from the same dataclasses the API reads them into (api/forms.py)."""

from __future__ import annotations

from typing import Any

from callcenter.api.route import PREFIX
from callcenter.api.routes import every_route

DOCUMENT_PATH = "/openapi.json"


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {
        PREFIX + DOCUMENT_PATH: {"get": {"summary": "this document", "security": [],
                                         "responses": {"200": {"description": "OK"}}}}}
    for route in every_route():
        paths.setdefault(PREFIX + route.path, {})[route.method.lower()] = route.operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "12345 hotline work orders", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
