"""Builds a FastAPI app with the parts every pmf service has.

Problem+json errors, ``/healthz`` (alive, no dependencies), ``/readyz`` (each
dependency ok, degraded or down; see ``shared.http.readiness``), ``/metrics``
(Prometheus) and request latency by route template, so that the embedded process
and each distributed service look the same to operators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http import openapi, problems
from shared.http.auth import TokenStore
from shared.http.deps import read_access
from shared.http.middleware import RequestMiddleware
from shared.http.readiness import Readiness, ReadinessCheck
from shared.observability.metrics import Metrics


def create_app(
    title: str,
    routers: Sequence[APIRouter],
    metrics: Metrics,
    tokens: TokenStore | None,
    readiness: Readiness | Sequence[ReadinessCheck] = (),
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
    ready = (
        readiness if isinstance(readiness, Readiness) else Readiness(list(readiness))
    )
    app.state.metrics = metrics
    app.state.readiness = ready  # more checks may be added once the app is built
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
        """Each dependency's state: 200 when ok or degraded, 503 naming what is down."""
        status, body = ready.evaluate()
        return JSONResponse(body, status_code=status)

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
