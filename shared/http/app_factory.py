"""Builds a FastAPI app with the parts every pmf service has.

Problem+json errors, ``/healthz`` (alive, no dependencies), ``/readyz`` (the
dependencies answer), ``/metrics`` (Prometheus) and request latency by route
template, so that the embedded process and each distributed service look the
same to operators.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http import problems
from shared.http.auth import TokenStore
from shared.http.deps import read_access
from shared.observability.logging import correlation_id
from shared.observability.metrics import Metrics

access_log = logging.getLogger("pmf.http")

ReadinessCheck = Callable[[], tuple[bool, str]]


def create_app(
    title: str,
    routers: Sequence[APIRouter],
    metrics: Metrics,
    tokens: TokenStore | None,
    readiness: Sequence[ReadinessCheck] = (),
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    refresh_metrics: Callable[[], None] | None = None,
    auth_required: bool = True,
    anonymous_reads: bool = True,
    max_body: int = 5_000_000,
) -> FastAPI:
    """A FastAPI app serving ``routers`` plus health, readiness and metrics."""
    app = FastAPI(
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        description="Performance management for a Children and Young People's Plan.",
    )
    app.state.metrics = metrics
    app.state.tokens = tokens
    app.state.auth_required = auth_required
    app.state.anonymous_reads = anonymous_reads
    problems.install(app)

    @app.middleware("http")
    async def _limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > max_body
        ):
            return problems.problem(
                413,
                "Request too large",
                f"A request body may be at most {max_body} bytes",
            )
        return await call_next(request)

    @app.middleware("http")
    async def _timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        given = request.headers.get("x-correlation-id", "")[:64]
        cid = given if given.isprintable() and given else str(uuid.uuid4())
        token = correlation_id.set(cid)
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        took = time.perf_counter() - started
        metrics.http_latency.labels(
            request.method, template, str(response.status_code)
        ).observe(took)
        response.headers["X-Correlation-ID"] = cid
        access_log.info(
            "%s %s %s",
            request.method,
            template,
            response.status_code,
            extra={"correlation_id": cid, "duration_s": round(took, 6)},
        )
        return response

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """The store, brokers and consumers this process needs are ready."""
        checks: dict[str, Any] = {}
        ok = True
        for check in readiness:
            good, what = check()
            checks[what] = "ok" if good else "not ready"
            ok = ok and good
        body = {"status": "ready" if ok else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics_route() -> Response:
        """Prometheus metrics of this process."""
        if refresh_metrics is not None:
            refresh_metrics()
        return Response(
            generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST
        )

    for router in routers:
        app.include_router(router, dependencies=[Depends(read_access)])
    return app
