"""The append-only event store on SQLAlchemy 2 (SQLite and PostgreSQL).

Why it looks like this:

* Optimistic concurrency: an append names the stream version it expects; a
  stale one raises :class:`ConcurrencyConflict` (HTTP 409), so two people
  editing one indicator cannot silently overwrite each other.
* A global ``position`` gives followers one order to read in. On PostgreSQL
  appends take a table lock so positions become visible in order and a
  follower never skips an event committed late by a slower transaction.
* Appends can join the caller's transaction (``conn``), so a consumer commits
  its tracking record, its view rows and any events it emits atomically.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from shared.errors import ConcurrencyConflict
from shared.events.envelope import EventEnvelope, Metadata, NewEvent, iso, utc_now
from shared.events.payloads import validate_payload
from shared.events.upcasting import upcast
from shared.eventstore.schema import events, metadata

AppendListener = Callable[[Sequence[EventEnvelope]], None]


class EventStore:
    """Appends events to streams and reads them back, by stream or in order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._listeners: list[AppendListener] = []
        # The newest position this process has seen committed: lets followers
        # in the same process skip a database round trip when nothing is new.
        self.last_position: int | None = None

    def create_schema(self) -> None:
        """Create the log and tracking tables when missing."""
        metadata.create_all(self.engine)

    def on_append(self, listener: AppendListener) -> None:
        """Call ``listener`` after every committed append made through this store."""
        self._listeners.append(listener)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One database transaction, committed on success."""
        with self.engine.begin() as conn:
            yield conn

    def append(
        self,
        stream: str,
        expected_version: int | None,
        new_events: Sequence[NewEvent],
        meta: Metadata,
        conn: Connection | None = None,
    ) -> list[EventEnvelope]:
        """Append ``new_events`` to ``stream`` if it is at ``expected_version``.

        ``expected_version`` 0 means the stream must not exist yet; ``None``
        appends whatever the version (for streams with a single writer).
        """
        if not new_events:
            return []
        if conn is None:
            with self.transaction() as own:
                recorded = self._append(own, stream, expected_version, new_events, meta)
            self._notify(recorded)
            return recorded
        return self._append(conn, stream, expected_version, new_events, meta)

    def _notify(self, recorded: Sequence[EventEnvelope]) -> None:
        newest = max((e.position or 0) for e in recorded)
        self.last_position = max(self.last_position or 0, newest)
        for listener in self._listeners:
            listener(recorded)

    def notify_committed(self, recorded: Sequence[EventEnvelope]) -> None:
        """Tell listeners about events appended inside a caller's transaction."""
        if recorded:
            self._notify(recorded)

    def _append(
        self,
        conn: Connection,
        stream: str,
        expected_version: int | None,
        new_events: Sequence[NewEvent],
        meta: Metadata,
    ) -> list[EventEnvelope]:
        for e in new_events:  # before any lock or write: bad events never land
            validate_payload(e.type, e.schema_version, e.data)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
        current = self.stream_version(stream, conn)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(
                f"{stream} is at version {current}, not {expected_version}: "
                "it changed since you read it; reload and try again"
            )
        now = utc_now()
        recorded = [
            EventEnvelope(
                event_id=uuid.uuid4(),
                type=e.type,
                schema_version=e.schema_version,
                stream=stream,
                stream_version=current + i,
                occurred_at=e.occurred_at or meta.occurred_at or now,
                recorded_at=now,
                actor=meta.actor,
                correlation_id=meta.correlation_id,
                causation_id=meta.causation_id,
                data=e.data,
            )
            for i, e in enumerate(new_events, start=1)
        ]
        try:
            result = conn.execute(
                events.insert().returning(
                    events.c.position, sort_by_parameter_order=True
                ),
                [_row(e) for e in recorded],
            )
            positions = [row[0] for row in result]
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                f"{stream} was changed by someone else at the same moment"
            ) from exc
        return [
            e.model_copy(update={"position": p})
            for e, p in zip(recorded, positions, strict=True)
        ]

    def stream_version(self, stream: str, conn: Connection | None = None) -> int:
        """The version of the last event in ``stream`` (0 when it has none)."""
        query = sa.select(sa.func.max(events.c.stream_version)).where(
            events.c.stream == stream
        )
        with self._conn(conn) as c:
            return int(c.execute(query).scalar() or 0)

    def read_stream(
        self, stream: str, conn: Connection | None = None
    ) -> list[EventEnvelope]:
        """Every event of ``stream`` in version order, upcast to current versions."""
        query = (
            sa.select(events)
            .where(events.c.stream == stream)
            .order_by(events.c.stream_version)
        )
        with self._conn(conn) as c:
            return [envelope_of(r) for r in c.execute(query).mappings()]

    def read_streams_like(
        self, prefix: str, conn: Connection | None = None
    ) -> list[EventEnvelope]:
        """Every event of the streams whose name starts with ``prefix``, in order."""
        query = (
            sa.select(events)
            .where(events.c.stream.startswith(prefix, autoescape=True))
            .order_by(events.c.position)
        )
        with self._conn(conn) as c:
            return [envelope_of(r) for r in c.execute(query).mappings()]

    def read_all(
        self, after: int = 0, limit: int = 1000, conn: Connection | None = None
    ) -> list[EventEnvelope]:
        """Up to ``limit`` events after global position ``after``, in order."""
        query = (
            sa.select(events)
            .where(events.c.position > after)
            .order_by(events.c.position)
            .limit(limit)
        )
        with self._conn(conn) as c:
            return [envelope_of(r) for r in c.execute(query).mappings()]

    def head(self, conn: Connection | None = None) -> int:
        """The global position of the newest event (0 for an empty log)."""
        with self._conn(conn) as c:
            found = int(
                c.execute(sa.select(sa.func.max(events.c.position))).scalar() or 0
            )
        self.last_position = max(self.last_position or 0, found)
        return found

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as own:
                yield own


def _row(e: EventEnvelope) -> dict[str, object]:
    return {
        "event_id": str(e.event_id),
        "stream": e.stream,
        "stream_version": e.stream_version,
        "type": e.type,
        "schema_version": e.schema_version,
        "occurred_at": iso(e.occurred_at),
        "recorded_at": iso(e.recorded_at),
        "actor": e.actor,
        "correlation_id": e.correlation_id,
        "causation_id": e.causation_id,
        "data": json.dumps(e.data, sort_keys=True, separators=(",", ":")),
    }


def envelope_of(row: sa.RowMapping) -> EventEnvelope:
    event = EventEnvelope(
        event_id=uuid.UUID(row["event_id"]),
        type=row["type"],
        schema_version=row["schema_version"],
        stream=row["stream"],
        stream_version=row["stream_version"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        data=json.loads(row["data"]),
        position=row["position"],
    )
    return upcast(event)
