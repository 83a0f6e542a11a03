"""One service per process on Kafka and PostgreSQL (distributed mode).

Each service has its own database (``PMF_DATABASE_URL``). Write services
append to their own store and a relay publishes to their topic; consumers
are Faust agents that apply events exactly once (stream versions tracked in
the same transaction as their effects). The same core modules as the
embedded mode do the work, so both modes give the same answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import faust
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from services.system import consumers_of
from shared.events.catalogue import LAA_TOPIC
from shared.events.envelope import EventEnvelope, Metadata
from shared.eventstore.engine import make_engine, read_only
from shared.eventstore.store import EventStore
from shared.http.app_factory import create_app
from shared.http.audit import build_audit_router
from shared.http.auth import TokenStore
from shared.http.readiness import Check, Readiness, ReadinessCheck
from shared.messaging import parking
from shared.messaging.consumers import ApplyContext, Projection, StreamApplier
from shared.messaging.faust_consumers import (
    AgentHealth,
    DeadLetters,
    add_batch_agent,
    event_handler,
    make_faust_app,
)
from shared.messaging.faust_host import FaustStatus
from shared.messaging.lag import GroupLag, LagSampler
from shared.messaging.relay import KafkaRelay, make_producer
from shared.messaging.topics import ensure_topics
from shared.observability.metrics import Metrics
from shared.scheduling import Periodic
from shared.settings import SERVICE_PORTS, Settings
from shared.startup import Startup, Step

log = logging.getLogger(__name__)


@dataclass
class ServiceProcess:
    """What one distributed service runs: its HTTP app, agents and relay.

    ``readiness`` holds the checks behind ``/readyz``; a part of the service
    that wants to report "degraded" (events set aside, say) adds one there.
    ``consumers`` follows the Faust app's start (None when nothing is consumed).
    ``startup`` holds what is prepared after HTTP is up (schemas, topics),
    started by the app's lifespan.
    """

    name: str
    app: FastAPI
    faust_app: faust.App | None
    relay: KafkaRelay | None
    closers: list[Any] = field(default_factory=list)
    readiness: Readiness = field(default_factory=Readiness)
    consumers: FaustStatus | None = None
    lag: LagSampler | None = None
    startup: Startup = field(default_factory=lambda: Startup([]))


def _db_ready(engine: Engine) -> ReadinessCheck:
    def database() -> Check:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except Exception as exc:
            return Check("database", "down", f"unreachable: {type(exc).__name__}")
        return Check("database")

    return database


def _relay_ready(relay: KafkaRelay, max_pending: int) -> ReadinessCheck:
    def relay_check() -> Check:
        try:
            pending = relay.lag()
        except Exception as exc:
            return Check("relay", "down", f"cannot read: {type(exc).__name__}")
        if pending > max_pending:
            reason = f"{pending} events not yet published (over {max_pending})"
            return Check("relay", "degraded", reason, {"pending": pending})
        return Check("relay", details={"pending": pending})

    return relay_check


def _broker_ready(sampler: LagSampler, bootstrap: str) -> ReadinessCheck:
    def broker() -> Check:
        sample = sampler.sample
        if sample.broker_up is None:
            return Check("broker", "down", f"not reached yet ({bootstrap})")
        if not sample.broker_up:
            return Check("broker", "down", f"unreachable ({bootstrap}): {sample.error}")
        return Check("broker")

    return broker


def _consumers_ready(
    status: FaustStatus, sampler: LagSampler, max_lag: int
) -> ReadinessCheck:
    def consumers() -> Check:
        state, for_seconds, detail = status.snapshot()
        sample = sampler.sample
        age = sample.age()
        details: dict[str, Any] = {
            "group": status.group,
            "lag": sample.total,
            "lag_age_seconds": None if age is None else round(age, 1),
            "max_lag": max_lag,
        }
        if state != "running":
            why = f"{state} for {for_seconds:.0f}s" + (f": {detail}" if detail else "")
            return Check("consumers", "down", why, details)
        if sample.total is None:
            return Check("consumers", "down", "lag not measured yet", details)
        if sample.total > max_lag:
            reason = f"{sample.total} events behind (over {max_lag})"
            return Check("consumers", "down", reason, details)
        return Check("consumers", details=details)

    return consumers


def _after(
    startup: Startup, step: str, name: str, check: ReadinessCheck
) -> ReadinessCheck:
    """Check ``name`` once startup ``step`` is done; before, down without running it
    (the tables it reads may not exist yet)."""

    def guarded() -> Check:
        if not startup.done(step):
            return Check(name, "down", f"waiting for the startup's {step} step")
        return check()

    return guarded


def build_service(name: str, settings: Settings) -> ServiceProcess:
    """Wire service ``name`` on its own database, Kafka topics and agents.

    Nothing here waits on the database or the broker: what does (schemas,
    migrations, topics) is in ``ServiceProcess.startup``, which the app's
    lifespan runs in the background once HTTP is up.
    """
    if name not in SERVICE_PORTS:
        raise ValueError(f"unknown service {name!r}: one of {', '.join(SERVICE_PORTS)}")
    if not settings.database_url:
        raise ValueError("PMF_DATABASE_URL must name this service's database")
    database_url = settings.database_url
    bootstrap = settings.kafka_bootstrap
    engine = make_engine(database_url)
    metrics = Metrics()
    store = EventStore(engine)
    tokens = TokenStore(
        make_engine(settings.auth_database_url)
        if settings.auth_database_url
        else engine
    )
    dead_letters = DeadLetters(lambda: make_producer(bootstrap), metrics)

    def count_appended(recorded: Sequence[EventEnvelope]) -> None:
        for event in recorded:
            metrics.events_appended.labels(event.type).inc()

    store.on_append(count_appended)
    relay = KafkaRelay(
        store, engine, None, producer_factory=lambda: make_producer(bootstrap)
    )
    health = AgentHealth()
    faust_app: faust.App | None = None
    jobs: list[Periodic] = []
    gauges: list[Callable[[], None]] = []  # read from state when scraped
    closers_extra: list[Any] = []  # closed with the app, after the producer
    projections: list[Projection] = []

    def agents_app() -> faust.App:
        nonlocal faust_app
        if faust_app is None:
            faust_app = make_faust_app(name, bootstrap, settings.data_dir)
            # A restart after a hard stop joins once the old member's session
            # has timed out: keep that short (see Settings).
            faust_app.conf.broker_session_timeout = (
                settings.kafka_session_timeout_seconds
            )
        return faust_app

    def consume(hooks: dict[str, Any]) -> None:
        """An agent per topic for each consumer ``services.system`` places here."""
        for spec in consumers_of(name):
            projection = spec.build(**hooks)
            projections.append(projection)
            applier = StreamApplier(projection, engine, sink=store)
            for topic in spec.topics:
                handle = event_handler(applier, dead_letters, metrics, topic)
                add_batch_agent(
                    agents_app(),
                    [topic],
                    handle,
                    f"{projection.name}.{topic}",
                    dead_letters,
                    health,
                )

            def parked_gauge(consumer: str = projection.name) -> None:
                with engine.connect() as conn:
                    held = parking.counts(conn)
                metrics.parked.labels(consumer).set(held.get(consumer, 0))

            gauges.append(parked_gauge)

    routers: list[APIRouter]
    if name == "indicators":
        from services.indicators.api import build_router
        from services.indicators.handlers import IndicatorService
        from services.transfer_api import build_transfer_router

        indicator_service = IndicatorService(store)
        routers = [
            build_router(indicator_service),
            build_transfer_router(indicator_service),
        ]
    elif name == "returns":
        from services.returns.api import build_router as returns_router
        from services.returns.gauges import set_outstanding_gauges
        from services.returns.handlers import ReturnsService

        service = ReturnsService(
            store, unknown_wait_seconds=settings.laa_unknown_wait_seconds
        )

        def release(ctx: ApplyContext, code: str) -> None:
            """Accept results that waited for ``code``, as its registration applies."""
            recorded: list[EventEnvelope] = []
            for outcome in service.release_waiting(ctx.conn, code, recorded):
                metrics.laa_results.labels(outcome.outcome).inc()
            ctx.emitted.extend(recorded)  # announced once the registration commits

        consume({"release": release})

        def laa_messages(raws: list[bytes]) -> None:
            stream = Metadata(actor="system:laa-stream")
            outcomes = service.receive_laa_many(raws, stream, wait_unknown=True)
            for raw, outcome in zip(raws, outcomes, strict=True):
                metrics.laa_results.labels(outcome.outcome).inc()
                if outcome.outcome == "rejected":
                    dead_letters.send(LAA_TOPIC, outcome.reason or "rejected", raw)

        def settle_waiting() -> None:
            def dead_letter(reason: str, payload: str) -> None:
                dead_letters.send(LAA_TOPIC, reason, payload)

            for outcome in service.settle_waiting(dead_letter):
                metrics.laa_results.labels(outcome.outcome).inc()

        add_batch_agent(
            agents_app(),
            [LAA_TOPIC],
            laa_messages,
            "returns.laa",
            dead_letters,
            health,
        )
        jobs.append(
            Periodic("laa-waiting", settle_waiting, settings.laa_recheck_seconds)
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
        from services.assessment.queries import AssessmentQueries

        consume({})
        routers = [
            assessment_router(AssessmentQueries(engine), ChallengeService(store))
        ]
    else:
        from services.reporting.actions import ActionService
        from services.reporting.api import build_router as reporting_router
        from services.reporting.comparators import ComparatorService
        from services.reporting.comparators_api import build_comparators_router
        from services.reporting.papers import papers_for
        from services.reporting.queries import FrameworkQueries

        consume({})
        framework = FrameworkQueries(read_only(engine))

        def rag_counts() -> None:
            for status, count in framework.current()["counts"].items():
                metrics.rag.labels(status).set(count)

        gauges.append(rag_counts)
        papers = papers_for(settings, metrics)
        closers_extra.append(papers)
        routers = [
            reporting_router(
                framework,
                ActionService(store, engine),
                settings.council_name,
                settings.small_number_threshold,
                papers,
            ),
            build_comparators_router(ComparatorService(store, engine, framework)),
        ]

    closers: list[Any] = [dead_letters, engine, *closers_extra]
    consumed = (
        sorted({t for agent in faust_app.agents.values() for t in agent.channel.topics})
        if faust_app is not None
        else []
    )
    group = f"pmf-{name}"
    sampler = LagSampler(
        GroupLag(bootstrap, group, consumed).measure,
        settings.lag_sample_seconds,
        what=f"broker {bootstrap}",
    )
    status = FaustStatus(group) if faust_app is not None else None

    def prepare_database() -> None:
        if name == "reporting" and database_url.startswith("postgresql"):
            from services.reporting.schema_migrations import upgrade

            upgrade(database_url)  # the read model's schema is migrated
        store.create_schema()
        tokens.create_schema()
        for projection in projections:
            projection.create_schema(engine)

    def start_publishing() -> None:
        relay.start(settings.relay_interval_seconds)
        for job in jobs:
            job.start()

    startup = Startup(
        [
            Step("database", prepare_database, "the database"),
            Step(
                "topics",
                lambda: ensure_topics(bootstrap),
                f"the broker at {bootstrap}",
            ),
            Step("relay", start_publishing, "the relay"),
        ],
        service=name,
    )
    readiness = Readiness(
        [
            startup.check,
            _db_ready(engine),
            _broker_ready(sampler, bootstrap),
            _after(
                startup,
                "database",
                "relay",
                _relay_ready(relay, settings.ready_max_lag),
            ),
        ]
    )
    if status is not None:
        readiness.add(_consumers_ready(status, sampler, settings.ready_max_lag))
        readiness.add(health.check)
        readiness.add(
            _after(startup, "database", "parked", parking.readiness_check(engine))
        )
    started = time.monotonic()

    def refresh_metrics() -> None:
        """Gauges from state; the lag is the sampler's last reading (no broker I/O)."""
        if startup.done("database"):  # the gauges read tables made by the startup
            for refresh in gauges:
                refresh()
        sample = sampler.sample
        metrics.kafka_up.labels(name).set(1 if sample.broker_up else 0)
        age = sample.age()
        metrics.kafka_lag_age.labels(name).set(
            time.monotonic() - started if age is None else age
        )
        for (topic, partition), behind in (sample.lag or {}).items():
            metrics.kafka_lag.labels(name, topic, str(partition)).set(behind)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sampler.start()
        startup.start()  # schemas, topics, then the relay and jobs
        try:
            yield
        finally:
            startup.stop()
            for job in jobs:
                job.stop()
            relay.stop()
            sampler.stop()
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
    return ServiceProcess(
        name,
        app,
        faust_app,
        relay,
        closers=closers,
        readiness=readiness,
        consumers=status,
        lag=sampler,
        startup=startup,
    )
