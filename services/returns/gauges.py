"""Returns outstanding and overdue per round, for the metrics endpoint."""

from __future__ import annotations

from datetime import date

from shared.observability.metrics import Metrics

from .handlers import ReturnsService

RECENT_ROUNDS = 8  # bounded label values: only the newest rounds are exported


def set_outstanding_gauges(service: ReturnsService, metrics: Metrics) -> None:
    """Set ``pmf_returns_outstanding`` and ``pmf_returns_overdue`` by round."""
    today = date.today().isoformat()
    metrics.returns_outstanding.clear()  # rounds no longer among the newest go
    metrics.returns_overdue.clear()
    for r in service.list_rounds()[:RECENT_ROUNDS]:
        missing = len(service.outstanding(r["id"])["outstanding"])
        metrics.returns_outstanding.labels(r["id"]).set(missing)
        metrics.returns_overdue.labels(r["id"]).set(
            missing if r["deadline"] < today else 0
        )
