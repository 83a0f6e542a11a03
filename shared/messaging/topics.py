"""Creating pmf's Kafka topics with the settings the log needs.

Topics keep events forever (the log is the record), so they are created
explicitly with ``retention.ms=-1`` rather than left to broker defaults.
"""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.events.catalogue import DEAD_LETTER_TOPIC, LAA_TOPIC, TOPICS

log = logging.getLogger(__name__)
ALL_TOPICS = (*TOPICS.values(), LAA_TOPIC, DEAD_LETTER_TOPIC)


def ensure_topics(bootstrap: str, partitions: int = 2, replication: int = 1) -> None:
    """Create every pmf topic that does not exist yet."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="pmf-admin")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs={"retention.ms": "-1"},
            )
            for name in ALL_TOPICS
            if name not in existing
        ]
        if missing:
            try:
                admin.create_topics(missing, wait_for_metadata=True)
            except TopicAlreadyExistsError:
                log.info("topics created concurrently by another service")
    finally:
        admin.close()
