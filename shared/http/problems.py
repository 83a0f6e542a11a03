"""RFC 9457 problem+json for every error the HTTP edge returns.

Domain errors map to their status codes; request validation errors name the
offending field in ``detail`` so a lead can correct a form without guessing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import ConcurrencyConflict, Conflict, DomainError, Invalid, NotFound
from shared.http.deps import record_refusal
from shared.messaging.failures import is_passing
from shared.observability.logging import correlation_id
from shared.text import CODE_RULE

PROBLEM = "application/problem+json"
error_log = logging.getLogger("pmf.http")

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
}

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
        {"field": _field_path(tuple(e.get("loc", ()))), "message": _message(e)}
        for e in errors
    ]
    sentence = "; ".join(f"{i['field']}: {i['message']}" for i in items[:10])
    return sentence or "The request is not valid", items


def _message(error: dict[str, Any]) -> str:
    """Pydantic's message, in words a person can act on where it is a regex."""
    message = str(error.get("msg")).removeprefix("Value error, ")
    loc = [str(p) for p in error.get("loc", ())]
    if error.get("type") == "string_pattern_mismatch" and loc and "code" in loc[-1]:
        return CODE_RULE.removeprefix("code ")
    if error.get("type") == "string_unicode":
        return "must not contain U+D800-U+DFFF (a lone surrogate): not valid text"
    if error.get("type") == "string_pattern_mismatch" and "Occurred-At" in loc:
        return "must be an ISO 8601 date-time such as 2009-01-05T10:00:00Z"
    return message


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def unique_keys(request: Request) -> None:
    """Refuse a JSON body that names a key twice in one object (400).

    JSON parsers disagree on which of two equal keys wins, so a body such as
    ``{"value": 1, "value": 99}`` could mean different things to a proxy, an
    audit tool and pmf; it is refused rather than guessed at. Runs as a
    dependency of every API route, after the body was read and validated, so
    it costs a second parse only of bodies that are otherwise good.
    """
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        return
    body = await request.body()
    if not body:
        return
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as dup:
        raise HTTPException(
            400, f"The JSON names the key {dup.key!r} twice in one object"
        ) from None
    except ValueError:
        return  # not JSON at all: the body's own validation has said so


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
        title = TITLES.get(exc.status_code, "Error")
        if exc.status_code in (401, 403):
            await run_in_threadpool(
                record_refusal, request, exc.status_code, str(exc.detail)
            )
        response = problem(exc.status_code, title, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the exception with its traceback as well; this line
        # ties it to the correlation id the caller was given.
        cid = correlation_id.get() or None
        if is_passing(exc):  # the database or broker is away: not our bug
            error_log.warning(
                "%s on %s %s: a dependency is not answering",
                type(exc).__name__,
                request.method,
                request.url.path,
                extra={"correlation_id": cid},
            )
            busy = problem(
                503,
                "Service unavailable",
                "The database or message broker is not answering; "
                "try again in a few seconds",
                correlation_id=cid,
            )
            busy.headers["Retry-After"] = "5"
            return busy
        error_log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            extra={"correlation_id": cid},
        )
        detail = "Something went wrong on the server"
        if cid:
            detail += f" (quote correlation id {cid} when reporting it)"
        return problem(500, TITLES[500], detail, correlation_id=cid)
