"""``pmf serve web``: one address for the staff pages and the API in
distributed mode.

In distributed mode each service has its own port, and the HTTP API of
PRODUCT.md section 7 is split across them. Clients and staff should not need
to know that: the gateway takes every ``/api/v1/...`` request and passes it,
unchanged (method, path, query, body, ``Authorization`` and correlation
headers), to the service that owns the route (the table in
:mod:`services.demo.routing`, documented in docs/distributed.md), and passes
the answer back. Tokens are checked by the service that answers, as when it is
called directly, so the gateway holds no secrets and no state of its own
(the pages' sessions are in the token database).

A route no service serves is 404 problem+json; a service that cannot be
reached is 503 problem+json with ``Retry-After``, naming the service, so a
client retries. ``/readyz`` is the four services' readiness together: down if
any one is down or unreachable (or, with the staff pages, the token database).

Beside the API it serves the staff pages (``services.web.distributed``): the
same pages as ``pmf run``, which read and send through the same routes with
the signed-in visitor's own token, so staff too use this one address in both
modes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from services.demo.routing import RoutingError, service_for
from shared.http.app_factory import create_app
from shared.http.problems import problem
from shared.http.readiness import Check, ReadinessCheck
from shared.messaging.failures import is_passing
from shared.observability.metrics import Metrics
from shared.settings import Settings, service_urls
from shared.startup import Startup

log = logging.getLogger(__name__)

# Headers that belong to one hop of a connection, not to the message.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
TIMEOUT = httpx.Timeout(120.0, connect=5.0)  # report documents take a while
RETRY_AFTER = "5"


def _forwarded(headers: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]


def gateway_router(
    urls: Mapping[str, str],
    client: httpx.AsyncClient,
    reader_token: Callable[[Request], str | None] | None = None,
) -> APIRouter:
    """Routes that pass ``/api/v1/...`` to the service that serves each one.

    ``reader_token`` finds the token of a signed-in visitor from their session
    cookie: a read (GET or HEAD) without an ``Authorization`` header is sent
    with it, so a signed-in person can open report links, as in embedded mode.
    Writes through the API always need the header.
    """
    router = APIRouter()

    @router.api_route("/api/v1/{rest:path}", methods=METHODS, include_in_schema=False)
    async def forward(request: Request, rest: str) -> Response:
        # The path as sent, still percent-encoded: decoding it would turn an
        # encoded "/" or "?" in an indicator code into a separator, and the
        # service must see exactly what the client sent.
        raw = request.scope.get("raw_path") or f"/api/v1/{rest}".encode()
        path = raw.decode("latin-1")
        try:
            service = service_for(request.method, path)
        except RoutingError:
            return problem(404, "Not found", f"No route {request.method} {path[:200]}")
        query = request.scope.get("query_string") or b""
        target = httpx.URL(urls[service]).copy_with(
            raw_path=raw + (b"?" + query if query else b"")
        )
        body = await request.body()
        headers = _forwarded(request.headers)
        if (
            reader_token is not None
            and request.method in ("GET", "HEAD")
            and "authorization" not in request.headers
        ):
            token = await run_in_threadpool(reader_token, request)
            if token:
                headers.append(("Authorization", f"Bearer {token}"))
        client_host = request.client.host if request.client else ""
        headers.append(("X-Forwarded-For", client_host))
        try:
            answer = await client.request(
                request.method,
                target,
                content=body,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            log.warning(
                "%s unreachable for %s %s: %r", service, request.method, path, exc
            )
            shown = problem(
                503,
                "Service unavailable",
                f"The {service} service cannot be reached just now; try again shortly",
            )
            shown.headers["Retry-After"] = RETRY_AFTER
            return shown
        return Response(
            content=answer.content,
            status_code=answer.status_code,
            headers=dict(
                (k, v)
                for k, v in answer.headers.items()
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
            ),
        )

    return router


def readiness_checks(urls: Mapping[str, str]) -> list[ReadinessCheck]:
    """One readiness check per service: its own ``/readyz`` state (``/readyz``
    runs in a worker thread, so a blocking call is fine here)."""

    def check_of(name: str) -> ReadinessCheck:
        def check() -> Check:
            try:
                answer = httpx.get(f"{urls[name]}/readyz", timeout=2.0)
                state = answer.json().get("status", "down")
            except (httpx.HTTPError, ValueError) as exc:
                return Check(name, "down", f"unreachable: {type(exc).__name__}")
            if state == "ok":
                return Check(name)
            reason = f"{name} is {state}"
            return Check(name, "down" if state == "down" else "degraded", reason)

        return check

    return [check_of(name) for name in urls]


def sessions_check(engine: Engine) -> ReadinessCheck:
    """The token database the staff pages sign in and keep sessions with."""

    def check() -> Check:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return Check("sessions", "down", f"token database: {type(exc).__name__}")
        return Check("sessions")

    return check


class TokenDatabaseAway(Exception):
    """The pages cannot serve: the token database is not prepared or not
    answering (a page or a cookie-carrying read is refused, to retry)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def create_gateway(settings: Settings) -> FastAPI:
    """The gateway app for the services at ``settings``' addresses, with the
    staff pages when the token database is configured.

    The token database's tables are made in the background once HTTP is up
    (:mod:`shared.startup`), as the services prepare theirs: a web service
    started while the database is away answers ``/healthz``, says in
    ``/readyz`` that it waits for the token database, passes API calls to the
    services, and refuses pages with 503 and ``Retry-After`` until the
    database answers.
    """
    from services.web.distributed import (
        TOKEN_DATABASE,
        distributed_pages,
        distributed_web,
        startup_steps,
    )
    from services.web.http_port import HttpWeb, Unavailable
    from services.web.session import Visitor

    urls = service_urls(settings)
    client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
    web = distributed_web(settings, urls)
    startup = Startup(startup_steps(web) if web is not None else [], service="web")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        startup.start()  # the token database's tables, retried until it answers
        try:
            yield
        finally:
            startup.stop()
            await asyncio.shield(client.aclose())
            if web is not None and isinstance(web.port, HttpWeb):
                web.port.close()

    app = create_app(
        "pmf",
        [],
        Metrics(),
        tokens=web.access.tokens if web is not None else None,
        readiness=[
            *readiness_checks(urls),
            *(
                [startup.check, sessions_check(web.access.sessions.engine)]
                if web is not None
                else []
            ),
        ],
        lifespan=lifespan,
        auth_required=False,  # each service checks the token it is given
        max_body=50_000_000,  # the services apply their own, smaller limits
        metrics_networks=settings.metrics_networks,
    )
    app.state.startup = startup
    if web is None:
        app.include_router(gateway_router(urls, client))
        return app
    pages = web

    def prepared() -> None:
        if not startup.finished.is_set():
            raise TokenDatabaseAway(
                f"The staff pages are starting ({startup.waiting()[:200]}); "
                "try again in a few seconds"
            )

    def reader_token(request: Request) -> str | None:
        if request.cookies and not startup.done(TOKEN_DATABASE):
            prepared()
        return pages.reader_token(request)

    # Without the services' own dependencies (token and read checks): the
    # service that answers applies them to the request as sent.
    app.include_router(gateway_router(urls, client, reader_token))
    app.include_router(distributed_pages(web), dependencies=[Depends(prepared)])

    async def refused(request: Request, detail: str) -> Response:
        """503 with ``Retry-After``: a page for a page, problem+json for the API
        (the visitor is not looked up: that needs the database)."""
        if request.url.path.startswith("/api/"):
            shown: Response = problem(503, "Service unavailable", detail)
        else:
            shown = await run_in_threadpool(
                pages.problem_page,
                request,
                Visitor(),
                503,
                "Service unavailable",
                detail,
            )
        shown.headers["Retry-After"] = RETRY_AFTER
        return shown

    @app.exception_handler(TokenDatabaseAway)
    async def starting(request: Request, exc: TokenDatabaseAway) -> Response:
        return await refused(request, exc.detail)

    @app.exception_handler(sa.exc.SQLAlchemyError)
    async def database_away(request: Request, exc: sa.exc.SQLAlchemyError) -> Response:
        """The token database stopped answering after the start: say so and
        to retry, as a service does (anything else is a fault, shown as 500)."""
        if not is_passing(exc):
            raise exc
        log.warning(
            "token database not answering on %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return await refused(
            request,
            "The token database is not answering just now; try again in a few seconds",
        )

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> Response:
        """A page whose service is away: a page that says so, to retry."""
        try:
            who = await run_in_threadpool(pages.visitor, request)
        except sa.exc.SQLAlchemyError:  # the token database is away as well
            who = Visitor()
        shown = await run_in_threadpool(
            pages.problem_page,
            request,
            who,
            503,
            "Service unavailable",
            exc.detail,
        )
        shown.headers["Retry-After"] = RETRY_AFTER
        return shown

    return app


def serve_gateway(host: str | None = None, port: int | None = None) -> None:
    """Run the gateway until interrupted (``pmf serve web``)."""
    import uvicorn

    from shared.observability.logging import configure_logging

    settings = Settings(mode="distributed")
    configure_logging(settings.log_level, service="web")
    # One line per request the pages send would drown the log; the services
    # log each with the same correlation id.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    uvicorn.run(
        create_gateway(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
    )


__all__ = ["create_gateway", "gateway_router", "serve_gateway"]
