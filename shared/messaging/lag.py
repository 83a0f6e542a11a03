"""Consumer lag on Kafka: how far a service's consumer group is behind each topic.

Read from the broker (the group's committed offsets against the partitions'
end offsets), so it needs no bookkeeping in the agents. Reading it can take as
long as the broker's timeouts when the broker is away, so no request waits on
it: :class:`LagSampler` reads it in a background thread every few seconds and
``/metrics`` and ``/readyz`` show the last good sample with its age. A sample
that could not be taken never turns into "0 behind".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

#: Milliseconds any one call to the broker may take while sampling.
_REQUEST_TIMEOUT_MS = 5_000


class GroupLag:
    """Measures the lag of one consumer group on its topics."""

    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topics = topics

    def measure(self) -> dict[tuple[str, int], int]:
        """Lag by (topic, partition); partitions never committed count from 0."""
        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap,
            client_id="pmf-lag",
            request_timeout_ms=_REQUEST_TIMEOUT_MS,
        )
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                request_timeout_ms=_REQUEST_TIMEOUT_MS + 1,
            )
        except Exception:
            admin.close()
            raise
        try:
            if not self.topics:  # nothing consumed: reaching the broker is the news
                return {}
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


@dataclass(frozen=True)
class LagSample:
    """What the sampler last knew: the lag, when it was read, and the broker's state.

    ``lag`` is None until a first sample succeeded. ``broker_up`` is the outcome
    of the latest attempt; ``error`` says why it failed.
    """

    lag: dict[tuple[str, int], int] | None
    taken_at: float | None  # time.monotonic() of the last good sample
    broker_up: bool | None  # None: not tried yet
    error: str | None = None

    @property
    def total(self) -> int | None:
        """Messages behind on every partition together (None: never measured)."""
        return None if self.lag is None else sum(self.lag.values())

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the last good sample (None: never measured)."""
        if self.taken_at is None:
            return None
        return max((time.monotonic() if now is None else now) - self.taken_at, 0.0)


class LagSampler:
    """Reads a group's lag every ``interval`` seconds in a daemon thread.

    Logs one line when the broker cannot be reached and one when it can be again,
    not one per attempt. ``measure`` is any callable returning lag by partition
    (``GroupLag.measure``), so the state machine can be tested without a broker.
    """

    def __init__(
        self,
        measure: Callable[[], dict[tuple[str, int], int]],
        interval: float,
        what: str = "broker",
    ) -> None:
        self._measure = measure
        self.interval = interval
        self.what = what
        self._lock = threading.Lock()
        self._sample = LagSample(None, None, None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def sample(self) -> LagSample:
        """The latest state (cheap; never touches the broker)."""
        with self._lock:
            return self._sample

    def sample_once(self) -> LagSample:
        """Take one sample now and record it (the thread calls this)."""
        try:
            lag = self._measure()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            with self._lock:
                before = self._sample
                self._sample = LagSample(before.lag, before.taken_at, False, error)
            if before.broker_up is not False:
                log.warning("cannot read consumer lag from %s: %s", self.what, error)
            return self.sample
        with self._lock:
            before = self._sample
            self._sample = LagSample(lag, time.monotonic(), True)
        if before.broker_up is False:
            log.info("consumer lag read from %s again", self.what)
        return self.sample

    def _run(self) -> None:
        while True:
            self.sample_once()
            if self._stop.wait(self.interval):
                return

    def start(self) -> None:
        """Start sampling (the first sample is taken at once)."""
        self._thread = threading.Thread(target=self._run, name="lag", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current sample."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
