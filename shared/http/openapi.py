"""The OpenAPI document tells clients how pmf answers when it says no.

Every API route lists the problem+json answers it can give (400, 401, 403,
404, 409, 413, 422) with one shared ``Problem`` schema, in place of FastAPI's
default validation-error schema, which pmf never sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.http.problems import PROBLEM, TITLES

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "correlation_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_REF = {"$ref": "#/components/schemas/Problem"}
CODES = (400, 401, 403, 404, 409, 413, 422)
_WHY = {
    400: "The body is not JSON, or names a key twice",
    401: "The bearer token is missing or not valid",
    403: "The caller's role may not do this",
    404: "The thing named does not exist",
    409: "A stale If-Match version, or a duplicate",
    413: "The body is larger than the limit",
    422: "A field breaks a rule; detail and errors name it",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": f"{TITLES[code]}: {_WHY[code]}"} for code in CODES
}


def install(app: FastAPI) -> None:
    """Serve an OpenAPI document whose error answers are problem+json."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for code, answer in operation["responses"].items():
                    if str(code).startswith(("4", "5")):
                        answer["content"] = {PROBLEM: {"schema": _REF}}
        app.openapi_schema = doc
        return doc

    app.openapi = build  # type: ignore[method-assign]
