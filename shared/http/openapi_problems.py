"""The error answers of every operation, written into the OpenAPI document.

FastAPI documents a 422 with its own ``HTTPValidationError`` body as
``application/json``, and no other error at all; pmf answers every error as
RFC 9457 problem+json (``shared.http.problems``). So that clients (and the
schema-driven tests) can rely on the document, each operation lists the
problems it may answer: 400, 401, 403, 404 and 422 everywhere (reads may need a
token when anonymous reads are off), and 409 and 413 for writes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.http.problems import PROBLEM

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
    "additionalProperties": True,
}
WHY = {
    "400": "Bad request",
    "401": "A bearer token is needed, or the one given is not valid",
    "403": "The token's role may not do this",
    "404": "Not found",
    "409": "Conflict: a stale If-Match version or a duplicate",
    "413": "The request body is too large",
    "422": "Invalid input: the detail names the field",
}
READ_PROBLEMS = ("400", "401", "403", "404", "422")
WRITE_PROBLEMS = (*READ_PROBLEMS, "409", "413")
REF = {"$ref": "#/components/schemas/Problem"}


def add_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the problem answers added to every operation."""
    document.setdefault("components", {}).setdefault("schemas", {})
    schemas = document["components"]["schemas"]
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path in document.get("paths", {}).values():
        for method, operation in path.items():
            if method in ("parameters", "summary", "description"):
                continue
            codes = READ_PROBLEMS if method in ("get", "head") else WRITE_PROBLEMS
            responses = operation.setdefault("responses", {})
            for code in codes:
                answer = responses.setdefault(code, {"description": WHY[code]})
                if code == "422":
                    answer["description"] = WHY[code]
                answer["content"] = {PROBLEM: {"schema": REF}}
    return document


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` carry the problem answers (built once, cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problems(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
