"""One service per process on Kafka and PostgreSQL (distributed mode).

Each service has its own database (``PMF_DATABASE_URL``). Write services
append to their own store and a relay publishes to their topic; consumers
are Faust agents that apply events exactly once (stream versions tracked in
the same transaction as their effects). The same core modules as the
embedded mode do the work, so both modes give the same answers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import faust
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from shared.events.catalogue import LAA_TOPIC, TOPICS
from shared.events.envelope import EventEnvelope, Metadata
from shared.eventstore.engine import make_engine, read_only
from shared.eventstore.store import EventStore
from shared.http.app_factory import ReadinessCheck, create_app
from shared.http.audit import build_audit_router
from shared.http.auth import TokenStore
from shared.messaging.consumers import Projection, StreamApplier
from shared.messaging.faust_consumers import (
    DeadLetters,
    add_batch_agent,
    event_handler,
    make_faust_app,
)
from shared.messaging.lag import GroupLag
from shared.messaging.relay import KafkaRelay, make_producer
from shared.messaging.topics import ensure_topics
from shared.observability.logging import configure_logging
from shared.observability.metrics import Metrics
from shared.scheduling import Periodic
from shared.settings import SERVICE_PORTS, Settings

log = logging.getLogger(__name__)


@dataclass
class ServiceProcess:
    """What one distributed service runs: its HTTP app, agents and relay."""

    name: str
    app: FastAPI
    faust_app: faust.App | None
    relay: KafkaRelay | None
    closers: list[Any] = field(default_factory=list)


def _db_ready(engine: Engine) -> ReadinessCheck:
    def check() -> tuple[bool, str]:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except Exception:
            return False, "database"
        return True, "database"

    return check


def _relay_ready(relay: KafkaRelay) -> ReadinessCheck:
    def check() -> tuple[bool, str]:
        try:
            return relay.lag() < 10_000, "relay"
        except Exception:
            return False, "relay"

    return check


def build_service(name: str, settings: Settings) -> ServiceProcess:
    """Wire service ``name`` on its own database, Kafka topics and agents."""
    if name not in SERVICE_PORTS:
        raise ValueError(f"unknown service {name!r}: one of {', '.join(SERVICE_PORTS)}")
    if not settings.database_url:
        raise ValueError("PMF_DATABASE_URL must name this service's database")
    ensure_topics(settings.kafka_bootstrap)
    if name == "reporting" and settings.database_url.startswith("postgresql"):
        from services.reporting.schema_migrations import upgrade

        upgrade(settings.database_url)  # the read model's schema is migrated
    engine = make_engine(settings.database_url)
    metrics = Metrics()
    store = EventStore(engine)
    store.create_schema()
    tokens = TokenStore(
        make_engine(settings.auth_database_url)
        if settings.auth_database_url
        else engine
    )
    tokens.create_schema()
    producer = make_producer(settings.kafka_bootstrap)
    dead_letters = DeadLetters(producer, metrics)

    def count_appended(recorded: Sequence[EventEnvelope]) -> None:
        for event in recorded:
            metrics.events_appended.labels(event.type).inc()

    store.on_append(count_appended)
    relay = KafkaRelay(store, engine, make_producer(settings.kafka_bootstrap))
    readiness = [_db_ready(engine), _relay_ready(relay)]
    faust_app: faust.App | None = None
    jobs: list[Periodic] = []
    gauges: list[Callable[[], None]] = []  # read from state when scraped

    def consume(
        projection: Projection, topics: list[str], sink: EventStore | None
    ) -> None:
        nonlocal faust_app
        projection.create_schema(engine)
        if faust_app is None:
            faust_app = make_faust_app(
                name, settings.kafka_bootstrap, settings.data_dir
            )
        applier = StreamApplier(projection, engine, sink=sink)
        for topic in topics:
            handle = event_handler(applier, dead_letters, metrics, topic)
            add_batch_agent(
                faust_app, [topic], handle, f"{projection.name}.{topic}", dead_letters
            )

    routers: list[APIRouter]
    if name == "indicators":
        from services.indicators.api import build_router
        from services.indicators.handlers import IndicatorService

        routers = [build_router(IndicatorService(store))]
    elif name == "returns":
        from services.returns.api import build_router as returns_router
        from services.returns.gauges import set_outstanding_gauges
        from services.returns.handlers import ReturnsService
        from services.returns.projections import known_indicators_projection

        service = ReturnsService(store)
        consume(known_indicators_projection(), [TOPICS["indicators"]], None)
        assert faust_app is not None

        def laa_messages(raws: list[bytes]) -> None:
            stream = Metadata(actor="system:laa-stream")
            outcomes = service.receive_laa_many(raws, stream)
            for raw, outcome in zip(raws, outcomes, strict=True):
                metrics.laa_results.labels(outcome.outcome).inc()
                if outcome.outcome == "rejected":
                    dead_letters.send(LAA_TOPIC, outcome.reason or "rejected", raw)

        add_batch_agent(
            faust_app, [LAA_TOPIC], laa_messages, "returns.laa", dead_letters
        )
        deadlines = Metadata(actor="service:returns-deadlines")

        gauges.append(lambda: set_outstanding_gauges(service, metrics))
        jobs.append(
            Periodic(
                "deadlines",
                lambda: service.mark_deadlines(deadlines),
                settings.tick_seconds,
            )
        )
        routers = [returns_router(service)]
    elif name == "assessment":
        from services.assessment.api import build_router as assessment_router
        from services.assessment.challenges import ChallengeService
        from services.assessment.policy import assessment_policy
        from services.assessment.queries import AssessmentQueries

        consume(assessment_policy(), [TOPICS["indicators"], TOPICS["returns"]], store)
        routers = [
            assessment_router(AssessmentQueries(engine), ChallengeService(store))
        ]
    else:
        from services.reporting.actions import ActionService
        from services.reporting.api import build_router as reporting_router
        from services.reporting.projections import framework_projection
        from services.reporting.queries import FrameworkQueries

        consume(framework_projection(), list(TOPICS.values()), store)
        framework = FrameworkQueries(read_only(engine))

        def rag_counts() -> None:
            for status, count in framework.current()["counts"].items():
                metrics.rag.labels(status).set(count)

        gauges.append(rag_counts)
        routers = [
            reporting_router(
                framework,
                ActionService(store, engine),
                settings.council_name,
                settings.small_number_threshold,
            )
        ]

    closers: list[Any] = [producer, engine]
    consumed = (
        sorted(
            {
                t
                for agent in (faust_app.agents.values() if faust_app else ())
                for t in agent.channel.topics
            }
        )
        if faust_app
        else []
    )
    lag = GroupLag(settings.kafka_bootstrap, f"pmf-{name}", consumed)

    def refresh_metrics() -> None:
        for refresh in gauges:
            refresh()
        if not consumed:
            return
        try:
            for (topic, partition), behind in lag.measure().items():
                metrics.kafka_lag.labels(name, topic, str(partition)).set(behind)
        except Exception:  # a scrape must not fail because the broker is away
            log.warning("could not measure consumer lag", exc_info=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        relay.start(settings.relay_interval_seconds)
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                job.stop()
            relay.stop()
            for closer in closers:
                close = getattr(closer, "close", None) or closer.dispose
                close()

    app = create_app(
        f"pmf {name}",
        [*routers, build_audit_router(store, tokens)],
        metrics=metrics,
        tokens=tokens,
        readiness=readiness,
        lifespan=lifespan,
        refresh_metrics=refresh_metrics,
        auth_required=settings.auth_required,
        anonymous_reads=settings.anonymous_reads,
        metrics_networks=settings.metrics_networks,
    )
    return ServiceProcess(name, app, faust_app, relay, closers=closers)


def serve_service(name: str, host: str | None = None, port: int | None = None) -> None:
    """Run one service until interrupted (``pmf serve <service>``)."""
    import uvicorn

    settings = Settings(mode="distributed")
    configure_logging(settings.log_level, service=name)
    proc = build_service(name, settings)
    host = host or settings.host
    port = port or (settings.port if settings.port != 8000 else SERVICE_PORTS[name])
    # The relay starts and stops with the app's lifespan, which both hosts run.
    if proc.faust_app is None:
        uvicorn.run(
            proc.app,
            host=host,
            port=port,
            log_level="info",
            log_config=None,
            access_log=False,
        )
    else:
        from shared.messaging.faust_host import run_with_faust

        run_with_faust(proc.app, proc.faust_app, host, port)
