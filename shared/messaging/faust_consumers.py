"""Faust agents whose loop body is one call into a consumer of the core.

Messages are taken as raw bytes and decoded here, so a malformed message
becomes a dead letter with a reason instead of crashing the agent. The work
itself (SQL) runs in a worker thread so the agent's event loop stays free for
Kafka heartbeats.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust
from kafka import KafkaProducer

from shared.events.catalogue import DEAD_LETTER_TOPIC
from shared.events.envelope import EventEnvelope, iso, utc_now
from shared.events.upcasting import upcast
from shared.http.readiness import Check
from shared.messaging.consumers import StreamApplier
from shared.messaging.failures import describe, is_passing
from shared.observability.metrics import Metrics

log = logging.getLogger(__name__)


def make_faust_app(service: str, bootstrap: str, datadir: Path) -> faust.App:
    """A Faust app for one service's consumers (at-least-once, memory store)."""
    datadir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        f"pmf-{service}",
        datadir=str(datadir / f"faust-{service}"),
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_partitions=2,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
    )


class DeadLetters:
    """Sends inputs that could not be accepted to ``pmf.dead-letter``.

    The producer is made on the first dead letter, not when the service is
    built: a service must start (and serve) while the broker is still away.
    """

    def __init__(self, producer: Callable[[], KafkaProducer], metrics: Metrics) -> None:
        self._make_producer = producer
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self.metrics = metrics

    @property
    def producer(self) -> KafkaProducer:
        """The producer, made on first use (raises while the broker is away)."""
        with self._lock:
            if self._producer is None:
                self._producer = self._make_producer()
            return self._producer

    def close(self) -> None:
        """Close the producer, if one was made."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=10)
                self._producer = None

    def send(self, source_topic: str, reason: str, payload: bytes | str) -> None:
        """Record one rejected input with its reason and original payload."""
        text = (
            payload.decode("utf-8", "replace")
            if isinstance(payload, bytes)
            else payload
        )
        body = {
            "source_topic": source_topic,
            "reason": reason,
            "payload": text[:64_000],
            "rejected_at": iso(utc_now()),
        }
        self.producer.send(DEAD_LETTER_TOPIC, value=json.dumps(body).encode())
        self.producer.flush(timeout=30)
        self.metrics.dead_letters.labels(reason.split(" ")[0]).inc()


def decode_event(raw: bytes) -> EventEnvelope:
    """An event envelope from a topic message (upcast to current versions)."""
    return upcast(EventEnvelope.from_json(raw))


def event_handler(
    applier: StreamApplier, dead_letters: DeadLetters, metrics: Metrics, topic: str
) -> Callable[[list[bytes]], None]:
    """The blocking body of an agent that applies a batch of pmf events once each."""
    name = applier.projection.name

    def handle(raws: list[bytes]) -> None:
        batch = []
        for raw in raws:
            try:
                batch.append(decode_event(raw))
            except ValueError as exc:
                dead_letters.send(topic, f"undecodable event: {exc}"[:500], raw)
        metrics.applied_many(name, list(applier.apply_many(batch)))

    return handle


# Batches adapt to the load. While a batch is applied, Faust keeps fetching
# into its stream buffer; when the body returns, take() moves what is queued
# into the next batch at once (up to BATCH) and waits at most BATCH_WAIT for
# more. Under load a batch is therefore everything that arrived meanwhile (one
# transaction for up to BATCH events); when quiet, a message waits at most
# BATCH_WAIT per hop. A longer wait (it was 50 ms) left a busy hop idle after
# every batch that did not fill, and added up to that much per hop to the
# freshness of a result.
BATCH = 1000  # events applied in one transaction at most
BATCH_WAIT = 0.01  # seconds a batch may wait to fill
MAX_BACKOFF = 30.0  # seconds between tries while a dependency is away


class AgentHealth:
    """What each agent waits for, if anything: read by ``/readyz``.

    An agent that meets a passing fault (database or broker away) records it
    here until its batch goes through, so readiness can name the dependency.
    """

    def __init__(self) -> None:
        self.waiting: dict[str, str] = {}

    def check(self) -> Check:
        """Readiness: down while any agent waits for a dependency, naming it."""
        if not self.waiting:
            return Check("agents")
        return Check(
            "agents",
            "down",
            "waiting: "
            + "; ".join(f"{a}: {why}" for a, why in sorted(self.waiting.items())),
        )


def add_batch_agent(
    app: faust.App,
    topics: list[str],
    handle: Callable[[list[bytes]], Any],
    name: str,
    dead_letters: DeadLetters,
    health: AgentHealth | None = None,
) -> None:
    """An agent that takes messages in batches and applies each batch at once.

    Faust acknowledges a batch's messages only after this body has returned
    for it, so a crash mid-batch replays it (consumers skip what they applied).
    Failures are classified (``shared.messaging.failures``): a passing fault
    (the database or broker away) is retried without limit, with back-off and
    one log line when it starts and one when it ends, and nothing is
    dead-lettered meanwhile. Poison events are parked by the consumer itself
    (``apply_guarded``); a message whose handling still raises for another
    reason is found by splitting the batch and sent to the dead-letter topic
    with the reason, so the rest are applied.
    """
    channel = app.topic(*topics, key_serializer="raw", value_serializer="raw")
    source = ",".join(topics)

    async def run(values: list[bytes]) -> None:
        delay = 0.5
        waiting = False
        while True:
            try:
                await asyncio.to_thread(handle, values)
            except Exception as exc:
                if is_passing(exc):
                    if not waiting:
                        log.warning(
                            "%s waits for a dependency, retrying: %s",
                            name,
                            describe(exc),
                        )
                        waiting = True
                    if health is not None:
                        health.waiting[name] = describe(exc)[:200]
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)
                    continue
                if len(values) > 1:
                    for value in values:  # find the message that fails
                        await run([value])
                    return
                log.error("%s could not process a message", name, exc_info=exc)
                reason = f"processing failed: {describe(exc)}"[:500]
                await asyncio.to_thread(dead_letters.send, source, reason, values[0])
                return
            else:
                if waiting:
                    log.warning("%s: dependency back, batch applied", name)
                if health is not None:
                    health.waiting.pop(name, None)
                return

    async def agent(stream: Any) -> None:
        async for values in stream.take(BATCH, within=BATCH_WAIT):
            await run(list(values))

    app.agent(channel, name=name)(agent)
