"""Rebuild read models from the log (``pmf replay``).

Read models (reporting's views, returns' view of the framework) are derived:
they are emptied and re-applied from position 0. Assessment is not replayed,
because its output is events in the log itself; re-running it would record
the same decisions twice.

The log is read ONCE: each batch of events is read and decoded a single time
and handed to every read model's ``apply_all`` in one transaction, with every
read model's tracking record. Reading the log once per read model would pay
the read and decode (most of a replay's cost outside the projections) again
for each of them.

Batches hold 20,000 events: every batch rewrites the index pages its rows
land on (a batch's results are spread over every indicator), so a bigger
batch writes each page once for more rows: against 5,000, commits cost 45%
less and the inserts 30% less (bench/RESULTS.md).

A replay is resumable: emptying the views and setting the ``replay`` marker
happen in one transaction, each batch commits with the tracking positions,
and the marker is removed only at the end. A replay started again while the
marker is set (the last one was interrupted) carries on from where the read
models stopped instead of starting over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.reporting.tables import metadata as reporting_tables
from services.returns.tables import known_indicators
from services.system import CONSUMERS
from shared.events.envelope import EventEnvelope
from shared.eventstore import tracking
from shared.eventstore.schema import tracking as tracking_table
from shared.eventstore.store import EventStore
from shared.messaging import parking
from shared.messaging.consumers import ApplyContext, Projection, apply_guarded

Progress = Callable[[int, int], None]
MARKER = "replay.in-progress"


def read_models() -> list[Projection]:
    """The projections a replay rebuilds (``services/system.py`` says which)."""
    return [c.build() for c in CONSUMERS if c.read_model]


def replay_read_models(
    store: EventStore,
    engine: Engine,
    progress: Progress | None = None,
    batch_size: int = 20_000,
) -> int:
    """Empty and rebuild every read model (or resume); returns the log's length."""
    projections = read_models()
    with engine.begin() as conn:
        if not _resuming(conn):
            _empty(conn, projections)
        at = {p.name: tracking.position(conn, p.name) for p in projections}
    head = store.head()
    done = min(at.values())
    while done < head:
        moved = _apply_batch(store, engine, projections, at, done, batch_size)
        if moved == done:  # nothing more to read
            break
        done = moved
        if progress is not None:
            progress(min(done, head), head)
    with engine.begin() as conn:
        conn.execute(tracking_table.delete().where(tracking_table.c.consumer == MARKER))
        _bulk_pragmas(conn, on=False)
    if progress is not None:
        progress(head, head)
    return head


# While a replay rewrites the read models on SQLite: the write-ahead log is
# copied back into the database every 200 MB instead of every 4 MB (the
# default), so index pages that every batch rewrites are copied once per
# checkpoint rather than once per batch, and the page cache is 64 MB instead
# of 2 MB. Durability is unchanged (synchronous stays FULL); both settings
# belong to the connection and are put back at the end. 10% less time for a
# 200,000-event replay (bench/RESULTS.md).
_REPLAY_PRAGMAS = {
    "wal_autocheckpoint": (50_000, 1_000),
    "cache_size": (-65_536, -2_000),
}


def _bulk_pragmas(conn: Connection, on: bool) -> None:
    if conn.dialect.name != "sqlite":
        return
    for name, (during, after) in _REPLAY_PRAGMAS.items():
        conn.exec_driver_sql(f"PRAGMA {name}={during if on else after}")


def _resuming(conn: Connection) -> bool:
    query = sa.select(tracking_table.c.position).where(
        tracking_table.c.consumer == MARKER
    )
    return conn.execute(query).first() is not None


def _empty(conn: Connection, projections: Sequence[Projection]) -> None:
    for table in reversed(reporting_tables.sorted_tables):
        conn.execute(table.delete())
    conn.execute(known_indicators.delete())
    # Everything is applied again, so what was parked is tried again too.
    parking.clear(conn, [p.name for p in projections])
    for projection in projections:
        tracking.set_position(conn, projection.name, 0)
    tracking.set_position(conn, MARKER, 1)


def _apply_batch(
    store: EventStore,
    engine: Engine,
    projections: Sequence[Projection],
    at: dict[str, int],
    after: int,
    batch_size: int,
) -> int:
    """Read one batch after ``after`` and apply it to every read model that has
    not seen it yet, all in one transaction; returns the batch's last position."""
    with engine.begin() as conn:
        _bulk_pragmas(conn, on=True)
        events = store.read_all(after, batch_size, conn=conn)
        if not events:
            return after
        last = events[-1].position
        assert last is not None
        ctx = ApplyContext(conn=conn, store=None)
        for projection in projections:
            seen = at[projection.name]
            if seen >= last:
                continue
            fresh = events if seen <= after else _after(events, seen)
            apply_guarded(projection, ctx, fresh)
            tracking.set_position(conn, projection.name, last)
    for projection in projections:
        at[projection.name] = max(at[projection.name], last)
    return last


def _after(events: Sequence[EventEnvelope], position: int) -> list[EventEnvelope]:
    """The events past ``position`` (a read model an interrupted replay left ahead)."""
    return [e for e in events if (e.position or 0) > position]
