"""Consumers: how a projection or policy is applied to events exactly once.

A :class:`Projection` is a named set of handlers, one per event type, that
turn an event into effects on tables (and, for policies like assessment, into
new events). Two drivers apply it, one per mode, with the same guarantee:
effects and the tracking record commit in one transaction.

* :class:`LogFollower` (embedded) reads the local log by global position.
* :class:`StreamApplier` (distributed) is fed events from Kafka; delivery is
  at-least-once, so it keeps the last version seen of each stream and skips
  anything at or below it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore import tracking
from shared.eventstore.store import EventStore


@dataclass
class ApplyContext:
    """What a handler may touch: the open transaction and the log it emits to."""

    conn: Connection
    store: EventStore | None
    emitted: list[EventEnvelope] = field(default_factory=list)

    def emit(
        self,
        stream: str,
        new_events: Sequence[NewEvent],
        meta: Metadata,
        expected_version: int | None = None,
    ) -> list[EventEnvelope]:
        """Append events in the consumer's own transaction."""
        if self.store is None:
            raise RuntimeError("this consumer has no log to emit to")
        recorded = self.store.append(
            stream, expected_version, new_events, meta, conn=self.conn
        )
        self.emitted.extend(recorded)
        return recorded


Handler = Callable[[ApplyContext, EventEnvelope], None]
BatchHandler = Callable[[ApplyContext, Sequence[EventEnvelope]], None]


@dataclass
class Projection:
    """A named consumer: handlers by event type and the schema it needs."""

    name: str
    handlers: Mapping[str, Handler]
    create_schema: Callable[[Engine], None] = lambda _engine: None
    # A consumer that gains from seeing a whole batch at once (load state for
    # the batch's keys once, decide once per key, write set-based) gives this;
    # it receives only the events it has handlers for, in log order. Without
    # it, the batch is applied one event at a time through ``handlers``.
    apply_batch: BatchHandler | None = None

    def wants(self, event: EventEnvelope) -> bool:
        """Whether this consumer has a handler for the event's type."""
        return event.type in self.handlers

    def apply(self, ctx: ApplyContext, event: EventEnvelope) -> None:
        """Apply one event (a no-op for types it does not handle)."""
        handler = self.handlers.get(event.type)
        if handler is not None:
            handler(ctx, event)

    def apply_all(self, ctx: ApplyContext, events: Sequence[EventEnvelope]) -> None:
        """Apply a batch in order: the unit of work of every driver."""
        wanted = [e for e in events if e.type in self.handlers]
        if not wanted:
            return
        if self.apply_batch is not None:
            self.apply_batch(ctx, wanted)
            return
        for event in wanted:
            self.apply(ctx, event)


@dataclass
class Batch:
    """Events a follower applied in one go, and what it emitted meanwhile."""

    follower: LogFollower
    events: list[EventEnvelope]
    emitted: list[EventEnvelope]
    position: int


def catch_up_together(followers: Sequence[LogFollower], engine: Engine) -> int:
    """Bring several followers of one database to the head in ONE transaction.

    Events a follower emits (assessment's answers) are read by the followers
    after it in the same transaction, so a command costs one commit for all
    of its consequences instead of one per follower and batch.
    """
    if all(f.up_to_date() for f in followers):
        return 0
    batches: list[Batch] = []
    with engine.begin() as conn:
        # Positions are read inside the transaction (another process may have
        # moved them), then kept in hand while this transaction holds the lock.
        at = {id(f): tracking.position(conn, f.projection.name) for f in followers}
        source = followers[0].source
        head = source.head(conn)
        while any(at[id(f)] < head for f in followers):
            for f in followers:
                if at[id(f)] < head:
                    batch = f.apply_next(conn, after=at[id(f)])
                    batches.append(batch)
                    at[id(f)] = batch.position
            head = source.head(conn)  # what the followers emitted
    for batch in batches:
        batch.follower.committed(batch)
    emitted = [e for b in batches for e in b.emitted]
    sinks = {id(f.sink): f.sink for f in followers if f.sink is not None}
    for sink in sinks.values():
        sink.notify_committed(emitted)
    return sum(len(b.events) for b in batches)


class LogFollower:
    """Applies a projection to a local log in order, resuming from its position."""

    def __init__(
        self,
        projection: Projection,
        source: EventStore,
        engine: Engine,
        sink: EventStore | None = None,
        batch_size: int = 500,
        on_applied: Callable[[str, EventEnvelope], None] | None = None,
    ) -> None:
        self.projection = projection
        self.source = source
        self.engine = engine
        self.sink = sink
        self.batch_size = batch_size
        self.on_applied = on_applied
        self._position: int | None = None  # cached tracking position

    def up_to_date(self) -> bool:
        """True when, as far as this process knows, nothing new is in the log."""
        known = self.source.last_position
        return (
            self._position is not None and known is not None and self._position >= known
        )

    def apply_next(self, conn: Connection, after: int | None = None) -> Batch:
        """Apply the next batch inside ``conn``'s transaction (no commit)."""
        if after is None:
            after = tracking.position(conn, self.projection.name)
        events = self.source.read_all(after, self.batch_size, conn=conn)
        if not events:
            return Batch(self, [], [], after)
        ctx = ApplyContext(conn=conn, store=self.sink)
        self.projection.apply_all(ctx, events)
        last = events[-1].position
        assert last is not None
        tracking.set_position(conn, self.projection.name, last)
        return Batch(self, events, ctx.emitted, last)

    def committed(self, batch: Batch) -> None:
        """Record a batch whose transaction committed (cache, metrics)."""
        self._position = batch.position
        if self.on_applied is not None:
            for event in batch.events:
                if self.projection.wants(event):
                    self.on_applied(self.projection.name, event)

    def step(self) -> int:
        """Apply the next batch in its own transaction; returns events read."""
        if self.up_to_date():
            return 0
        with self.engine.begin() as conn:
            batch = self.apply_next(conn)
        self.committed(batch)
        if self.sink is not None:
            self.sink.notify_committed(batch.emitted)
        return len(batch.events)

    def catch_up(self) -> int:
        """Apply everything up to the head of the log; returns events read."""
        total = 0
        while n := self.step():
            total += n
        return total

    def lag(self) -> int:
        """Events in the log this follower has not applied yet."""
        with self.engine.connect() as conn:
            return self.source.head(conn) - tracking.position(
                conn, self.projection.name
            )


class StreamApplier:
    """Applies events delivered at least once (Kafka), each exactly once."""

    def __init__(
        self, projection: Projection, engine: Engine, sink: EventStore | None = None
    ) -> None:
        self.projection = projection
        self.engine = engine
        self.sink = sink
        self._lock = threading.Lock()

    def apply(self, event: EventEnvelope) -> bool:
        """Apply ``event`` unless already seen; returns whether it was applied."""
        name = self.projection.name
        with self._lock:
            with self.engine.begin() as conn:
                seen = tracking.stream_version(conn, name, event.stream)
                if event.stream_version <= seen:
                    return False
                ctx = ApplyContext(conn=conn, store=self.sink)
                self.projection.apply(ctx, event)
                tracking.set_stream_version(
                    conn, name, event.stream, event.stream_version
                )
                emitted = ctx.emitted
            if self.sink is not None:
                self.sink.notify_committed(emitted)
            return True

    def apply_many(self, events: Sequence[EventEnvelope]) -> list[EventEnvelope]:
        """Apply a batch in ONE transaction, each event once; returns those applied.

        Delivery is at-least-once, so a batch may repeat events already applied
        (or repeat one within itself): the stream versions say which to skip.
        """
        name = self.projection.name
        with self._lock:
            with self.engine.begin() as conn:
                known: dict[str, int] = {}
                moved: set[str] = set()
                applied: list[EventEnvelope] = []
                ctx = ApplyContext(conn=conn, store=self.sink)
                for event in events:
                    if event.stream not in known:
                        known[event.stream] = tracking.stream_version(
                            conn, name, event.stream
                        )
                    if event.stream_version <= known[event.stream]:
                        continue
                    known[event.stream] = event.stream_version
                    moved.add(event.stream)
                    applied.append(event)
                self.projection.apply_all(ctx, applied)
                for stream in sorted(moved):
                    tracking.set_stream_version(conn, name, stream, known[stream])
                emitted = ctx.emitted
            if self.sink is not None:
                self.sink.notify_committed(emitted)
            return applied
