"""The outbox relay on a real broker: every event published, in log order, and
after a failed publish it resumes from the position recorded in the database.

The relay keeps its tracked position in memory between steps (one query less
per step); these tests fail if that cache ever lets it skip events: after a
failure it must read the position again, and what it publishes must match the
log exactly.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic

from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore import tracking
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore
from shared.messaging.relay import RELAY, KafkaRelay, make_producer
from tests.support.postgres import free_port

pytestmark = pytest.mark.e2e


def _rejections(store: EventStore, count: int, start: int = 0) -> None:
    for k in range(start, start + count):
        store.append(
            f"rejections:relay-{k % 3}",
            None,
            [
                NewEvent(
                    type="ReturnRejected", data={"reason": f"r{k}", "source": "laa"}
                )
            ],
            Metadata(actor="test"),
        )


def _one_partition_topic(bootstrap: str) -> str:
    """A new topic of one partition, so its order is the order of publishing."""
    topic = f"relay-test-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="relay-test")
    try:
        admin.create_topics([NewTopic(topic, 1, 1)], wait_for_metadata=True)
    finally:
        admin.close()
    return topic


def _published(bootstrap: str, topic: str) -> list[EventEnvelope]:
    """Every event on ``topic``, from the start (read until 5 s of silence)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    try:
        parts = [TopicPartition(topic, 0)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        return [EventEnvelope.from_json(message.value) for message in consumer]
    finally:
        consumer.close()


def test_relay_publishes_in_order_and_resumes_from_the_database(
    kafka: str, tmp_path: Path
) -> None:
    topic = _one_partition_topic(kafka)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    store = EventStore(engine)
    store.create_schema()
    relay = KafkaRelay(store, engine, make_producer(kafka), topic_of=lambda _t: topic)
    relay.batch_size = 7  # several steps
    try:
        _rejections(store, 20)
        while relay.step():
            pass
        assert relay.lag() == 0

        # A step that fails (the broker cannot be reached) must forget the
        # position it held: here the recorded position is moved back behind
        # its back, as a restore of the database would, and the next good step
        # has to publish from there again rather than from its memory.
        relay.producer = None
        relay.producer_factory = lambda: make_producer(f"127.0.0.1:{free_port()}")
        _rejections(store, 5, start=20)
        with pytest.raises(Exception):  # noqa: B017 - whatever the client raises
            relay.step()
        with engine.begin() as conn:
            tracking.set_position(conn, RELAY, 18)
        relay.producer = make_producer(kafka)
        while relay.step():
            pass
        assert relay.lag() == 0
    finally:
        relay.stop()
        engine.dispose()

    log = store.read_all(0, 1000)
    published = _published(kafka, topic)
    positions = [e.position for e in log]
    # Everything once in order, then (after the rewind) from position 19 on again.
    again = [e for e in log if (e.position or 0) > 18]
    expected = log[:20] + again
    assert [e.event_id for e in published] == [e.event_id for e in expected]
    assert [e.data for e in published] == [e.data for e in expected]
    assert positions == sorted(positions)
