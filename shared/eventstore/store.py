"""The append-only event store on SQLAlchemy 2 (SQLite and PostgreSQL).

Why it looks like this:

* Optimistic concurrency: an append names the stream version it expects; a
  stale one raises :class:`ConcurrencyConflict` (HTTP 409), so two people
  editing one indicator cannot silently overwrite each other.
* A global ``position`` gives followers one order to read in. On PostgreSQL
  a writing transaction takes one transaction-scoped advisory lock before it
  draws positions and keeps it until it commits, so positions become visible
  in the order they were drawn and a follower never skips an event committed
  late by a slower transaction (docs/decisions.md, "Global order on
  PostgreSQL"). SQLite has one writer at a time anyway.
* :meth:`EventStore.append_many` appends to many streams in one multi-row
  insert, each stream with its own expected version, so a batch of LAA
  results costs one statement instead of one per result.
* Appends can join the caller's transaction (``conn``), so a consumer commits
  its tracking record, its view rows and any events it emits atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from shared import codec
from shared.errors import ConcurrencyConflict
from shared.events.envelope import (
    EventEnvelope,
    Metadata,
    NewEvent,
    event_id_of,
    iso,
    new_event_ids,
    remember_iso,
    utc_now,
)
from shared.events.payloads import validate_payload
from shared.events.upcasting import upcast
from shared.eventstore.bulk import array_text
from shared.eventstore.members import members, per_member
from shared.eventstore.recent import RecentEvents
from shared.eventstore.schema import events, metadata

# Each stream's newest version: one step down the (stream, stream_version)
# index per stream, where GROUP BY over "stream IN (...)" read every version
# of every stream, so an append cost more the longer its streams had grown.
_STREAM_VERSIONS = per_member(
    "streams", "SELECT max(e.stream_version) FROM events e WHERE e.stream = {m}"
)

# On PostgreSQL a batch of events is one INSERT over arrays (one per column,
# written as array literals): the same statement text for every batch, so
# the server plans it once, where multi-row VALUES lists of every length
# were parsed and planned afresh (a large part of an append's cost there).
# Rows are numbered in the order of the arrays, as the check below requires.
_APPEND_COLUMNS = {
    "event_id": "VARCHAR",
    "stream": "VARCHAR",
    "stream_version": "INTEGER",
    "type": "VARCHAR",
    "schema_version": "INTEGER",
    "occurred_at": "VARCHAR",
    "recorded_at": "VARCHAR",
    "actor": "VARCHAR",
    "correlation_id": "VARCHAR",
    "causation_id": "VARCHAR",
    "data": "TEXT",
}
_APPEND_ARRAYS = sa.text(
    f"INSERT INTO events ({', '.join(_APPEND_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{c} AS {t}[])" for c, t in _APPEND_COLUMNS.items())
    + ") RETURNING event_id, position"
)


def _as_arrays(rows: Sequence[dict[str, object]]) -> dict[str, str] | None:
    arrays = {c: array_text([row[c] for row in rows]) for c in _APPEND_COLUMNS}
    if any(text is None for text in arrays.values()):
        return None  # a value of a type array_text does not write
    return {c: text for c, text in arrays.items() if text is not None}


AppendListener = Callable[[Sequence[EventEnvelope]], None]

# The key of the advisory lock that orders position assignment on PostgreSQL
# (any constant shared by every writer of the log; this one spells "pmf-log").
POSITION_LOCK_KEY = 0x706D662D6C6F67
_LOCKED = "pmf_position_lock"


@dataclass(frozen=True)
class StreamAppend:
    """Events for one stream, appended if the stream is at ``expected_version``.

    ``expected_version`` 0 means the stream must not exist yet; ``None``
    appends whatever the version (for streams with a single writer).
    """

    stream: str
    expected_version: int | None
    events: Sequence[NewEvent]
    meta: Metadata


class EventStore:
    """Appends events to streams and reads them back, by stream or in order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._listeners: list[AppendListener] = []
        # The newest position this process has seen committed: lets followers
        # in the same process skip a database round trip when nothing is new.
        self.last_position: int | None = None
        # What this process appended, for its own followers and relay to read
        # back without a query (served only when exactly right: recent.py).
        self._recent = RecentEvents()

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
        return self.append_many(
            [StreamAppend(stream, expected_version, new_events, meta)], conn=conn
        )

    def append_many(
        self, appends: Sequence[StreamAppend], conn: Connection | None = None
    ) -> list[EventEnvelope]:
        """Append to many streams at once, in one multi-row insert.

        Each stream is checked against its own expected version; one stale
        version raises :class:`ConcurrencyConflict` and nothing of the batch is
        written. A stream may appear more than once: later appends to it
        follow the earlier ones. Returns the recorded events in order.
        """
        if not any(a.events for a in appends):
            return []
        if conn is None:
            with self.transaction() as own:
                recorded = self._append_many(own, appends)
            self._notify(recorded)
            return recorded
        return self._append_many(conn, appends)

    def _notify(self, recorded: Sequence[EventEnvelope]) -> None:
        self._recent.add(recorded)
        newest = max((e.position or 0) for e in recorded)
        self.last_position = max(self.last_position or 0, newest)
        for listener in self._listeners:
            listener(recorded)

    def notify_committed(self, recorded: Sequence[EventEnvelope]) -> None:
        """Tell listeners about events appended inside a caller's transaction."""
        if recorded:
            self._notify(recorded)

    def _append_many(
        self, conn: Connection, appends: Sequence[StreamAppend]
    ) -> list[EventEnvelope]:
        appends = [a for a in appends if a.events]
        for a in appends:  # before any lock or write: bad events never land
            for e in a.events:
                validate_payload(e.type, e.schema_version, e.data)
        _lock_positions(conn)
        current = self._stream_versions(conn, {a.stream for a in appends})
        now = utc_now()
        recorded: list[EventEnvelope] = []
        ids = iter(new_event_ids(sum(len(a.events) for a in appends)))
        # SQLite admits one writer (BEGIN IMMEDIATE), so the positions are the
        # ones after the head, known before the insert: the rows go to the
        # driver's executemany as they are, where an insert RETURNING the
        # positions cost SQLAlchemy's multi-row VALUES machinery and a second
        # envelope per event. (A writer outside such a transaction that raced
        # this one would meet the primary key: a conflict, never a reorder.)
        numbers = (
            count(int(conn.execute(_HEAD).scalar() or 0) + 1)
            if conn.dialect.name == "sqlite"
            else None
        )
        for a in appends:
            at = current.get(a.stream, 0)
            if a.expected_version is not None and a.expected_version != at:
                raise ConcurrencyConflict(
                    f"{a.stream} is at version {at}, not {a.expected_version}: "
                    "it changed since you read it; reload and try again"
                )
            meta = a.meta
            # Every field comes from models validated on their own (NewEvent,
            # Metadata), the clock or this method, and the payload was checked
            # above, so the envelope is built without validating it again.
            recorded.extend(
                EventEnvelope.trusted(
                    event_id=next(ids),
                    type=e.type,
                    schema_version=e.schema_version,
                    stream=a.stream,
                    stream_version=at + i,
                    occurred_at=e.occurred_at or meta.occurred_at or now,
                    recorded_at=now,
                    actor=meta.actor,
                    correlation_id=meta.correlation_id,
                    causation_id=meta.causation_id,
                    data=e.data,
                    position=None if numbers is None else next(numbers),
                )
                for i, e in enumerate(a.events, start=1)
            )
            current[a.stream] = at + len(a.events)
        if numbers is not None:
            try:
                conn.exec_driver_sql(_APPEND_SQLITE, [_values(e) for e in recorded])
            except IntegrityError as exc:
                streams = ", ".join(sorted({a.stream for a in appends})[:5])
                raise ConcurrencyConflict(
                    f"{streams} was changed by someone else at the same moment"
                ) from exc
            return recorded
        try:
            # Unordered RETURNING lets SQLAlchemy send the rows as multi-row
            # INSERT ... VALUES statements (up to 1,000 rows each); the rows
            # come back matched by event id.
            rows = [_row(e) for e in recorded]
            arrays = _as_arrays(rows) if conn.dialect.name == "postgresql" else None
            if arrays is not None:
                result = conn.execute(_APPEND_ARRAYS, arrays)
            else:
                result = conn.execute(
                    events.insert().returning(events.c.event_id, events.c.position),
                    rows,
                )
            drawn = {row[0]: row[1] for row in result}
        except IntegrityError as exc:
            streams = ", ".join(sorted({a.stream for a in appends})[:5])
            raise ConcurrencyConflict(
                f"{streams} was changed by someone else at the same moment"
            ) from exc
        positions = [drawn[str(e.event_id)] for e in recorded]
        if positions != sorted(positions):  # a database that reordered VALUES rows
            raise RuntimeError("the log assigned positions out of insertion order")
        return [e.placed(p) for e, p in zip(recorded, positions, strict=True)]

    def _stream_versions(self, conn: Connection, streams: set[str]) -> dict[str, int]:
        """The current version of each of ``streams`` (missing ones are at 0)."""
        found: dict[str, int] = {}
        names = sorted(streams)
        for start in range(0, len(names), 500):  # keeps under SQLite's variable limit
            chunk = names[start : start + 500]
            bound = {"streams": members(chunk)}
            query = _STREAM_VERSIONS[conn.dialect.name]
            found.update(
                {row[0]: int(row[1]) for row in conn.execute(query, bound) if row[1]}
            )
        return found

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
            return [envelope_of(r) for r in c.execute(query)]

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
            return [envelope_of(r) for r in c.execute(query)]

    def read_all(
        self, after: int = 0, limit: int = 1000, conn: Connection | None = None
    ) -> list[EventEnvelope]:
        """Up to ``limit`` events after global position ``after``, in order.

        Events this process appended and saw committed may come from memory,
        and then as many as it holds in a row: a reader goes on until it has
        reached the head, never taking a short read for the end of the log.
        """
        held = self._recent.after(after, limit, self.last_position)
        if held:
            return held
        query = (
            sa.select(events)
            .where(events.c.position > after)
            .order_by(events.c.position)
            .limit(limit)
        )
        with self._conn(conn) as c:
            return [envelope_of(r) for r in c.execute(query)]

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


def _lock_positions(conn: Connection) -> None:
    """On PostgreSQL, take the position lock for the rest of the transaction.

    ``pg_advisory_xact_lock`` is held until commit or rollback, and a commit
    becomes visible before its locks are released: a writer that draws
    positions after this one therefore commits after it, and a follower that
    has seen position N has seen every committed position below N. Taken
    once per transaction (the lock is re-entrant, the round trip is not).
    SQLite needs nothing: ``BEGIN IMMEDIATE`` already admits one writer.
    """
    if conn.dialect.name != "postgresql":
        return
    transaction = conn.get_transaction()
    if transaction is not None and conn.info.get(_LOCKED) is transaction:
        return
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(POSITION_LOCK_KEY)))
    conn.info[_LOCKED] = transaction


_HEAD = sa.select(sa.func.max(events.c.position))
_APPEND_SQLITE = (
    f"INSERT INTO events ({', '.join(c.name for c in events.columns)}) "
    f"VALUES ({', '.join('?' for _ in events.columns)})"
)


def _values(e: EventEnvelope) -> tuple[object, ...]:
    """The row of ``e`` in the table's column order (for SQLite's driver)."""
    return (
        e.position,
        str(e.event_id),
        e.stream,
        e.stream_version,
        e.type,
        e.schema_version,
        iso(e.occurred_at),
        iso(e.recorded_at),
        e.actor,
        e.correlation_id,
        e.causation_id,
        codec.dumps(e.data),
    )


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
        "data": codec.dumps(e.data),
    }


def envelope_of(row: Sequence[Any]) -> EventEnvelope:
    """The envelope of a stored row (all of ``events``' columns, in table
    order), without validating it again.

    Every row was validated (envelope and payload) when it was appended, so
    decoding builds the model directly: validation per event read was a
    large part of what each consumer and replay spent per event. The row is
    unpacked by position: reading a row mapping by name cost more than the
    rest of the decoding.
    """
    (
        position,
        event_id,
        stream,
        stream_version,
        type_,
        schema_version,
        occurred_at,
        recorded_at,
        actor,
        correlation_id,
        causation_id,
        data,
    ) = row
    event = EventEnvelope.trusted(
        event_id=event_id_of(event_id),
        type=type_,
        schema_version=schema_version,
        stream=stream,
        stream_version=stream_version,
        occurred_at=_timestamp(occurred_at),
        recorded_at=_timestamp(recorded_at),
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data=codec.loads(data),
        position=position,
    )
    return upcast(event)


_ISO_WIDTH = len("2009-04-30T12:00:00.000000Z")


def _timestamp(value: str | datetime) -> datetime:
    """A stored timestamp (ISO text with ``Z``) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    ts = datetime.fromisoformat(value)
    if len(value) == _ISO_WIDTH and value[10] == "T" and value[-1] == "Z":
        # the text iso() writes for it
        remember_iso(ts, value)
    return ts
