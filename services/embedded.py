"""All four services in one process on one local, durable log (the default mode).

The log is an SQLite file in WAL mode. After every committed append the
followers (returns' view of indicators, assessment, reporting) catch up
synchronously, so a reader sees the effect of a command as soon as the
command answers, and the embedded mode gives the same answers as the
distributed one without waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.assessment.api import build_router as assessment_router
from services.assessment.challenges import ChallengeService
from services.assessment.queries import AssessmentQueries
from services.indicators.api import build_router as indicators_router
from services.indicators.handlers import IndicatorService
from services.reporting.actions import ActionService
from services.reporting.api import build_router as reporting_router
from services.reporting.comparators import ComparatorService
from services.reporting.comparators_api import build_comparators_router
from services.reporting.papers import papers_for
from services.reporting.queries import FrameworkQueries
from services.returns.api import build_router as returns_router
from services.returns.gauges import set_outstanding_gauges
from services.returns.handlers import ReturnsService
from services.returns.mailer import MailConfig, Mailer, smtp_transport
from services.system import projections as all_projections
from services.transfer_api import build_transfer_router
from services.web.routes import build_web_router
from shared.events.envelope import EventEnvelope, Metadata
from shared.eventstore.engine import make_engine, read_only
from shared.eventstore.store import EventStore
from shared.http.app_factory import create_app
from shared.http.audit import build_audit_router
from shared.http.auth import TokenStore
from shared.http.readiness import Check, Readiness
from shared.http.sessions import SessionStore
from shared.http.throttle import SlidingWindow
from shared.messaging import parking
from shared.messaging.consumers import LogFollower, catch_up_together
from shared.observability.metrics import Metrics
from shared.scheduling import Periodic
from shared.settings import Settings

log = logging.getLogger(__name__)


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
        self.sessions = SessionStore(
            self.engine, self.tokens, timedelta(hours=settings.session_hours)
        )
        self.sessions.create_schema()
        self.login_throttle = SlidingWindow(
            settings.login_attempts, settings.login_window_seconds
        )
        projections = all_projections()
        for projection in projections:
            projection.create_schema(self.engine)
        self.followers = [
            LogFollower(
                p,
                self.store,
                self.engine,
                sink=self.store,
                on_applied=self.metrics.applied_many,
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
        self.papers = papers_for(self.settings, self.metrics)
        self.assessments = AssessmentQueries(reads)
        self.challenges = ChallengeService(self.store)
        self.actions = ActionService(self.store, reads)
        self.comparators = ComparatorService(self.store, reads, self.framework)
        # /readyz: more checks (a "degraded" one, say) may be added to this
        self.readiness = Readiness(
            [
                self._ready_store,
                self._ready_followers,
                parking.readiness_check(self.engine),
            ]
        )

    def _appended(self, recorded: Sequence[EventEnvelope]) -> None:
        for event in recorded:
            self.metrics.events_appended.labels(event.type).inc()
        if self._catching_up == threading.get_ident():
            return  # a follower's own events; its loop goes on
        try:
            self.catch_up()
        except Exception:
            # The command's events are committed: its answer must say so, not
            # 500. Poison events are parked by the followers themselves, so
            # this is a passing fault (disk full, database locked too long);
            # the next tick catches up.
            log.warning("followers will catch up on the next tick", exc_info=True)

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
        with self.engine.connect() as conn:
            parked = parking.counts(conn)
        for follower in self.followers:
            name = follower.projection.name
            self.metrics.parked.labels(name).set(parked.get(name, 0))
        set_outstanding_gauges(self.returns, self.metrics)

    def _ready_store(self) -> Check:
        try:
            self.store.head()
        except Exception as exc:
            return Check("database", "down", f"unreachable: {type(exc).__name__}")
        return Check("database")

    def _ready_followers(self) -> Check:
        """The read models' followers; there is no broker in this mode."""
        try:
            lag = sum(f.lag() for f in self.followers)
        except Exception as exc:
            return Check("consumers", "down", f"cannot read: {type(exc).__name__}")
        limit = self.settings.ready_max_lag
        details = {"lag": lag, "max_lag": limit}
        if lag > limit:
            reason = f"{lag} events behind (over {limit})"
            return Check("consumers", "down", reason, details)
        return Check("consumers", details=details)

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
            self.papers.close()

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
                    self.papers,
                ),
                build_comparators_router(self.comparators),
                indicators_router(self.indicators, list_versions=False),
                build_transfer_router(self.indicators),
                returns_router(self.returns),
                assessment_router(self.assessments, self.challenges),
                build_audit_router(self.store, self.tokens),
            ],
            metrics=self.metrics,
            tokens=self.tokens,
            readiness=self.readiness,
            auth_required=self.settings.auth_required,
            anonymous_reads=self.settings.anonymous_reads,
            refresh_metrics=self.refresh_metrics,
            lifespan=self._lifespan,
            sessions=self.sessions,
            metrics_networks=self.settings.metrics_networks,
        )
        app.include_router(build_web_router(self))
        return app
