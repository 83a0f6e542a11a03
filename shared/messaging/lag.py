"""Consumer lag on Kafka: how far a service's consumer group is behind each topic.

Read from the broker (the group's committed offsets against the partitions'
end offsets) when Prometheus scrapes, so it needs no bookkeeping in the agents.
"""

from __future__ import annotations

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition


class GroupLag:
    """Measures the lag of one consumer group on its topics."""

    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topics = topics

    def measure(self) -> dict[tuple[str, int], int]:
        """Lag by (topic, partition); partitions never committed count from 0."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="pmf-lag")
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        try:
            committed = admin.list_group_offsets({self.group: None}).get(self.group, {})
            partitions = [
                TopicPartition(topic, p)
                for topic in self.topics
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            ends = consumer.end_offsets(partitions)
        finally:
            consumer.close()
            admin.close()
        lag = {}
        for tp in partitions:
            done = committed.get(tp)
            offset = done.offset if done is not None and done.offset >= 0 else 0
            lag[(tp.topic, tp.partition)] = max(ends.get(tp, 0) - offset, 0)
        return lag
