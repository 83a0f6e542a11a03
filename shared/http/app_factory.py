"""Builds a FastAPI app with the parts every pmf service has.

Problem+json errors, ``/healthz`` (alive, no dependencies), ``/readyz`` (the
dependencies answer), ``/metrics`` (Prometheus) and request latency by route
template, so that the embedded process and each distributed service look the
same to operators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http import openapi, problems
from shared.http.auth import TokenStore
from shared.http.deps import read_access
from shared.http.middleware import RequestMiddleware
from shared.observability.metrics import Metrics

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

    app.add_middleware(RequestMiddleware, metrics=metrics, max_body=max_body)

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
        app.include_router(
            router,
            dependencies=[Depends(read_access), Depends(problems.unique_keys)],
            responses=openapi.PROBLEM_RESPONSES,
        )
    openapi.install(app)
    return app
