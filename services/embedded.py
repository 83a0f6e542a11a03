"""All four services in one process on one local, durable log (the default mode).

The log is an SQLite file in WAL mode. After every committed append the
followers (returns' view of indicators, assessment, reporting) catch up
synchronously, so a reader sees the effect of a command as soon as the
command answers, and the embedded mode gives the same answers as the
distributed one without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.assessment.api import build_router as assessment_router
from services.assessment.challenges import ChallengeService
from services.assessment.policy import assessment_policy
from services.assessment.queries import AssessmentQueries
from services.indicators.api import build_router as indicators_router
from services.indicators.handlers import IndicatorService
from services.reporting.actions import ActionService
from services.reporting.api import build_router as reporting_router
from services.reporting.projections import framework_projection
from services.reporting.queries import FrameworkQueries
from services.returns.api import build_router as returns_router
from services.returns.gauges import set_outstanding_gauges
from services.returns.handlers import ReturnsService
from services.returns.mailer import MailConfig, Mailer, smtp_transport
from services.returns.projections import known_indicators_projection
from services.web.routes import build_web_router
from shared.events.envelope import EventEnvelope, Metadata
from shared.eventstore.engine import make_engine, read_only
from shared.eventstore.store import EventStore
from shared.http.app_factory import create_app
from shared.http.audit import build_audit_router
from shared.http.auth import TokenStore
from shared.messaging.consumers import LogFollower, catch_up_together
from shared.observability.metrics import Metrics
from shared.scheduling import Periodic
from shared.settings import Settings


class EmbeddedSystem:
    """The wired embedded process: one store, followers, services and the app."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.embedded_database_url())
        self.metrics = Metrics()
        self.store = EventStore(self.engine)
        self.store.create_schema()
        self.tokens = TokenStore(self.engine)
        self.tokens.create_schema()
        projections = [
            known_indicators_projection(),
            assessment_policy(),
            framework_projection(),
        ]
        for projection in projections:
            projection.create_schema(self.engine)
        self.followers = [
            LogFollower(
                p,
                self.store,
                self.engine,
                sink=self.store,
                on_applied=self.metrics.applied,
            )
            for p in projections
        ]
        self._lock = threading.RLock()
        self._catching_up = 0  # the thread now catching up, if any
        # Moves after every catch-up that applied something: the read models
        # change only there in this process, so caches key on it instead of
        # asking the database each time.
        self.read_models_moved = 0
        self.store.on_append(self._appended)
        self.indicators = IndicatorService(self.store)
        self.returns = ReturnsService(self.store)
        self.mailer = Mailer(
            self.returns,
            self.tokens,
            smtp_transport(settings),
            MailConfig.from_settings(settings),
        )
        reads = read_only(self.engine)
        self.framework = FrameworkQueries(reads, moved=lambda: self.read_models_moved)
        self.assessments = AssessmentQueries(reads)
        self.challenges = ChallengeService(self.store)
        self.actions = ActionService(self.store, reads)

    def _appended(self, recorded: Sequence[EventEnvelope]) -> None:
        for event in recorded:
            self.metrics.events_appended.labels(event.type).inc()
        if self._catching_up != threading.get_ident():
            self.catch_up()  # else: a follower's own events; its loop goes on

    def catch_up(self) -> int:
        """Bring every follower to the head of the log; returns events applied."""
        total = 0
        with self._lock:
            self._catching_up = threading.get_ident()
            try:
                while moved := catch_up_together(self.followers, self.engine):
                    total += moved
                    self.read_models_moved += 1
            finally:
                self._catching_up = 0
        return total

    def refresh_metrics(self) -> None:
        """Set the gauges that are read from state at scrape time."""
        for follower in self.followers:
            self.metrics.consumer_lag.labels(follower.projection.name).set(
                follower.lag()
            )
        for status, count in self.framework.current()["counts"].items():
            self.metrics.rag.labels(status).set(count)
        set_outstanding_gauges(self.returns, self.metrics)

    def _ready(self) -> tuple[bool, str]:
        try:
            lag = sum(f.lag() for f in self.followers)
        except Exception:
            return False, "store"
        return lag == 0, "store and followers"

    def tick(self) -> None:
        """Periodic work: record passed deadlines, apply what other processes wrote,
        then send the e-mail that is due (when mail is enabled)."""
        self.returns.mark_deadlines(Metadata(actor="service:returns-deadlines"))
        self.store.head()
        self.catch_up()
        if self.settings.mail_enabled:
            self.mailer.run_once()

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        ticker = Periodic("pmf-tick", self.tick, self.settings.tick_seconds)
        ticker.start()
        try:
            yield
        finally:
            ticker.stop()

    def app(self) -> FastAPI:
        """The one FastAPI app serving every route."""
        self.catch_up()
        app = create_app(
            "pmf",
            [
                reporting_router(
                    self.framework,
                    self.actions,
                    self.settings.council_name,
                    self.settings.small_number_threshold,
                ),
                indicators_router(self.indicators, list_versions=False),
                returns_router(self.returns),
                assessment_router(self.assessments, self.challenges),
                build_audit_router(self.store),
            ],
            metrics=self.metrics,
            tokens=self.tokens,
            readiness=[self._ready],
            auth_required=self.settings.auth_required,
            anonymous_reads=self.settings.anonymous_reads,
            refresh_metrics=self.refresh_metrics,
            lifespan=self._lifespan,
        )
        app.include_router(build_web_router(self))
        return app
