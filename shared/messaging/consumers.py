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

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from shared.events.catalogue import CURRENT_VERSIONS
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore import tracking
from shared.eventstore.store import EventStore, StreamAppend
from shared.messaging import parking
from shared.messaging.failures import describe, is_passing

log = logging.getLogger(__name__)


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

    def emit_many(self, appends: Sequence[StreamAppend]) -> list[EventEnvelope]:
        """Append to many streams in one multi-row insert, in this transaction."""
        if self.store is None:
            raise RuntimeError("this consumer has no log to emit to")
        recorded = self.store.append_many(appends, conn=self.conn)
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

    def __post_init__(self) -> None:
        unknown = sorted(set(self.handlers) - set(CURRENT_VERSIONS))
        if unknown:
            raise UnknownEventType(
                f"consumer {self.name!r} has handlers for event types that are "
                f"not in the catalogue: {', '.join(unknown)}"
            )

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


class UnknownEventType(RuntimeError):
    """A consumer names an event type the catalogue does not have (a typo, or a
    type removed): refused at start-up rather than silently never applied."""


def apply_guarded(
    projection: Projection,
    ctx: ApplyContext,
    events: Sequence[EventEnvelope],
    held: set[str] | None = None,
) -> list[EventEnvelope]:
    """Apply ``events`` in order, parking poison events; returns those applied.

    The batch is tried whole in a savepoint. A passing fault (see
    ``shared.messaging.failures``) is raised for the caller to retry the
    whole batch later. Any other failure splits the batch in halves until the
    events the consumer's code raises on are found; each is parked with its
    error, and the later events of its stream are parked behind it, while
    every other event of the batch is applied.
    """
    conn = ctx.conn
    if held is None:
        held = parking.held_streams(conn, projection.name)
    applied: list[EventEnvelope] = []
    _apply_or_split(
        projection, ctx, [e for e in events if projection.wants(e)], held, applied
    )
    return applied


def _apply_or_split(
    projection: Projection,
    ctx: ApplyContext,
    events: Sequence[EventEnvelope],
    held: set[str],
    applied: list[EventEnvelope],
) -> None:
    live = []
    for event in events:
        if event.stream in held:
            parking.park(ctx.conn, projection.name, event, parking.WAITING, None)
        else:
            live.append(event)
    if not live:
        return
    mark = len(ctx.emitted)
    try:
        with ctx.conn.begin_nested():
            projection.apply_all(ctx, live)
    except Exception as exc:
        del ctx.emitted[mark:]
        if is_passing(exc):
            raise
        if len(live) == 1:
            [poison] = live
            error = describe(exc)
            log.error(
                "%s parked %s %s v%d: %s",
                projection.name,
                poison.type,
                poison.stream,
                poison.stream_version,
                error,
                exc_info=exc,
            )
            parking.park(ctx.conn, projection.name, poison, parking.FAILED, error)
            held.add(poison.stream)
            return
        middle = len(live) // 2
        _apply_or_split(projection, ctx, live[:middle], held, applied)
        _apply_or_split(projection, ctx, live[middle:], held, applied)
        return
    applied.extend(live)


@dataclass
class RetryOutcome:
    """What ``pmf parked retry`` did for one consumer."""

    consumer: str
    applied: int = 0
    still_parked: int = 0
    errors: list[str] = field(default_factory=list)


def retry_parked(
    projection: Projection,
    engine: Engine,
    sink: EventStore | None,
    stream_tracked: bool,
) -> RetryOutcome:
    """Re-apply ``projection``'s parked events, stream by stream, in order.

    A stream's events are applied until one raises again (it stays parked
    with its new error, and the rest of its stream behind it). For a Kafka
    consumer (``stream_tracked``) the stream's tracking version moves with
    what was applied, so a redelivery is still recognised as seen.
    """
    name = projection.name
    outcome = RetryOutcome(name)
    with engine.connect() as conn:
        streams = sorted(parking.held_streams(conn, name))
    for stream in streams:
        with engine.begin() as conn:
            ctx = ApplyContext(conn=conn, store=sink)
            done: list[EventEnvelope] = []
            failed = False
            for event in parking.stream_events(conn, name, stream):
                mark = len(ctx.emitted)
                try:
                    with conn.begin_nested():
                        projection.apply_all(ctx, [event])
                except Exception as exc:
                    del ctx.emitted[mark:]
                    if is_passing(exc):
                        raise
                    parking.mark_failed_again(conn, name, event, describe(exc))
                    outcome.errors.append(
                        f"{stream} v{event.stream_version}: {describe(exc)}"
                    )
                    failed = True
                    break
                done.append(event)
            parking.release(conn, name, done)
            if stream_tracked and done:
                tracking.set_stream_version(conn, name, stream, done[-1].stream_version)
            emitted = ctx.emitted
        outcome.applied += len(done)
        if failed:
            with engine.connect() as conn:
                outcome.still_parked += len(parking.stream_events(conn, name, stream))
        if sink is not None:
            sink.notify_committed(emitted)
    return outcome


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
    read: dict[tuple[int, int, int], list[EventEnvelope]] = {}  # (log, after, limit)
    with engine.begin() as conn:
        # Positions are read inside the transaction (another process may have
        # moved them), then kept in hand while this transaction holds the lock.
        at = {id(f): tracking.position(conn, f.projection.name) for f in followers}
        source = followers[0].source
        head = source.head(conn)
        while any(at[id(f)] < head for f in followers):
            for f in followers:
                if at[id(f)] < head:
                    # Followers at the same position share one read and one
                    # decode of the log (they usually are: they move together).
                    key = (id(f.source), at[id(f)], f.batch_size)
                    if key not in read:
                        read[key] = f.source.read_all(key[1], key[2], conn=conn)
                    batch = f.apply_next(conn, after=at[id(f)], events=read[key])
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
        on_applied: Callable[[str, Sequence[EventEnvelope]], None] | None = None,
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

    def apply_next(
        self,
        conn: Connection,
        after: int | None = None,
        events: list[EventEnvelope] | None = None,
    ) -> Batch:
        """Apply the next batch inside ``conn``'s transaction (no commit).

        ``events``, when given, are the log's events after ``after`` already
        read in this transaction (shared by followers at the same position).
        """
        if after is None:
            after = tracking.position(conn, self.projection.name)
        if events is None:
            events = self.source.read_all(after, self.batch_size, conn=conn)
        if not events:
            return Batch(self, [], [], after)
        ctx = ApplyContext(conn=conn, store=self.sink)
        apply_guarded(self.projection, ctx, events)
        last = events[-1].position
        assert last is not None
        tracking.set_position(conn, self.projection.name, last)
        return Batch(self, events, ctx.emitted, last)

    def committed(self, batch: Batch) -> None:
        """Record a batch whose transaction committed (cache, metrics)."""
        self._position = batch.position
        if self.on_applied is not None:
            wanted = [e for e in batch.events if self.projection.wants(e)]
            self.on_applied(self.projection.name, wanted)

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
        return bool(self.apply_many([event]))

    def apply_many(self, events: Sequence[EventEnvelope]) -> list[EventEnvelope]:
        """Apply a batch in ONE transaction, each event once; returns those applied.

        Delivery is at-least-once, so a batch may repeat events already applied
        (or repeat one within itself): the stream versions say which to skip.
        """
        name = self.projection.name
        with self._lock:
            with self.engine.begin() as conn:
                tracked = tracking.stream_versions(
                    conn, name, {e.stream for e in events}
                )
                known = dict(tracked)
                applied: list[EventEnvelope] = []
                ctx = ApplyContext(conn=conn, store=self.sink)
                fresh: list[EventEnvelope] = []
                for event in events:
                    if event.stream_version <= known.get(event.stream, 0):
                        continue
                    known[event.stream] = event.stream_version
                    fresh.append(event)
                done = apply_guarded(self.projection, ctx, fresh)
                # Parked events do not move their stream's version (a retry
                # applies them), and what follows them is parked too.
                done_ids = {id(e) for e in done}
                first_parked: dict[str, int] = {}
                for e in fresh:
                    if self.projection.wants(e) and id(e) not in done_ids:
                        first_parked.setdefault(e.stream, e.stream_version)
                versions: dict[str, int] = {}
                for event in fresh:
                    if event.stream_version < first_parked.get(
                        event.stream, event.stream_version + 1
                    ):
                        versions[event.stream] = max(
                            versions.get(event.stream, 0), event.stream_version
                        )
                tracking.set_stream_versions(conn, name, versions, set(tracked))
                applied.extend(done)
                emitted = ctx.emitted
            if self.sink is not None:
                self.sink.notify_committed(emitted)
            return applied
