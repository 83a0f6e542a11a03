"""Which consumers exist, what each reads and writes: written once.

Embedded mode runs every consumer here in one process, in this order (the
returns service's view of indicators first, then the assessment, whose
answers the reporting read model then records). Distributed mode runs each
on its own service, reading the topics named here. Replay rebuilds the ones
marked as read models, and ``pmf parked retry`` finds a consumer by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.assessment.policy import assessment_policy
from services.reporting.projections import framework_projection
from services.returns.projections import known_indicators_projection
from shared.events.catalogue import TOPICS
from shared.messaging.consumers import Projection


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer: where it runs, what it reads, and how it is rebuilt."""

    service: str
    # Called with no arguments by embedded mode and replay; a distributed
    # service may pass hooks of its own (returns passes ``release``).
    build: Callable[..., Projection]
    topics: tuple[str, ...]
    # Emits events (assessment's answers) to its service's log.
    emits: bool
    # A derived view: emptied and re-applied from the log by ``pmf replay``.
    read_model: bool


CONSUMERS: tuple[ConsumerSpec, ...] = (
    ConsumerSpec(
        "returns",
        known_indicators_projection,
        (TOPICS["indicators"],),
        emits=False,
        read_model=True,
    ),
    ConsumerSpec(
        "assessment",
        assessment_policy,
        (TOPICS["indicators"], TOPICS["returns"]),
        emits=True,
        read_model=False,
    ),
    ConsumerSpec(
        "reporting",
        framework_projection,
        tuple(TOPICS.values()),
        emits=True,
        read_model=True,
    ),
)


def consumers_of(service: str) -> list[ConsumerSpec]:
    """The consumers one distributed service runs."""
    return [c for c in CONSUMERS if c.service == service]


def projections() -> list[Projection]:
    """Every consumer's projection, in the embedded order."""
    return [c.build() for c in CONSUMERS]
