"""The outbox relay: a write service's new events, published to Kafka.

A service appends to its own store first (the record), then this relay
publishes every event after its tracked position, flushes, and only then
moves the position on. A crash between the two publishes some events twice
(at-least-once); consumers skip repeats by stream version. The producer is
idempotent with ``acks=all`` so the broker never half-writes a batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from kafka import KafkaProducer
from sqlalchemy.engine import Engine

from shared.events.catalogue import topic_for
from shared.events.envelope import EventEnvelope
from shared.eventstore import tracking
from shared.eventstore.store import EventStore

log = logging.getLogger(__name__)
RELAY = "relay.kafka"


def make_producer(bootstrap: str) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        retries=10,
        max_in_flight_requests_per_connection=5,
    )


class KafkaRelay:
    """Publishes a store's events to their topics, in log order."""

    def __init__(
        self,
        store: EventStore,
        engine: Engine,
        producer: KafkaProducer | None,
        topic_of: Callable[[str], str] = topic_for,
        batch_size: int = 1000,
        producer_factory: Callable[[], KafkaProducer] | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        # None: made by ``producer_factory`` on the first publish, so a service
        # can be built (and serve) before the broker answers.
        self.producer = producer
        # After a broker outage an idempotent producer can stay stuck in
        # timeouts; a fresh one (new producer id) recovers at once.
        self.producer_factory = producer_factory
        self.topic_of = topic_of
        self.batch_size = batch_size
        # The tracked position as this relay last wrote it: read from the
        # database on the first step and again after any failure, so a step
        # costs one query less. Only a relay moves it; were another process's
        # relay to move it too, this one would publish some events again,
        # which consumers skip (at-least-once, as after a crash).
        self._position: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store.on_append(self._appended)

    def _appended(self, _recorded: Sequence[EventEnvelope]) -> None:
        self._wake.set()

    def step(self) -> int:
        """Publish the next batch; returns how many events were published."""
        try:
            return self._step()
        except BaseException:
            self._position = None  # read it again: the failed step may have moved it
            raise

    def _step(self) -> int:
        with self.engine.connect() as conn:
            if self._position is None:
                self._position = tracking.position(conn, RELAY)
            batch = self.store.read_all(self._position, self.batch_size, conn=conn)
        if not batch:
            return 0
        producer = self._producer()
        futures = [
            producer.send(
                self.topic_of(e.type),
                key=e.key.encode(),
                value=e.to_json().encode(),
            )
            for e in batch
        ]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
        last = batch[-1].position
        assert last is not None
        with self.engine.begin() as conn:
            tracking.set_position(conn, RELAY, last)
        self._position = last
        return len(batch)

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            if self.producer_factory is None:
                raise RuntimeError("the relay has neither a producer nor a factory")
            self.producer = self.producer_factory()
        return self.producer

    def lag(self) -> int:
        """Events appended but not yet published."""
        with self.engine.connect() as conn:
            return self.store.head(conn) - tracking.position(conn, RELAY)

    def _renew_producer(self) -> None:
        if self.producer_factory is None:
            return
        try:
            if self.producer is not None:
                self.producer.close(timeout=0)
        except Exception:  # a broken producer may not even close cleanly
            log.debug("closing the old producer failed", exc_info=True)
        self.producer = None
        try:
            self.producer = self.producer_factory()
        except Exception:  # the broker is still away: try again next time
            log.debug("a new producer could not start yet", exc_info=True)

    def _run(self, interval: float) -> None:
        failing = False
        delay = 1.0
        while not self._stop.is_set():
            try:
                moved = self.step()
            except Exception as exc:
                if not failing:
                    log.warning("relay cannot publish, retrying: %r", exc)
                    failing = True
                moved = 0
                self._renew_producer()
                self._stop.wait(delay)
                delay = min(delay * 2, 15.0)
                continue
            if failing:
                log.warning("relay publishing again")
                failing = False
                delay = 1.0
            if moved == 0:
                self._wake.wait(interval)
                self._wake.clear()

    def start(self, interval: float = 0.2) -> None:
        """Relay in a background thread until :meth:`stop`."""
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="kafka-relay", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop relaying and close the producer."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.producer is not None:
            self.producer.close(timeout=10)
