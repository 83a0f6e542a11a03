"""RFC 9457 problem+json for every error the HTTP edge returns.

Domain errors map to their status codes; request validation errors name the
offending field in ``detail`` so a lead can correct a form without guessing.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import ConcurrencyConflict, Conflict, DomainError, Invalid, NotFound
from shared.http.deps import record_refusal

PROBLEM = "application/problem+json"

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (ConcurrencyConflict, 409),
    (Conflict, 409),
    (Invalid, 422),
]


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def status_of(exc: DomainError) -> int:
    """The HTTP status for a domain error."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def describe_validation(
    errors: list[dict[str, Any]],
) -> tuple[str, list[dict[str, str]]]:
    """A readable sentence and a list of ``{"field", "message"}`` for each error."""
    items = [
        {"field": _field_path(tuple(e.get("loc", ()))), "message": str(e.get("msg"))}
        for e in errors
    ]
    sentence = "; ".join(f"{i['field']}: {i['message']}" for i in items[:10])
    return sentence or "The request is not valid", items


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return problem(status_of(exc), exc.title, exc.detail, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(
        _request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        detail, items = describe_validation(list(exc.errors()))
        return problem(422, "Invalid input", detail, errors=items)

    @app.exception_handler(RecursionError)
    async def _nested(_request: Request, _exc: RecursionError) -> JSONResponse:
        return problem(422, "Invalid input", "The JSON is nested too deeply")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {
            400: "Bad request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
        }.get(exc.status_code, "Error")
        if exc.status_code in (401, 403):
            await run_in_threadpool(
                record_refusal, request, exc.status_code, str(exc.detail)
            )
        response = problem(exc.status_code, title, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response
