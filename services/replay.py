"""Rebuild read models from the log (``pmf replay``).

Read models (reporting's views, returns' view of the framework) are derived:
they are emptied and re-applied from position 0. Assessment is not replayed,
because its output is events in the log itself; re-running it would record
the same decisions twice.

A replay is resumable: emptying the views and setting the ``replay`` marker
happen in one transaction, each batch commits with its tracking position,
and the marker is removed only at the end. A replay started again while the
marker is set (the last one was interrupted) carries on from where the
followers stopped instead of starting over.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.reporting.projections import framework_projection
from services.reporting.tables import metadata as reporting_tables
from services.returns.projections import known_indicators_projection
from services.returns.tables import known_indicators
from shared.eventstore import tracking
from shared.eventstore.schema import tracking as tracking_table
from shared.eventstore.store import EventStore
from shared.messaging.consumers import LogFollower

Progress = Callable[[int, int], None]
MARKER = "replay.in-progress"


def replay_read_models(
    store: EventStore,
    engine: Engine,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> int:
    """Empty and rebuild every read model (or resume); returns the log's length."""
    projections = [framework_projection(), known_indicators_projection()]
    with engine.begin() as conn:
        resuming = (
            conn.execute(
                sa.select(tracking_table.c.position).where(
                    tracking_table.c.consumer == MARKER
                )
            ).first()
            is not None
        )
        if not resuming:
            for table in reversed(reporting_tables.sorted_tables):
                conn.execute(table.delete())
            conn.execute(known_indicators.delete())
            for projection in projections:
                tracking.set_position(conn, projection.name, 0)
            tracking.set_position(conn, MARKER, 1)
    head = store.head()
    followers = [
        LogFollower(p, store, engine, batch_size=batch_size) for p in projections
    ]
    while any(f.step() for f in followers):
        if progress is not None:
            with engine.connect() as conn:
                done = min(tracking.position(conn, p.name) for p in projections)
            progress(min(done, head), head)
    with engine.begin() as conn:
        conn.execute(tracking_table.delete().where(tracking_table.c.consumer == MARKER))
    if progress is not None:
        progress(head, head)
    return head
