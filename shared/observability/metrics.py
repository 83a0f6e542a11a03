"""Prometheus metrics, one registry per process (no global singletons).

Names follow Prometheus conventions: base units, ``_total`` counters, and no
unbounded labels (never an indicator code or a person as a label).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.events.envelope import EventEnvelope, utc_now


class Metrics:
    """The metrics every pmf process exposes at ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events_appended = Counter(
            "pmf_events_appended", "Events appended to the log", ["type"], registry=r
        )
        self.events_consumed = Counter(
            "pmf_events_consumed",
            "Events applied by a consumer",
            ["consumer", "type"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            "pmf_consumer_lag",
            "Events not yet applied by a consumer (embedded followers)",
            ["consumer"],
            registry=r,
        )
        self.kafka_lag = Gauge(
            "pmf_kafka_consumer_lag",
            "Messages a service's consumer group has not committed, by partition",
            ["consumer", "topic", "partition"],
            registry=r,
        )
        self.parked = Gauge(
            "pmf_parked_events",
            "Events a consumer could not apply, parked with those waiting behind them",
            ["consumer"],
            registry=r,
        )
        self.kafka_lag_age = Gauge(
            "pmf_kafka_lag_sample_age_seconds",
            "Seconds since consumer lag was last read from the broker (grows "
            "while the broker is away; the lag shown is then that old)",
            ["consumer"],
            registry=r,
        )
        self.kafka_up = Gauge(
            "pmf_kafka_broker_up",
            "1 when the latest attempt to read from the broker succeeded, else 0",
            ["consumer"],
            registry=r,
        )
        self.dead_letters = Counter(
            "pmf_dead_letters",
            "Inputs sent to the dead-letter topic",
            ["reason"],
            registry=r,
        )
        self.laa_results = Counter(
            "pmf_laa_results_received", "LAA results received", ["outcome"], registry=r
        )
        self.report_renders = Counter(
            "pmf_report_renders",
            "Report documents asked for, by how they were served: rendered, "
            "cached, shared (waited for the same render) or refused (busy)",
            ["format", "outcome"],
            registry=r,
        )
        self.rag = Gauge(
            "pmf_rag_indicators",
            "Indicators by assessed status",
            ["status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "pmf_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route", "status"],
            registry=r,
        )
        self.returns_outstanding = Gauge(
            "pmf_returns_outstanding",
            "In-scope indicators with no result yet, by round",
            ["round"],
            registry=r,
        )
        self.returns_overdue = Gauge(
            "pmf_returns_overdue",
            "Returns still missing after the round's deadline, by round",
            ["round"],
            registry=r,
        )
        self.processing_latency = Histogram(
            "pmf_processing_latency_seconds",
            "From an event's recording to a consumer applying it",
            ["consumer"],
            registry=r,
        )

    def applied(self, consumer: str, event: EventEnvelope) -> None:
        """Count an event a consumer applied and how long it waited."""
        self.applied_many(consumer, [event])

    def applied_many(self, consumer: str, events: Sequence[EventEnvelope]) -> None:
        """Count a batch a consumer applied: one counter step per event type, and
        the wait of the batch's oldest and newest events (a batch is applied at
        one moment, so the events between waited between those two)."""
        if not events:
            return
        by_type = Tally(e.type for e in events)
        for event_type, n in by_type.items():
            self.events_consumed.labels(consumer, event_type).inc(n)
        latency = self.processing_latency.labels(consumer)
        now = utc_now()
        for event in (events[0], events[-1]) if len(events) > 1 else events:
            latency.observe(max((now - event.recorded_at).total_seconds(), 0.0))
