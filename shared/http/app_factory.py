"""Builds a FastAPI app with the parts every pmf service has.

Problem+json errors, ``/healthz`` (alive, no dependencies), ``/readyz`` (each
dependency ok, degraded or down; see ``shared.http.readiness``), ``/metrics``
(Prometheus), ``/docs`` (Swagger UI served locally), the browser security
headers and request latency by route template, so that the embedded process
and each distributed service look the same to operators.

``/metrics`` tells a reader how busy the service is and how many returns are
overdue, so it is not open to the world: clients in ``metrics_networks``
(loopback by default) read it freely, anyone else needs a bearer token with
the ``metrics`` or ``admin`` role.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http import openapi, problems
from shared.http.api_docs import build_docs_router
from shared.http.auth import TokenStore
from shared.http.deps import bearer_principal, client_address, read_access
from shared.http.middleware import RequestMiddleware
from shared.http.readiness import Readiness, ReadinessCheck
from shared.http.security_headers import SecurityHeadersMiddleware
from shared.http.sessions import SessionStore
from shared.observability.metrics import Metrics

LOOPBACK = ("127.0.0.0/8", "::1/128")
METRICS_ROLES = ("metrics", "admin")


def in_networks(address: str, networks: Sequence[str]) -> bool:
    """Whether ``address`` lies in one of ``networks`` (``"*"`` is every address)."""
    if "*" in networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def metrics_reader(networks: Sequence[str]) -> Callable[..., None]:
    """The check in front of ``/metrics``: a trusted network or a metrics token."""

    def check(request: Request) -> None:
        if in_networks(client_address(request), networks):
            return
        sent = request.headers.get("authorization")
        who = bearer_principal(request, sent) if sent else None
        request.state.principal = who
        if who is None:
            raise HTTPException(
                401,
                "Reading the metrics needs a bearer token with the metrics role",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if who.role not in METRICS_ROLES:
            raise HTTPException(
                403, f"The {who.role} role may not read the metrics (needs metrics)"
            )

    return check


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
    sessions: SessionStore | None = None,
    metrics_networks: Sequence[str] = LOOPBACK,
) -> FastAPI:
    """A FastAPI app serving ``routers`` plus health, readiness and metrics."""
    app = FastAPI(
        title=title,
        version="0.1.0",
        lifespan=lifespan,
        description="Performance management for a Children and Young People's Plan.",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    ready = (
        readiness if isinstance(readiness, Readiness) else Readiness(list(readiness))
    )
    app.state.metrics = metrics
    app.state.readiness = ready  # more checks may be added once the app is built
    app.state.tokens = tokens
    app.state.sessions = sessions
    app.state.auth_required = auth_required
    app.state.anonymous_reads = anonymous_reads
    problems.install(app)

    app.add_middleware(RequestMiddleware, metrics=metrics, max_body=max_body)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(build_docs_router(title))

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """Each dependency's state: 200 when ok or degraded, 503 naming what is down."""
        status, body = ready.evaluate()
        return JSONResponse(body, status_code=status)

    @app.get(
        "/metrics",
        tags=["operations"],
        include_in_schema=False,
        dependencies=[Depends(metrics_reader(tuple(metrics_networks)))],
    )
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
