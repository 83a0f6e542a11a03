"""Rebuild read models from the log (``pmf replay``).

Read models (reporting's views, returns' view of the framework) are derived:
they are emptied and re-applied from position 0. Assessment is not replayed,
because its output is events in the log itself; re-running it would record
the same decisions twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from services.reporting.projections import framework_projection
from services.reporting.tables import metadata as reporting_tables
from services.returns.projections import known_indicators_projection
from services.returns.tables import known_indicators
from shared.eventstore import tracking
from shared.eventstore.store import EventStore
from shared.messaging.consumers import LogFollower

Progress = Callable[[int, int], None]


def replay_read_models(
    store: EventStore, engine: Engine, progress: Progress | None = None
) -> int:
    """Empty and rebuild every read model; returns the events replayed."""
    projections = [framework_projection(), known_indicators_projection()]
    with engine.begin() as conn:
        for table in reversed(reporting_tables.sorted_tables):
            conn.execute(table.delete())
        conn.execute(known_indicators.delete())
        for projection in projections:
            tracking.set_position(conn, projection.name, 0)
    head = store.head()
    followers = [LogFollower(p, store, engine, batch_size=2000) for p in projections]
    done = 0
    while True:
        moved = [f.step() for f in followers]
        if not any(moved):
            break
        done += moved[0]
        if progress is not None:
            progress(min(done, head), head)
    return head
