"""A PostgreSQL outage delays a Kafka consumer; it never loses or dead-letters.

``pmf serve reporting`` reads indicator events from Kafka into its read
model. Its PostgreSQL stops for longer than any retry budget while events keep
arriving; when the database is back every event is applied, none went to the
dead-letter topic, and nothing was parked.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer

from shared.events.catalogue import DEAD_LETTER_TOPIC, TOPICS
from shared.events.envelope import EventEnvelope, utc_now
from shared.messaging.topics import ensure_topics
from tests.support.kafka import Broker
from tests.support.postgres import (
    free_port,
    private_run_dir,
    start_private_postgres,
    stop_private_postgres,
)
from tests.support.processes import Process, eventually

pytestmark = pytest.mark.e2e
DATABASES = ["pmf_reporting", "pmf_auth"]
OUTAGE_SECONDS = 40  # longer than the old retry budget (~15 s)


@dataclass
class Setup:
    url: str
    run_dir: Path
    pg_port: int
    proc: Process


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """A broker of this test's own: the session's carries other tests' events
    and consumer groups of the same names."""
    own = Broker(tmp_path / "kafka")
    try:
        yield own.start()
    finally:
        own.stop()


@pytest.fixture
def reporting(broker: str, tmp_path: Path) -> Iterator[Setup]:
    kafka = broker
    run_dir, pg_port = private_run_dir(), free_port()
    proc: Process | None = None
    try:
        postgres = start_private_postgres(run_dir, pg_port, DATABASES)
        port = free_port()
        proc = Process(
            ["serve", "reporting", "--port", str(port)],
            {
                "PMF_MODE": "distributed",
                "PMF_KAFKA_BOOTSTRAP": kafka,
                "PMF_DATABASE_URL": f"{postgres}/pmf_reporting",
                "PMF_AUTH_DATABASE_URL": f"{postgres}/pmf_auth",
                "PMF_DATA_DIR": str(tmp_path / "data"),
            },
            tmp_path / "reporting.log",
        )
        url = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{url}/healthz", timeout=180)
        yield Setup(url, run_dir, pg_port, proc)
    finally:
        if proc is not None:
            proc.stop()
        stop_private_postgres(run_dir, pg_port)
        shutil.rmtree(run_dir.parent, ignore_errors=True)


def registration(code: str) -> bytes:
    now = utc_now()
    event = EventEnvelope(
        event_id=uuid.uuid4(),
        type="IndicatorRegistered",
        schema_version=2,
        stream=f"indicator:{code}",
        stream_version=1,
        occurred_at=now,
        recorded_at=now,
        actor="admin:outage test",
        correlation_id=str(uuid.uuid4()),
        data={
            "code": code,
            "title": f"Indicator {code}",
            "outcome": "Be healthy",
            "polarity": "higher_is_better",
            "unit": "percent",
            "frequency": "annual",
            "laa": False,
            "measurable": True,
            "lead_organisation": None,
            "named_lead": None,
            "tolerance": None,
        },
    )
    return event.to_json().encode()


def dead_letters(kafka: str) -> list[bytes]:
    consumer = KafkaConsumer(
        DEAD_LETTER_TOPIC,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        group_id=None,
    )
    try:
        return [m.value for m in consumer]
    finally:
        consumer.close()


def codes(url: str) -> set[str]:
    try:
        answer = httpx.get(f"{url}/api/v1/framework", timeout=15)
    except httpx.HTTPError as exc:
        raise AssertionError(f"framework not readable yet: {exc}") from exc
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {row["code"] for row in body["indicators"]}


def test_events_sent_during_a_database_outage_are_all_applied(
    broker: str, reporting: Setup
) -> None:
    kafka = broker
    ensure_topics(kafka)
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all")
    tag = uuid.uuid4().hex[:6]
    sent: list[str] = []

    def send(n: int) -> None:
        for _ in range(n):
            code = f"O{tag}-{len(sent)}"
            sent.append(code)
            producer.send(
                TOPICS["indicators"], key=code.encode(), value=registration(code)
            )
        producer.flush()

    send(5)
    eventually(lambda: assert_all(reporting.url, sent[:5]), timeout=120)
    before = len(dead_letters(kafka))

    stop_private_postgres(reporting.run_dir, reporting.pg_port)
    stopped = time.monotonic()
    while time.monotonic() - stopped < OUTAGE_SECONDS:
        send(3)
        time.sleep(2)
    status = httpx.get(f"{reporting.url}/readyz", timeout=15)
    assert status.status_code == 503, status.text
    start_private_postgres(reporting.run_dir, reporting.pg_port, DATABASES)
    send(5)

    eventually(lambda: assert_all(reporting.url, sent), timeout=180)
    assert len(dead_letters(kafka)) == before, "valid events were dead-lettered"
    metrics = httpx.get(f"{reporting.url}/metrics", timeout=15).text
    assert 'pmf_parked_events{consumer="reporting.framework"} 0.0' in metrics

    def ready() -> None:
        answer = httpx.get(f"{reporting.url}/readyz", timeout=15)
        assert answer.status_code == 200, answer.text

    eventually(ready, timeout=60)
    producer.close()


def assert_all(url: str, wanted: list[str]) -> None:
    missing = set(wanted) - codes(url)
    assert not missing, f"{len(missing)} not applied yet"
